/*
 * td_unpack_weights.c - decode packed weights (4-bit, lookup table, sparse) to int8.
 *
 * The packed forms hold exactly the int8 values of the model's weights (the
 * compiler only picks a form that reproduces every value), so a kernel that
 * decodes into a scratch buffer and runs the int8 reference loops gives the
 * int8 kernel's results bit for bit. Layouts are documented in td_kernels.h
 * (td_packed_weights).
 */
#include "td_kernels.h"

/* Reads `bits`-wide fields (1..8) from a byte stream, least significant bit first. */
typedef struct {
  const uint8_t *src;
  uint32_t acc;
  int32_t have;
} td_bitreader;

static int32_t td_next_field(td_bitreader *r, int32_t bits) {
  int32_t v;
  if (r->have < bits) {
    r->acc |= (uint32_t)(*r->src++) << r->have;
    r->have += 8;
  }
  v = (int32_t)(r->acc & ((1u << bits) - 1u));
  r->acc >>= bits;
  r->have -= bits;
  return v;
}

/* The next stored value of the stream, as int8. */
static int8_t td_next_value(const td_packed_weights *w, td_bitreader *r) {
  int32_t v;
  switch (w->codec) {
    case TD_CODEC_S4:
      v = td_next_field(r, 4);
      return (int8_t)(v >= 8 ? v - 16 : v); /* two's complement nibble */
    case TD_CODEC_LUT:
      return w->table[td_next_field(r, w->index_bits)];
    default: /* TD_CODEC_S8 */
      return (int8_t)td_next_field(r, 8);
  }
}

td_status td_unpack_weights(const td_packed_weights *w, int8_t *out) {
  td_bitreader r;
  int32_t i;
  if (w == NULL || out == NULL || w->data == NULL || w->count < 0 ||
      (w->codec == TD_CODEC_LUT && (w->table == NULL || w->index_bits < 1 || w->index_bits > 8)) ||
      (w->codec != TD_CODEC_S8 && w->codec != TD_CODEC_S4 && w->codec != TD_CODEC_LUT)) {
    return TD_ERR_ARG;
  }
  r.src = (const uint8_t *)(const void *)w->data;
  r.acc = 0;
  r.have = 0;
  if (w->mask == NULL) {
    if (w->codec == TD_CODEC_S4) { /* dense 4-bit: two weights per byte, low nibble first */
      const uint8_t *src = r.src;
      for (i = 0; i + 1 < w->count; i += 2) {
        const int32_t b = *src++;
        const int32_t lo = b & 0x0F;
        const int32_t hi = b >> 4;
        out[i] = (int8_t)(lo >= 8 ? lo - 16 : lo);
        out[i + 1] = (int8_t)(hi >= 8 ? hi - 16 : hi);
      }
      if (i < w->count) {
        const int32_t lo = *src & 0x0F;
        out[i] = (int8_t)(lo >= 8 ? lo - 16 : lo);
      }
      return TD_OK;
    }
    for (i = 0; i < w->count; ++i) {
      out[i] = td_next_value(w, &r);
    }
    return TD_OK;
  }
  {
    const uint8_t *mask = (const uint8_t *)(const void *)w->mask;
    for (i = 0; i < w->count; ++i) {
      out[i] = ((mask[i >> 3] >> (i & 7)) & 1) ? td_next_value(w, &r) : (int8_t)0;
    }
  }
  return TD_OK;
}
