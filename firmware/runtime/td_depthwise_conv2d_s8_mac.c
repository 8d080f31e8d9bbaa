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
    memset(rows, p->pad_value, (size_t)(channels * band_w));
    return;
  }
  input += iy * in_w * channels;
  rows += p->pad_w;
  for (c = 0; c < channels; ++c) {
    const int8_t *src = input + c;
    int8_t *dst = rows + c * band_w;
    int8_t *const end = dst + in_w;
    while (dst != end) {
      *dst++ = *src;
      src += channels;
    }
  }
}

/* The ring slot of input row iy (rows before the image are padding). */
static int32_t td_mac_dw_slot(int32_t iy, int32_t filter_h) {
  return (iy + filter_h * 8) % filter_h; /* iy >= -pad_h > -8 * filter_h */
}

/* One output row of one channel, 3x3 filter: weights in registers. */
TD_MAC_INLINE void td_mac_dw_row3x3(const td_dwconv_mac_params *p, const int8_t *r0,
                                    const int8_t *r1, const int8_t *r2, const int8_t *w,
                                    const int32_t *rq, int8_t *out, int full, int pos) {
  const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
  const int32_t w6 = w[6], w7 = w[7], w8 = w[8];
  const int32_t bias = rq[0];
  const int32_t step = p->stride_w;
  const int32_t channels = p->channels;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  int8_t *const end = out + p->out_w * channels;
  while (out != end) {
    int32_t acc = bias;
    acc += w0 * r0[0] + w1 * r0[1] + w2 * r0[2];
    acc += w3 * r1[0] + w4 * r1[1] + w5 * r1[2];
    acc += w6 * r2[0] + w7 * r2[1] + w8 * r2[2];
    *out = td_mac_clamp(td_mac_requant(acc, rq, zp, pos), full, lo, hi);
    out += channels;
    r0 += step;
    r1 += step;
    r2 += step;
  }
}

/* Any filter size. */
static void td_mac_dw_row(const td_dwconv_mac_params *p, const int8_t *const *rows,
                          const int8_t *w, const int32_t *rq, int8_t *out) {
  int32_t ox;
  for (ox = 0; ox < p->out_w; ++ox) {
    int32_t acc = rq[0];
    const int8_t *wk = w;
    int32_t fy;
    for (fy = 0; fy < p->filter_h; ++fy) {
      const int8_t *x = rows[fy] + ox * p->stride_w;
      int32_t fx;
      for (fx = 0; fx < p->filter_w; ++fx) {
        acc += (int32_t)wk[fx] * x[fx];
      }
      wk += p->filter_w;
    }
    *out = td_mac_clamp(td_mac_requant(acc, rq, p->output_offset, 0), 0, p->act_min, p->act_max);
    out += p->channels;
  }
}

/* ---- pairs (v7m, 3x3): two horizontally adjacent outputs per SMLAL ---------------- */

/* The value at column i of a padded row of channel c (the zero point outside). */
TD_MAC_INLINE int32_t td_mac_dw_at(const td_dwconv_mac_params *p, const int8_t *src, int32_t i) {
  const int32_t ix = i - p->pad_w;
  return ix >= 0 && ix < p->in_w ? src[ix * p->channels] : p->pad_value;
}

/* Input row iy into its slot of pair words: word i of channel c is
 * x[i] + x[i + stride_w] * 2^23 (td_mac.h), the zero point outside the image. */
static void td_mac_dw_load_pairs(const td_dwconv_mac_params *p, const int8_t *input, int32_t iy,
                                 int32_t *rows) {
  const int32_t channels = p->channels;
  const int32_t band_w = p->band_w;
  const int32_t step = p->stride_w;
  const uint32_t pad = (uint32_t)p->pad_value;
  /* columns i whose two values are both inside the image: [lo, hi) */
  const int32_t lo = p->pad_w;
  const int32_t hi = p->pad_w + p->in_w - step;
  int32_t c;
  if (iy < 0 || iy >= p->in_h) {
    const int32_t word = (int32_t)(pad + (pad << TD_MAC_PAIR_SHIFT));
    int32_t i;
    for (i = 0; i < channels * band_w; ++i) {
      rows[i] = word;
    }
    return;
  }
  input += iy * p->in_w * channels;
  for (c = 0; c < channels; ++c) {
    const int8_t *src = input + c;
    int32_t *dst = rows + c * band_w;
    int32_t i;
    for (i = 0; i < lo && i < band_w; ++i) {
      dst[i] = (int32_t)((uint32_t)td_mac_dw_at(p, src, i) +
                         ((uint32_t)td_mac_dw_at(p, src, i + step) << TD_MAC_PAIR_SHIFT));
    }
    if (i < hi) {
      const int8_t *a = src + (i - lo) * channels;
      const int8_t *b = a + step * channels;
      int32_t *const end = dst + hi;
      int32_t *d = dst + i;
      while (d != end) {
        *d++ = (int32_t)((uint32_t)(int32_t)*a + ((uint32_t)(int32_t)*b << TD_MAC_PAIR_SHIFT));
        a += channels;
        b += channels;
      }
      i = hi;
    }
    for (; i < band_w; ++i) {
      dst[i] = (int32_t)((uint32_t)td_mac_dw_at(p, src, i) +
                         ((uint32_t)td_mac_dw_at(p, src, i + step) << TD_MAC_PAIR_SHIFT));
    }
  }
}

