/*
 * td_mean_s16.c - MEAN of 16x8 models over any set of axes of a 4-D int16 tensor
 * (TFLite's QuantizedMeanOrSum<int16_t>, td_mean_s8's arithmetic).
 *
 * Sums in int32, subtracts count * input zero point, and requantizes with a
 * multiplier that the compiler already divided by the count (TFLite's
 * QuantizedMeanOrSum), then clamps to int16. Output-major: no scratch buffer.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_mean_s16(const td_mean_params *p, const int16_t *input, int16_t *output) {
  int32_t stride[4];
  int32_t keep[4];
  int32_t red[4];
  int32_t i0;
  int32_t k;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  stride[3] = 1;
  for (k = 2; k >= 0; --k) {
    stride[k] = stride[k + 1] * p->in_shape[k + 1];
  }
  for (k = 0; k < 4; ++k) {
    keep[k] = p->reduced[k] ? 1 : p->in_shape[k];
    red[k] = p->reduced[k] ? p->in_shape[k] : 1;
  }
  for (i0 = 0; i0 < keep[0]; ++i0) {
    int32_t i1;
    for (i1 = 0; i1 < keep[1]; ++i1) {
      int32_t i2;
      for (i2 = 0; i2 < keep[2]; ++i2) {
        int32_t i3;
        for (i3 = 0; i3 < keep[3]; ++i3) {
          const int16_t *base =
              input + i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3 * stride[3];
          int32_t sum = 0;
          int32_t r0;
          int32_t out;
          for (r0 = 0; r0 < red[0]; ++r0) {
            int32_t r1;
            for (r1 = 0; r1 < red[1]; ++r1) {
              int32_t r2;
              for (r2 = 0; r2 < red[2]; ++r2) {
                int32_t r3;
                for (r3 = 0; r3 < red[3]; ++r3) {
                  sum += base[r0 * stride[0] + r1 * stride[1] + r2 * stride[2] + r3];
                }
              }
            }
          }
          sum -= p->input_zero_point * p->count;
          out = td_mbqm(sum, p->multiplier, p->shift) + p->output_zero_point;
          *output++ = (int16_t)td_clamp32(out, -32768, 32767);
        }
      }
    }
  }
  return TD_OK;
}
