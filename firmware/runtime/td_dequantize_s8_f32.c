/*
 * td_dequantize_s8_f32.c - DEQUANTIZE int8 -> float32 (model output edge).
 *
 * x = scale * (q - zero_point). The product of a float scale and an integer
 * below 2^9 is exact in double, so float arithmetic rounds it the same way
 * TFLite's double computation does.
 */
#include "td_kernels.h"

td_status td_dequantize_s8_f32(const td_affine_params *p, const int8_t *input, float *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    output[i] = p->scale * (float)((int32_t)input[i] - p->zero_point);
  }
  return TD_OK;
}
