/*
 * td_conv2d_s8_mac.c - CONV_2D and FULLY_CONNECTED without SIMD (Cortex-M3, M0/M0+).
 *
 * Per output pixel: its column (the input row itself for a 1x1 convolution without
 * padding, else the window copied with the zero point in the padding), then four
 * output channels at a time, each column value loaded once for the four:
 *  - layout 0 (v7m): two SMLALs per value, each into a 64-bit accumulator that holds
 *    two channels (td_mac.h), so one instruction does two multiply-accumulates;
 *  - layout 1 (v6m): four MULS + ADD on the weights + 128 (unsigned bytes, loaded with
 *    an immediate offset), corrected by 128 * the column's sum.
 * The input offset is in the bias (tinydeploy/compile/mac.py).
 */
#pragma GCC optimize("O2")
#include "td_kernels.h"
#include "td_mac.h"

#include <string.h>

/* The window of output pixel (oy, ox) as one column of depth bytes. */
static void td_mac_column(const td_conv_mac_params *p, const int8_t *input, int32_t oy,
                          int32_t ox, int8_t *col) {
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  int32_t fy;
  for (fy = 0; fy < p->filter_h; ++fy) {
    const int32_t iy = iy0 + fy * p->dilation_h;
    int32_t fx;
    for (fx = 0; fx < p->filter_w; ++fx) {
      const int32_t ix = ix0 + fx * p->dilation_w;
      const int32_t n = p->in_c;
      if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        memset(col, p->pad_value, (size_t)n);
      } else if (n < 16) { /* a few channels (an image's, a spectrogram's 1): no call */
        const int8_t *src = input + (iy * p->in_w + ix) * n;
        int32_t i;
        for (i = 0; i < n; ++i) {
          col[i] = src[i];
        }
      } else {
        memcpy(col, input + (iy * p->in_w + ix) * n, (size_t)n);
      }
      col += n;
    }
  }
}

/* Four channels' sums over one column: layout 0. */
static void td_mac_dot_pairs(const int8_t *x, const int32_t *w, int32_t depth,
                             int32_t sums[4]) {
  int64_t a = (int64_t)1 << (TD_MAC_PAIR_SHIFT - 1);
  int64_t b = a;
  int32_t k = depth;
  while (k >= 4) {
    const int32_t x0 = x[0];
    const int32_t x1 = x[1];
    const int32_t x2 = x[2];
    const int32_t x3 = x[3];
    a += (int64_t)x0 * w[0];
    b += (int64_t)x0 * w[1];
    a += (int64_t)x1 * w[2];
    b += (int64_t)x1 * w[3];
    a += (int64_t)x2 * w[4];
    b += (int64_t)x2 * w[5];
    a += (int64_t)x3 * w[6];
    b += (int64_t)x3 * w[7];
    x += 4;
    w += 8;
    k -= 4;
  }
  while (k-- > 0) {
    const int32_t x0 = *x++;
    a += (int64_t)x0 * w[0];
    b += (int64_t)x0 * w[1];
    w += 2;
  }
  sums[0] = td_mac_low(a);
  sums[1] = td_mac_high(a);
  sums[2] = td_mac_low(b);
  sums[3] = td_mac_high(b);
}

/* Four channels' sums over one column: layout 1 (weights + 128, unsigned), without
 * the -128 * sum(x) correction. Wrap-around arithmetic: only the final sum fits. */
static void td_mac_dot_bytes(const int8_t *x, const uint8_t *w, int32_t depth,
                             int32_t sums[4]) {
  uint32_t a0 = 0;
  uint32_t a1 = 0;
  uint32_t a2 = 0;
  uint32_t a3 = 0;
  int32_t k;
  for (k = 0; k < depth; ++k) {
    const uint32_t v = (uint32_t)(int32_t)x[k];
    a0 += v * w[0];
    a1 += v * w[1];
    a2 += v * w[2];
    a3 += v * w[3];
    w += 4;
  }
  sums[0] = (int32_t)a0;
  sums[1] = (int32_t)a1;
  sums[2] = (int32_t)a2;
  sums[3] = (int32_t)a3;
}

static void td_mac_pixel(const td_conv_mac_params *p, const int8_t *col, int8_t *out) {
  const int32_t depth = p->depth;
  const int32_t *rq = p->requant;
  const int32_t out_c = p->out_c;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  const int32_t *const pairs = p->pairs;
  const uint8_t *const bytes = (const uint8_t *)p->bytes;
  int32_t correction = 0;
  int32_t c;
  if (bytes != NULL) {
    int32_t sum = 0;
    int32_t k;
    for (k = 0; k < depth; ++k) {
      sum += col[k];
    }
    correction = (int32_t)((uint32_t)sum * (uint32_t)-128);
  }
  for (c = 0; c < out_c; c += 4) {
    int32_t sums[4];
    const int32_t n = out_c - c < 4 ? out_c - c : 4;
    int32_t j;
    if (pairs != NULL) {
      td_mac_dot_pairs(col, pairs + c / 4 * depth * 2, depth, sums);
    } else {
      td_mac_dot_bytes(col, bytes + c / 4 * depth * 4, depth, sums);
    }
    for (j = 0; j < n; ++j) {
      const int32_t acc = (int32_t)((uint32_t)sums[j] + (uint32_t)correction + (uint32_t)rq[0]);
      *out++ = (int8_t)td_mac_requant(acc, rq, zp, lo, hi);
      rq += TD_MAC_REQUANT_WORDS;
    }
  }
}

td_status td_conv2d_s8_mac(const td_conv_mac_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch) {
  int32_t oy;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->requant == NULL ||
      (p->layout == 0 ? p->pairs == NULL || p->bytes != NULL : p->bytes == NULL) ||
      p->depth != p->filter_h * p->filter_w * p->in_c) {
    return TD_ERR_ARG;
  }
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
      td_mac_pixel(p, col, output);
      output += p->out_c;
    }
  }
  return TD_OK;
}
