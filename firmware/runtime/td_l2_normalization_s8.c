/*
 * td_l2_normalization_s8.c - L2_NORMALIZATION over the last dimension, int8.
 *
 * TFLite's reference: per row the sum of squares of (input - zero point) in int32,
 * its inverse square root as a multiplier and shift (td_inv_sqrt.h), each element
 * times it with 7 more bits (the output scale is 1/128), saturated to int8.
 */
#include "td_inv_sqrt.h"
#include "td_kernels.h"

td_status td_l2_normalization_s8(const td_l2norm_params *p, const int8_t *input, int8_t *output) {
  int32_t o;
  int32_t k;
  if (p == NULL || input == NULL || output == NULL || p->depth < 1) {
    return TD_ERR_ARG;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *row = input + (size_t)o * (size_t)p->depth;
    int32_t acc = 0; /* (2^8 - 1)^2 per element: safe for 2^15 elements */
    int32_t m;
    int32_t s;
    for (k = 0; k < p->depth; ++k) {
      const int32_t v = row[k] - p->input_zero_point;
      acc += v * v;
    }
    td_inv_sqrt(acc, &m, &s);
    for (k = 0; k < p->depth; ++k) {
      const int32_t v = td_mbqm(row[k] - p->input_zero_point, m, s + 7);
      *output++ = (int8_t)td_clamp32(v, -128, 127);
    }
  }
  return TD_OK;
}
