/*
 * td_pool2d_s16.c - MAX_POOL_2D and AVERAGE_POOL_2D of 16x8 models (int16); windows
 * clipped to the image, as TFLite Micro's reference int16 MaxPool / AveragePool.
 *
 * The average sums into int32 (at most 2^15 * filter_h * filter_w) and divides with
 * rounding half away from zero (C division truncates toward zero, as the reference's).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

static td_status td_pool2d_s16(const td_pool_params *p, const int16_t *input, int16_t *output,
                               int average) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int16_t *image = input + b * p->in_h * p->in_w * p->channels;
    int32_t oy;
    for (oy = 0; oy < p->out_h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_h;
      const int32_t fy0 = td_max32(0, -y0);
      const int32_t fy1 = td_min32(p->filter_h, p->in_h - y0);
      int32_t ox;
      for (ox = 0; ox < p->out_w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_w;
        const int32_t fx0 = td_max32(0, -x0);
        const int32_t fx1 = td_min32(p->filter_w, p->in_w - x0);
        int16_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->channels;
        int32_t c;
        for (c = 0; c < p->channels; ++c) {
          int32_t acc = average ? 0 : -32768;
          int32_t count = 0;
          int32_t fy;
          for (fy = fy0; fy < fy1; ++fy) {
            int32_t fx;
            for (fx = fx0; fx < fx1; ++fx) {
              const int32_t v = image[((y0 + fy) * p->in_w + x0 + fx) * p->channels + c];
              acc = average ? acc + v : td_max32(acc, v);
              ++count;
            }
          }
          if (average) {
            if (count == 0) {
              return TD_ERR_INVOKE; /* TFLite Micro's AveragePool fails on an empty window */
            }
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          out[c] = (int16_t)td_clamp32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
  return TD_OK;
}

td_status td_max_pool2d_s16(const td_pool_params *p, const int16_t *input, int16_t *output) {
  return td_pool2d_s16(p, input, output, 0);
}

td_status td_avg_pool2d_s16(const td_pool_params *p, const int16_t *input, int16_t *output) {
  return td_pool2d_s16(p, input, output, 1);
}
