/*
 * td_conv2d_s16.c - CONV_2D of 16x8 models (grouped convolutions too): int16
 * activations (zero point 0), int8 weights, int64 bias, per-channel requantization.
 *
 * TFLite Micro's reference ConvPerChannel with an int64 accumulator: taps outside the
 * image are skipped (zero point 0, so padding adds nothing); each product fits int32,
 * the sum is kept in 64 bits and requantized by td_mbqm64 (one rounding).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_conv2d_s16(const td_conv_s16_params *p, const int16_t *input, int16_t *output) {
  int32_t b;
  int32_t per_group;
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL || p->filter_c <= 0 || p->in_c % p->filter_c != 0) {
    return TD_ERR_ARG;
  }
  per_group = p->out_c / (p->in_c / p->filter_c);
  if (per_group <= 0) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int16_t *image = input + b * p->in_h * p->in_w * p->in_c;
    int32_t oy;
    for (oy = 0; oy < p->out_h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_h;
      int32_t ox;
      for (ox = 0; ox < p->out_w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_w;
        int16_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
        int32_t oc;
        for (oc = 0; oc < p->out_c; ++oc) {
          const int32_t c0 = (oc / per_group) * p->filter_c; /* first input channel of the group */
          int64_t acc = 0;
          int32_t fy;
          for (fy = 0; fy < p->filter_h; ++fy) {
            const int32_t y = y0 + fy * p->dilation_h;
            int32_t fx;
            if (y < 0 || y >= p->in_h) continue;
            for (fx = 0; fx < p->filter_w; ++fx) {
              const int32_t x = x0 + fx * p->dilation_w;
              const int16_t *in = image + (y * p->in_w + x) * p->in_c + c0;
              const int8_t *w =
                  p->filter + ((oc * p->filter_h + fy) * p->filter_w + fx) * p->filter_c;
              int32_t c;
              if (x < 0 || x >= p->in_w) continue;
              for (c = 0; c < p->filter_c; ++c) {
                acc += (int32_t)w[c] * (int32_t)in[c];
              }
            }
          }
          if (p->bias != NULL) {
            acc += p->bias[oc];
          }
          out[oc] = (int16_t)td_clamp32(td_mbqm64(acc, p->multiplier[oc], p->shift[oc]), p->act_min,
                                        p->act_max);
        }
      }
    }
  }
  return TD_OK;
}
