/*
 * td_depthwise_conv2d_s8_mac.c - DEPTHWISE_CONV_2D without SIMD (Cortex-M3, M0/M0+),
 * depth multiplier 1, no dilation.
 *
 * The scratch buffer is a ring of filter_h input rows, stored channel-major
 * ([slot][channel][band_w]) with the zero point in the padding columns and rows, so
 * that one channel's window is filter_h runs of consecutive bytes and no tap needs a
 * bounds check. Each input row is copied into the ring once. Then, per channel, its
 * filter_h * filter_w weights stay in registers along the output row. The input offset
 * is in the bias (tinydeploy/compile/mac.py).
 */
#pragma GCC optimize("O2")
#include "td_kernels.h"
#include "td_mac.h"

#include <string.h>

/* Input row iy (in image coordinates) into the slot at rows: its in-image columns only
 * (the padding columns were filled once); a row outside the image is all padding. */
static void td_mac_dw_load(const td_dwconv_mac_params *p, const int8_t *input, int32_t iy,
                           int8_t *rows) {
  const int32_t channels = p->channels;
  const int32_t band_w = p->band_w;
  const int32_t in_w = p->in_w;
  int32_t c;
  if (iy < 0 || iy >= p->in_h) {
    memset(rows, (p->pad_value + 128) & 0xFF, (size_t)(channels * band_w));
    return;
  }
  input += iy * in_w * channels;
  rows += p->pad_w;
  for (c = 0; c < channels; ++c) {
    const uint8_t *src = (const uint8_t *)input + c;
    uint8_t *dst = (uint8_t *)rows + c * band_w;
    uint8_t *const end = dst + in_w;
    while (dst != end) {
      *dst++ = (uint8_t)(*src ^ 0x80u); /* x + 128 */
      src += channels;
    }
  }
}

/* The ring slot of input row iy (rows before the image are padding). */
static int32_t td_mac_dw_slot(int32_t iy, int32_t filter_h) {
  return (iy + filter_h * 8) % filter_h; /* iy >= -pad_h > -8 * filter_h */
}

/* One output row of one channel, 3x3 filter, over x + 128 (unsigned bytes: LDRB with an
 * immediate offset on ARMv6-M, where LDRSB has none; the bias has - 128 * sum w). */
TD_MAC_INLINE void td_mac_dw_row3x3(const td_dwconv_mac_params *p, const uint8_t *r0,
                                    const uint8_t *r1, const uint8_t *r2, const int32_t *w,
                                    const int32_t *rq, int8_t *out, int full, int fast) {
  const int32_t step = p->stride_w;
  const int32_t channels = p->channels;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  int8_t *const end = out + p->out_w * channels;
  while (out != end) {
    int32_t acc = w[0] * r0[0] + w[1] * r0[1] + w[2] * r0[2];
    acc += w[3] * r1[0] + w[4] * r1[1] + w[5] * r1[2];
    acc += w[6] * r2[0] + w[7] * r2[1] + w[8] * r2[2];
    *out = td_mac_clamp(td_mac_requant(acc, rq, zp, fast), full, lo, hi);
    out += channels;
    r0 += step;
    r1 += step;
    r2 += step;
  }
}

/* Any filter size. */
static void td_mac_dw_row(const td_dwconv_mac_params *p, const uint8_t *const *rows,
                          const int32_t *w, const int32_t *rq, int8_t *out) {
  int32_t ox;
  for (ox = 0; ox < p->out_w; ++ox) {
    int32_t acc = 0;
    const int32_t *wk = w;
    int32_t fy;
    for (fy = 0; fy < p->filter_h; ++fy) {
      const uint8_t *x = rows[fy] + ox * p->stride_w;
      int32_t fx;
      for (fx = 0; fx < p->filter_w; ++fx) {
        acc += wk[fx] * (int32_t)x[fx];
      }
      wk += p->filter_w;
    }
    *out =
        td_mac_clamp(td_mac_requant(acc, rq, p->output_offset, p->fast), 0, p->act_min, p->act_max);
    out += p->channels;
  }
}

/* ---- pairs (v7m, 3x3): two vertically adjacent outputs per SMLAL ------------------ */

/* Pair row y into its slot: word i of channel c is x[y][i] + x[y + stride_h][i] * 2^23
 * (td_mac.h) over the in-image columns (the padding columns were filled once); a row
 * outside the image reads the zero point. */