/* One output row of one channel over pair words: outputs ox and ox + 1 together. */
TD_MAC_INLINE void td_mac_dw_row_pairs(const td_dwconv_mac_params *p, const int32_t *r0,
                                       const int32_t *r1, const int32_t *r2, const int8_t *w,
                                       const int32_t *rq, int8_t *out, int full, int pos) {
  const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
  const int32_t w6 = w[6], w7 = w[7], w8 = w[8];
  const int32_t step = 2 * p->stride_w;
  const int32_t channels = p->channels;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  int32_t left = p->out_w;
  while (left > 0) {
    int64_t acc = (int64_t)1 << (TD_MAC_PAIR_SHIFT - 1);
    acc += (int64_t)r0[0] * w0;
    acc += (int64_t)r0[1] * w1;
    acc += (int64_t)r0[2] * w2;
    acc += (int64_t)r1[0] * w3;
    acc += (int64_t)r1[1] * w4;
    acc += (int64_t)r1[2] * w5;
    acc += (int64_t)r2[0] * w6;
    acc += (int64_t)r2[1] * w7;
    acc += (int64_t)r2[2] * w8;
    out[0] = td_mac_clamp(td_mac_requant(td_mac_low(acc) + rq[0], rq, zp, pos), full, lo, hi);
    if (left > 1) {
      out[channels] =
          td_mac_clamp(td_mac_requant(td_mac_high(acc) + rq[0], rq, zp, pos), full, lo, hi);
    }
    out += 2 * channels;
    r0 += step;
    r1 += step;
    r2 += step;
    left -= 2;
  }
}

static void td_mac_dw_pairs(const td_dwconv_mac_params *p, const int8_t *input, int8_t *output,
                            int32_t *ring) {
  const int32_t slot_words = p->channels * p->band_w;
  int32_t next = -p->pad_h;
  int32_t oy;
  for (oy = 0; oy < p->out_h; ++oy) {
    const int32_t first = oy * p->stride_h - p->pad_h;
    const int32_t *r0;
    const int32_t *r1;
    const int32_t *r2;
    int32_t iy;
    int32_t c;
    for (iy = first > next ? first : next; iy < first + 3; ++iy) {
      td_mac_dw_load_pairs(p, input, iy, ring + td_mac_dw_slot(iy, 3) * slot_words);
    }
    next = first + 3;
    r0 = ring + td_mac_dw_slot(first, 3) * slot_words;
    r1 = ring + td_mac_dw_slot(first + 1, 3) * slot_words;
    r2 = ring + td_mac_dw_slot(first + 2, 3) * slot_words;
    for (c = 0; c < p->channels; ++c) {
      const int8_t *w = p->filter + c * 9;
      const int32_t *rq = p->requant + c * TD_MAC_REQUANT_WORDS;
      int8_t *out = output + oy * p->out_w * p->channels + c;
      const int32_t at = c * p->band_w;
      if (p->full && p->pos) {
        td_mac_dw_row_pairs(p, r0 + at, r1 + at, r2 + at, w, rq, out, 1, 1);
      } else {
        td_mac_dw_row_pairs(p, r0 + at, r1 + at, r2 + at, w, rq, out, 0, 0);
      }
    }
  }
}

td_status td_depthwise_conv2d_s8_mac(const td_dwconv_mac_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch) {
  const int8_t *rows[8];
  int32_t next;
  int32_t oy;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->filter == NULL ||
      p->requant == NULL || p->filter_h < 1 || p->filter_h > 8 || p->pad_h >= 8 * p->filter_h ||
      p->band_w < p->pad_w + p->in_w ||
      p->band_w < (p->out_w - 1) * p->stride_w + p->filter_w) {
    return TD_ERR_ARG;
  }
  if (p->pairs) {
    if (p->filter_h != 3 || p->filter_w != 3) {
      return TD_ERR_ARG;
    }
    td_mac_dw_pairs(p, input, output, (int32_t *)(void *)scratch); /* 4-byte aligned */
    return TD_OK;
  }
  /* every padding column of every slot holds the zero point from here on */
  memset(scratch, p->pad_value, (size_t)(p->filter_h * p->channels * p->band_w));
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
      const int8_t *w = p->filter + c * taps;
      const int32_t *rq = p->requant + c * TD_MAC_REQUANT_WORDS;
      int8_t *out = output + oy * p->out_w * p->channels + c;
      for (fy = 0; fy < p->filter_h; ++fy) {
        rows[fy] = scratch + base[fy] + c * p->band_w;
      }
      if (p->filter_h == 3 && p->filter_w == 3 && p->full && p->pos) {
        td_mac_dw_row3x3(p, rows[0], rows[1], rows[2], w, rq, out, 1, 1);
      } else if (p->filter_h == 3 && p->filter_w == 3) {
        td_mac_dw_row3x3(p, rows[0], rows[1], rows[2], w, rq, out, 0, 0);
      } else {
        td_mac_dw_row(p, rows, w, rq, out);
      }
    }
  }
  return TD_OK;
}
