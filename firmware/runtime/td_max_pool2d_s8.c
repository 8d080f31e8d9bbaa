/*
 * td_max_pool2d_s8.c - MAX_POOL_2D, int8; window clipped to the image.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_max_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output) {
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
        /* the window's first valid pixel; pointers step through it (no index products) */
        const int8_t *corner = image + ((in_y0 + fy0) * p->in_w + in_x0 + fx0) * p->channels;
        int32_t c;
        for (c = 0; c < p->channels; ++c) {
          const int8_t *r = corner + c;
          int32_t m = -128;
          int32_t fy;
          for (fy = fy0; fy < fy1; ++fy, r += p->in_w * p->channels) {
            const int8_t *q = r;
            int32_t fx;
            for (fx = fx0; fx < fx1; ++fx, q += p->channels) {
              m = td_max32(m, *q);
            }
          }
          *output++ = (int8_t)td_clamp32(m, p->act_min, p->act_max);
        }
      }
    }
  }
  return TD_OK;
}