static void td_mac_dw_load_pairs(const td_dwconv_mac_params *p, const int8_t *input, int32_t y,
                                 int32_t *rows) {
  const int32_t channels = p->channels;
  const int32_t band_w = p->band_w;
  const int32_t in_w = p->in_w;
  const int32_t row = in_w * channels;
  const int32_t y2 = y + p->stride_h;
  const int in1 = y >= 0 && y < p->in_h;
  const int in2 = y2 >= 0 && y2 < p->in_h;
  const uint32_t pad = (uint32_t)p->pad_value;
  int32_t c;
  rows += p->pad_w;
  if (in1 && in2 && channels % 4 == 0) {
    /* four channels per pair of word loads, column by column */
    const int32_t gap = (y2 - y) * row;
    int32_t x;
    for (x = 0; x < in_w; ++x) {
      const uint8_t *a = (const uint8_t *)input + (y * in_w + x) * channels;
      int32_t *d = rows + x;
      int32_t *const last = d + channels * band_w;
      while (d != last) {
        uint32_t va;
        uint32_t vb;
        memcpy(&va, a, 4);
        memcpy(&vb, a + gap, 4);
        a += 4;
        d[0] = (int32_t)((uint32_t)(int32_t)(int8_t)va +
                         ((uint32_t)(int32_t)(int8_t)vb << TD_MAC_PAIR_SHIFT));
        d[band_w] = (int32_t)((uint32_t)(int32_t)(int8_t)(va >> 8) +
                              ((uint32_t)(int32_t)(int8_t)(vb >> 8) << TD_MAC_PAIR_SHIFT));
        d[2 * band_w] = (int32_t)((uint32_t)(int32_t)(int8_t)(va >> 16) +
                                  ((uint32_t)(int32_t)(int8_t)(vb >> 16) << TD_MAC_PAIR_SHIFT));
        d[3 * band_w] = (int32_t)((uint32_t)(int32_t)(int8_t)(va >> 24) +
                                  ((uint32_t)(int32_t)(int8_t)(vb >> 24) << TD_MAC_PAIR_SHIFT));
        d += 4 * band_w;
      }
    }
    return;
  }
  for (c = 0; c < channels; ++c) {
    int32_t *d = rows + c * band_w;
    int32_t *const end = d + in_w;
    if (in1 && in2) {
      const int8_t *a = input + y * row + c;
      const int32_t gap = y2 * row + c - (y * row + c);
      while (d != end) {
        *d++ =
            (int32_t)((uint32_t)(int32_t)a[0] + ((uint32_t)(int32_t)a[gap] << TD_MAC_PAIR_SHIFT));
        a += channels;
      }
    } else if (in1 || in2) {
      /* one row in the image, the other padding */
      const int8_t *a = input + (in1 ? y : y2) * row + c;
      const uint32_t other = in1 ? pad << TD_MAC_PAIR_SHIFT : pad;
      const int shift = in1 ? 0 : TD_MAC_PAIR_SHIFT;
      while (d != end) {
        *d++ = (int32_t)(((uint32_t)(int32_t)*a << shift) + other);
        a += channels;
      }
    } else {
      while (d != end) {
        *d++ = (int32_t)(pad + (pad << TD_MAC_PAIR_SHIFT));
      }
    }
  }
}

/* Output rows oy, oy + 1 (the second one only when both) of one channel. */
TD_MAC_INLINE void td_mac_dw_row_pairs(const td_dwconv_mac_params *p, const int32_t *r0,
                                       const int32_t *r1, const int32_t *r2, const int32_t *w,
                                       const int32_t *rq, int8_t *out, int both, int full,
                                       int fast) {
  const int32_t step = p->stride_w;
  const int32_t below = p->out_w * p->channels;
  const int32_t channels = p->channels;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  const td_mac_rq q = td_mac_rq_load(rq);
  int8_t *const end = out + below;
  while (out != end) {
    int64_t acc = (int64_t)1 << (TD_MAC_PAIR_SHIFT - 1);
    acc += (int64_t)r0[0] * w[0];
    acc += (int64_t)r0[1] * w[1];
    acc += (int64_t)r0[2] * w[2];
    acc += (int64_t)r1[0] * w[3];
    acc += (int64_t)r1[1] * w[4];
    acc += (int64_t)r1[2] * w[5];
    acc += (int64_t)r2[0] * w[6];
    acc += (int64_t)r2[1] * w[7];
    acc += (int64_t)r2[2] * w[8];
    out[0] = td_mac_clamp(td_mac_requant_q(td_mac_low(acc), q, zp, fast), full, lo, hi);
    if (both) {
      out[below] = td_mac_clamp(td_mac_requant_q(td_mac_high(acc), q, zp, fast), full, lo, hi);
    }
    out += channels;
    r0 += step;
    r1 += step;
    r2 += step;
  }
}

