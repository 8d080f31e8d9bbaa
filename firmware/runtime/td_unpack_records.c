/*
 * td_unpack_records.c - rebuild a SIMD kernel's weight records from packed weights.
 *
 * The SIMD kernels read records of 32-bit words: per record `head` raw words (e.g.
 * pre-scaled biases), `lanes` weight lanes, `tail` raw words (e.g. requantization).
 * The lanes are the layer's int8 weights in the record order the compiler chose
 * (duplicates and zero padding included), stored as one packed stream
 * (td_unpack_weights); 8-bit lanes go four to a word, first lane in the low byte,
 * 16-bit lanes two to a word, each the int8 value shifted left by the pre-scaling
 * of its output channel (a record of the conv layout holds two channels, whose
 * lanes alternate every `shift_group` words). The compiler checked that this
 * reproduces every word of the int8 build's records, so the SIMD kernel run on
 * them gives its results bit for bit.
 */
#include <string.h>

#include "td_kernels.h"

td_status td_unpack_records(const td_packed_records *p, int32_t *out, int8_t *lanes) {
  const int32_t *raw;
  const int8_t *v = lanes;
  int32_t r;
  td_status s;
  if (p == NULL || out == NULL || lanes == NULL || (p->head + p->tail > 0 && p->raw == NULL) ||
      (p->lane_bits == 8 ? (p->lanes & 3) != 0
                         : (p->lane_bits != 16 || (p->lanes & 1) != 0 || p->shift == NULL ||
                            p->shifts < 1 || p->shift_group < 1))) {
    return TD_ERR_ARG;
  }
  s = td_unpack_weights(&p->weights, lanes);
  if (s != TD_OK) {
    return s;
  }
  raw = p->raw;
  for (r = 0; r < p->records; ++r) {
    int32_t i;
    memcpy(out, raw, (size_t)p->head * sizeof *out);
    out += p->head;
    raw += p->head;
    if (p->lane_bits == 8) {
      memcpy(out, v, (size_t)p->lanes); /* little-endian: lane 0 is the low byte */
      out += p->lanes / 4;
      v += p->lanes;
    } else {
      const int8_t *sh = p->shift + r * p->shifts;
      int32_t k = 0;
      for (i = 0; i < p->lanes / 2; i += p->shift_group) {
        const int32_t scale = 1 << sh[k];
        const int32_t n = p->lanes / 2 - i < p->shift_group ? p->lanes / 2 - i : p->shift_group;
        int32_t j;
        for (j = 0; j < n; ++j, v += 2) {
          const uint32_t lo = (uint32_t)((int32_t)v[0] * scale) & 0xFFFFu;
          const uint32_t hi = (uint32_t)((int32_t)v[1] * scale) << 16;
          *out++ = (int32_t)(lo | hi);
        }
        k = k + 1 == p->shifts ? 0 : k + 1;
      }
    }
    memcpy(out, raw, (size_t)p->tail * sizeof *out);
    out += p->tail;
    raw += p->tail;
  }
  return TD_OK;
}
