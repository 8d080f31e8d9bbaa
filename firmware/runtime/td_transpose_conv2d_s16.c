/*
 * td_transpose_conv2d_s16.c - TRANSPOSE_CONV of 16x8 models (NHWC): int16 activations
 * (zero point 0), int8 weights, int64 bias, per-channel requantization.
 *
 * TFLite Micro's reference scatters every input pixel into an int64 output-sized
 * scratch buffer; this kernel gathers, one output element at a time, as
 * td_transpose_conv2d_s8 does: output (y, x) receives input (iy, ix) through filter tap
 * (fy, fx) when y + pad_h - fy == iy * stride_h (likewise for x). The sums are the same
 * integers (each product fits int32, the sum is kept in 64 bits), then the bias and
 * td_mbqm64 as in CONV_2D 16x8. filter: [out_c][filter_h][filter_w][in_c].
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_transpose_conv2d_s16(const td_conv_s16_params *p, const int16_t *input,
                                  int16_t *output) {
  int32_t b;
  int32_t y;
  int32_t x;
  int32_t oc;
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL || p->stride_h < 1 || p->stride_w < 1 || p->filter_c != p->in_c) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int16_t *image = input + (size_t)b * (size_t)p->in_h * (size_t)p->in_w * (size_t)p->in_c;
    for (y = 0; y < p->out_h; ++y) {
      for (x = 0; x < p->out_w; ++x) {
        for (oc = 0; oc < p->out_c; ++oc) {
          int64_t acc = 0;
          int32_t fy;
          int32_t fx;
          int32_t ic;
          for (fy = 0; fy < p->filter_h; ++fy) {
            const int32_t ty = y + p->pad_h - fy;
            int32_t iy;
            if (ty < 0 || ty % p->stride_h != 0) {
              continue;
            }
            iy = ty / p->stride_h;
            if (iy >= p->in_h) {
              continue;
            }
            for (fx = 0; fx < p->filter_w; ++fx) {
              const int32_t tx = x + p->pad_w - fx;
              const int16_t *in;
              const int8_t *w;
              int32_t ix;
              if (tx < 0 || tx % p->stride_w != 0) {
                continue;
              }
              ix = tx / p->stride_w;
              if (ix >= p->in_w) {
                continue;
              }
              in = image + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * (size_t)p->in_c;
              w = p->filter +
                  (((size_t)oc * (size_t)p->filter_h + (size_t)fy) * (size_t)p->filter_w +
                   (size_t)fx) *
                      (size_t)p->in_c;
              for (ic = 0; ic < p->in_c; ++ic) {
                acc += (int32_t)in[ic] * (int32_t)w[ic];
              }
            }
          }
          if (p->bias != NULL) {
            acc += p->bias[oc];
          }
          *output++ = (int16_t)td_clamp32(td_mbqm64(acc, p->multiplier[oc], p->shift[oc]),
                                          p->act_min, p->act_max);
        }
      }
    }
  }
  return TD_OK;
}
