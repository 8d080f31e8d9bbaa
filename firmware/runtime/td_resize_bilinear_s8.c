/*
 * td_resize_bilinear_s8.c - RESIZE_BILINEAR, int8 (NHWC).
 *
 * TFLite's ResizeBilinearInteger: source coordinates in 1/1024 steps (the
 * compiler computes, per output row and column, the two source indices and the
 * fraction w = input_y - 1024 * y0, which is negative before the first row with
 * half-pixel centers), the four neighbours weighted in 2^20 units in 64 bits, then
 * rounded half away from zero back to int8. The output keeps the input's scale.
 */
#include "td_kernels.h"

td_status td_resize_bilinear_s8(const td_resize_bilinear_params *p, const int8_t *input,
                                int8_t *output) {
  int32_t b;
  int32_t y;
  int32_t x;
  int32_t c;
  const int32_t row = p == NULL ? 0 : p->in_w * p->channels;
  if (p == NULL || input == NULL || output == NULL || p->rows == NULL || p->cols == NULL) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *image = input + (size_t)b * (size_t)p->in_h * (size_t)row;
    for (y = 0; y < p->out_h; ++y) {
      const int32_t *ry = p->rows + 3 * y; /* y0, y1, fraction */
      const int64_t wy = ry[2];
      for (x = 0; x < p->out_w; ++x) {
        const int32_t *rx = p->cols + 3 * x;
        const int64_t wx = rx[2];
        const int8_t *ll = image + ry[0] * row + rx[0] * p->channels;
        const int8_t *lu = image + ry[1] * row + rx[0] * p->channels;
        const int8_t *rl = image + ry[0] * row + rx[1] * p->channels;
        const int8_t *ru = image + ry[1] * row + rx[1] * p->channels;
        for (c = 0; c < p->channels; ++c) {
          const int64_t sum = ll[c] * (1024 - wy) * (1024 - wx) + lu[c] * wy * (1024 - wx) +
                              rl[c] * (1024 - wy) * wx + ru[c] * wy * wx;
          /* round half away from zero; C division truncates toward zero */
          const int64_t round = sum > 0 ? ((int64_t)1 << 19) : -((int64_t)1 << 19);
          *output++ = (int8_t)((sum + round) / ((int64_t)1 << 20));
        }
      }
    }
  }
  return TD_OK;
}
