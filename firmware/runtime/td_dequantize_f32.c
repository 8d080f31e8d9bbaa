/*
 * td_dequantize_f32.c - DEQUANTIZE int8 or int16 (p->itemsize) -> float32 (a model output
 * edge).
 *
 * x = scale * (q - zero_point). The product of a float scale (24 bits) and an integer
 * below 2^17 is exact in double, so float arithmetic rounds it the same way TFLite's
 * double computation does.
 */
#include "td_elem.h"
#include "td_kernels.h"

td_status td_dequantize_f32(const td_affine_params *p, const void *input, float *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || (p->itemsize != 1 && p->itemsize != 2)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    output[i] = p->scale * (float)(td_elem_load(input, p->itemsize, i) - p->zero_point);
  }
  return TD_OK;
}
