/*
 * td_avg_pool2d_s8.c - AVERAGE_POOL_2D, int8.
 *
 * The window is clipped to the image and the sum divided by the number of
 * elements inside it, rounding half away from zero (TFLite's integer rule).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_avg_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->channels;
    int32_t out_y;
    for (out_y = 0; out_y < p->out_h; ++out_y) {
      const int32_t in_y0 = out_y * p->stride_h - p->pad_h;
      const int32_t fy0 = td_max32(0, -in_y0);
      const int32_t fy1 = td_min32(p->filter_h, p->in_h - in_y0);
      int32_t out_x;
      for (out_x = 0; out_x < p->out_w; ++out_x) {
        const int32_t in_x0 = out_x * p->stride_w - p->pad_w;
        const int32_t fx0 = td_max32(0, -in_x0);
        const int32_t fx1 = td_min32(p->filter_w, p->in_w - in_x0);
        int32_t c;
        for (c = 0; c < p->channels; ++c) {
          int32_t acc = 0;
          int32_t count = 0;
          int32_t fy;
          for (fy = fy0; fy < fy1; ++fy) {
            int32_t fx;
            for (fx = fx0; fx < fx1; ++fx) {
              acc += image[((in_y0 + fy) * p->in_w + in_x0 + fx) * p->channels + c];
              ++count;
            }
          }
          if (count == 0) {
            return TD_ERR_ARG; /* a window entirely in the padding */
          }
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          *output++ = (int8_t)td_clamp32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return TD_OK;
}
