/*
 * td_conv2d_s8_mac.c - CONV_2D and FULLY_CONNECTED without SIMD (Cortex-M3, M0/M0+).
 *
 * Per output pixel: its column (the input row itself for a 1x1 convolution without
 * padding, else the window copied with the zero point in the padding), then a block
 * of output channels at a time, each column value loaded once for the block:
 *  - layout 0 (v7m): eight channels, four SMLALs per value, each into a 64-bit
 *    accumulator that holds two channels (td_mac.h): one instruction, two
 *    multiply-accumulates;
 *  - layout 1 (v6m): eight channels, MULS + ADD on the weights + 128 (unsigned bytes,
 *    loaded with an immediate offset; td_mac_bytes8.h), less 128 * the column's sum.
 * The input offset is in the bias (tinydeploy/compile/mac.py).
 */
#pragma GCC optimize("O2")
#include "td_kernels.h"
#include "td_mac.h"
#include "td_mac_bytes8.h"

#include <string.h>

/* n bytes (a few: no call for a spectrogram's single channel). */
TD_MAC_INLINE void td_mac_copy(int8_t *dst, const int8_t *src, int32_t n) {
  if (n < 16) {
    while (n-- > 0) {
      *dst++ = *src++;
    }
  } else {
    memcpy(dst, src, (size_t)n);
  }
}

/* The window of output pixel (oy, ox) as one column of depth bytes: a filter row whose
 * taps are all inside the image is one run of the input row (no dilation). */
static void td_mac_column(const td_conv_mac_params *p, const int8_t *input, int32_t oy, int32_t ox,
                          int8_t *col) {
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  const int32_t in_c = p->in_c;
  const int32_t run = p->filter_w * in_c;
  const int whole = p->dilation_w == 1 && ix0 >= 0 && ix0 + p->filter_w <= p->in_w;
  int32_t fy;
  for (fy = 0; fy < p->filter_h; ++fy) {
    const int32_t iy = iy0 + fy * p->dilation_h;
    int32_t fx;
    if (iy < 0 || iy >= p->in_h) {
      memset(col, p->pad_value, (size_t)run);
      col += run;
      continue;
    }
    if (whole) {
      td_mac_copy(col, input + (iy * p->in_w + ix0) * in_c, run);
      col += run;
      continue;
    }
    for (fx = 0; fx < p->filter_w; ++fx) {
      const int32_t ix = ix0 + fx * p->dilation_w;
      if (ix < 0 || ix >= p->in_w) {
        memset(col, p->pad_value, (size_t)in_c);
      } else {
        td_mac_copy(col, input + (iy * p->in_w + ix) * in_c, in_c);
      }
      col += in_c;
    }
  }
}

/* td_mac_dot8 in runs of chunk inputs, so that no paired accumulator overlaps
 * (mac.pair_chunk); the runs' sums added in 32 bits. Apart from the pixel loop, which
 * keeps its registers for the common single run. */
static TD_MAC_NOINLINE void td_mac_dot8_runs(const int8_t *x, const int32_t *w, int32_t depth,
                                             int32_t chunk, int32_t sums[8]) {
  int32_t k;
  int j;
  for (j = 0; j < 8; ++j) {
    sums[j] = 0;
  }
  for (k = 0; k < depth; k += chunk) {
    int32_t part[8];
    td_mac_dot8(x + k, w + 4 * k, depth - k < chunk ? depth - k : chunk, part);
    for (j = 0; j < 8; ++j) {
      sums[j] = (int32_t)((uint32_t)sums[j] + (uint32_t)part[j]);
    }
  }
}

/* One output pixel from its column; full, fast and words (layout 0) are constants where
 * it is inlined. */
TD_MAC_INLINE void td_mac_pixel(const td_conv_mac_params *p, const int8_t *col, int8_t *out,
                                int full, int fast, int words) {
  const int32_t depth = p->depth;
  const int32_t chunk = p->chunk;
  const int32_t *rq = p->requant;
  const int32_t out_c = p->out_c;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  const int32_t *const pairs = p->pairs;
  const uint8_t *const bytes = (const uint8_t *)p->bytes;
  const int32_t block = 8; /* channels per block in both layouts */
  int32_t correction = 0;
  int32_t c;
  if (!words) {
    int32_t sum = 0;
    int32_t k;
    for (k = 0; k < depth; ++k) {
      sum += col[k];
    }
    correction = (int32_t)((uint32_t)sum * (uint32_t)-128);
  }
  for (c = 0; c < out_c; c += block) {
    int32_t sums[8];
    const int32_t n = out_c - c < block ? out_c - c : block;
    int32_t j;
    if (words && chunk >= depth) {
      td_mac_dot8(col, pairs + c / 2 * depth, depth, sums); /* 8 channels: 4 words a tap */
    } else if (words) {
      td_mac_dot8_runs(col, pairs + c / 2 * depth, depth, chunk, sums);
    } else {
      td_mac_bytes8(col, bytes + c * depth, depth, sums);
    }
    for (j = 0; j < n; ++j) {
      const int32_t sum = (int32_t)((uint32_t)sums[j] + (uint32_t)correction);
      *out++ = td_mac_clamp(td_mac_requant(sum, rq, zp, fast), full, lo, hi);
      rq += TD_MAC_REQUANT_WORDS;
    }
  }
}

TD_MAC_INLINE void td_mac_image(const td_conv_mac_params *p, const int8_t *input, int8_t *output,
                                int8_t *scratch, int full, int fast, int words) {
  int32_t oy;
  for (oy = 0; oy < p->out_h; ++oy) {
    int32_t ox;
    for (ox = 0; ox < p->out_w; ++ox) {
      const int8_t *col;
      if (p->direct) {
        col = input + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_c;
      } else {
        td_mac_column(p, input, oy, ox, scratch);
        col = scratch;
      }
      td_mac_pixel(p, col, output, full, fast, words);
      output += p->out_c;
    }
  }
}

td_status td_conv2d_s8_mac(const td_conv_mac_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch) {
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->requant == NULL ||
      (p->layout == 0 ? p->pairs == NULL || p->bytes != NULL : p->bytes == NULL) ||
      p->depth != p->filter_h * p->filter_w * p->in_c || p->chunk < 1) {
    return TD_ERR_ARG;
  }
  /* one copy of the loops per requantization variant */
  if (p->layout == 0 && p->full && p->fast) {
    td_mac_image(p, input, output, scratch, 1, 1, 1);
  } else if (p->layout == 1 && p->full && p->fast) {
    td_mac_image(p, input, output, scratch, 1, 1, 0);
  } else {
    td_mac_image(p, input, output, scratch, p->full, p->fast, p->layout == 0);
  }
  return TD_OK;
}
