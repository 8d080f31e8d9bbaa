/*
 * td_depthwise_conv2d_s8.c - DEPTHWISE_CONV_2D, int8, any depth multiplier.
 *
 * Output channel oc = ic * depth_multiplier + m sees input channel ic only.
 * Same rounding and clamping as td_conv2d_s8; windows clipped to the image.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

static void td_dw_taps(int32_t origin, int32_t dilation, int32_t taps, int32_t size, int32_t *first,
                       int32_t *last) {
  int32_t f = 0;
  int32_t l = taps;
  while (f < taps && origin + f * dilation < 0) {
    ++f;
  }
  while (l > f && origin + (l - 1) * dilation >= size) {
    --l;
  }
  *first = f;
  *last = l;
}

td_status td_depthwise_conv2d_s8(const td_dwconv_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL || p->out_c != p->in_c * p->depth_multiplier) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->in_c;
    int32_t out_y;
    for (out_y = 0; out_y < p->out_h; ++out_y) {
      const int32_t in_y0 = out_y * p->stride_h - p->pad_h;
      int32_t fy0;
      int32_t fy1;
      int32_t out_x;
      td_dw_taps(in_y0, p->dilation_h, p->filter_h, p->in_h, &fy0, &fy1);
      for (out_x = 0; out_x < p->out_w; ++out_x) {
        const int32_t in_x0 = out_x * p->stride_w - p->pad_w;
        int32_t fx0;
        int32_t fx1;
        int32_t ic;
        td_dw_taps(in_x0, p->dilation_w, p->filter_w, p->in_w, &fx0, &fx1);
        for (ic = 0; ic < p->in_c; ++ic) {
          int32_t m;
          for (m = 0; m < p->depth_multiplier; ++m) {
            const int32_t oc = ic * p->depth_multiplier + m;
            const int32_t q = p->per_channel ? oc : 0;
            int32_t acc = 0;
            int32_t fy;
            for (fy = fy0; fy < fy1; ++fy) {
              const int32_t in_y = in_y0 + fy * p->dilation_h;
              int32_t fx;
              for (fx = fx0; fx < fx1; ++fx) {
                const int32_t in_x = in_x0 + fx * p->dilation_w;
                const int32_t v = image[(in_y * p->in_w + in_x) * p->in_c + ic];
                const int32_t w = p->filter[(fy * p->filter_w + fx) * p->out_c + oc];
                acc += w * (v + p->input_offset);
              }
            }
            if (p->bias != NULL) {
              acc += p->bias[oc];
            }
            acc = td_mbqm(acc, p->multiplier[q], p->shift[q]) + p->output_offset;
            *output++ = (int8_t)td_clamp32(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
  return TD_OK;
}
