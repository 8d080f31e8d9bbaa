/*
 * td_avg_pool2d_s8.c - AVERAGE_POOL_2D, int8.
 *
 * The window is clipped to the image and the sum divided by the number of
 * elements inside it, rounding half away from zero (TFLite's integer rule).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* The global average (one window, the whole image): per channel a strided sum, no
 * window bookkeeping per element (the same sums and rounding as the loops below). */
static void td_avg_global(const td_pool_params *p, const int8_t *image, int8_t *output) {
  const int32_t channels = p->channels;
  const int32_t count = p->in_h * p->in_w;
  int32_t c;
  for (c = 0; c < channels; ++c) {
    const int8_t *x = image + c;
    int32_t acc = 0;
    int32_t n = count;
    while (n >= 4) {
      acc += x[0] + x[channels] + x[2 * channels] + x[3 * channels];
      x += 4 * channels;
      n -= 4;
    }
    while (n-- > 0) {
      acc += *x;
      x += channels;
    }
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    *output++ = (int8_t)td_clamp32(acc, p->act_min, p->act_max);
  }
}

td_status td_avg_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  if (p->out_h == 1 && p->out_w == 1 && p->filter_h == p->in_h && p->filter_w == p->in_w &&
      p->pad_h == 0 && p->pad_w == 0 && p->in_h > 0 && p->in_w > 0) {
    for (b = 0; b < p->batches; ++b) {
      td_avg_global(p, input + b * p->in_h * p->in_w * p->channels, output + b * p->channels);
    }
    return TD_OK;
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