static void td_mac_dw_pairs(const td_dwconv_mac_params *p, const int8_t *input, int8_t *output,
                            int32_t *ring) {
  const int32_t slot_words = p->channels * p->band_w;
  const uint32_t pad = (uint32_t)p->pad_value;
  const int32_t pad_word = (int32_t)(pad + (pad << TD_MAC_PAIR_SHIFT));
  int32_t next = -p->pad_h;
  int32_t oy;
  int32_t i;
  /* every padding column of every slot: the zero point twice, from here on */
  for (i = 0; i < 3 * slot_words; ++i) {
    ring[i] = pad_word;
  }
  for (oy = 0; oy < p->out_h; oy += 2) {
    const int32_t first = oy * p->stride_h - p->pad_h;
    const int both = oy + 1 < p->out_h;
    const int32_t *r0;
    const int32_t *r1;
    const int32_t *r2;
    int32_t y;
    int32_t c;
    for (y = first > next ? first : next; y < first + 3; ++y) {
      td_mac_dw_load_pairs(p, input, y, ring + td_mac_dw_slot(y, 3) * slot_words);
    }
    next = first + 3;
    r0 = ring + td_mac_dw_slot(first, 3) * slot_words;
    r1 = ring + td_mac_dw_slot(first + 1, 3) * slot_words;
    r2 = ring + td_mac_dw_slot(first + 2, 3) * slot_words;
    for (c = 0; c < p->channels; ++c) {
      const int32_t *w = p->words + c * 9;
      const int32_t *rq = p->requant + c * TD_MAC_REQUANT_WORDS;
      int8_t *out = output + oy * p->out_w * p->channels + c;
      const int32_t at = c * p->band_w;
      if (p->full && p->fast && both) {
        td_mac_dw_row_pairs(p, r0 + at, r1 + at, r2 + at, w, rq, out, 1, 1, 1);
      } else if (p->full && p->fast) {
        td_mac_dw_row_pairs(p, r0 + at, r1 + at, r2 + at, w, rq, out, 0, 1, 1);
      } else {
        td_mac_dw_row_pairs(p, r0 + at, r1 + at, r2 + at, w, rq, out, both, p->full, p->fast);
      }
    }
  }
}

td_status td_depthwise_conv2d_s8_mac(const td_dwconv_mac_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch) {
  const uint8_t *rows[8];
  int32_t next;
  int32_t oy;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->words == NULL ||
      p->requant == NULL || p->filter_h < 1 || p->filter_h > 8 || p->pad_h >= 8 * p->filter_h ||
      p->band_w < p->pad_w + p->in_w || p->band_w < (p->out_w - 1) * p->stride_w + p->filter_w) {
    return TD_ERR_ARG;
  }
  if (p->pairs) {
    if (p->filter_h != 3 || p->filter_w != 3 || p->pad_h > 2) {
      return TD_ERR_ARG;
    }
    td_mac_dw_pairs(p, input, output, (int32_t *)(void *)scratch); /* 4-byte aligned */
    return TD_OK;
  }
  /* every padding column of every slot holds the zero point (+ 128) from here on */
  memset(scratch, (p->pad_value + 128) & 0xFF, (size_t)(p->filter_h * p->channels * p->band_w));
  next = -p->pad_h;
  for (oy = 0; oy < p->out_h; ++oy) {
    const int32_t first = oy * p->stride_h - p->pad_h;
    const int32_t taps = p->filter_h * p->filter_w;
    const int32_t slot_bytes = p->channels * p->band_w;
    int32_t base[8];
    int32_t iy;
    int32_t c;
    int32_t fy;
    for (iy = first > next ? first : next; iy < first + p->filter_h; ++iy) {
      td_mac_dw_load(p, input, iy, scratch + td_mac_dw_slot(iy, p->filter_h) * slot_bytes);
    }
    next = first + p->filter_h;
    for (fy = 0; fy < p->filter_h; ++fy) {
      base[fy] = td_mac_dw_slot(first + fy, p->filter_h) * slot_bytes;
    }
    for (c = 0; c < p->channels; ++c) {
      const int32_t *w = p->words + c * taps;
      const int32_t *rq = p->requant + c * TD_MAC_REQUANT_WORDS;
      int8_t *out = output + oy * p->out_w * p->channels + c;
      for (fy = 0; fy < p->filter_h; ++fy) {
        rows[fy] = (const uint8_t *)scratch + base[fy] + c * p->band_w;
      }
      if (p->filter_h == 3 && p->filter_w == 3 && p->full && p->fast) {
        td_mac_dw_row3x3(p, rows[0], rows[1], rows[2], w, rq, out, 1, 1);
      } else if (p->filter_h == 3 && p->filter_w == 3) {
        td_mac_dw_row3x3(p, rows[0], rows[1], rows[2], w, rq, out, p->full, p->fast);
      } else {
        td_mac_dw_row(p, rows, w, rq, out);
      }
    }
  }
  return TD_OK;
}
