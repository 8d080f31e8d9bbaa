/*
 * td_abs_s8.c - ABS, int8.
 *
 * TFLite Micro: |input - input zero point| requantized to the output scale plus
 * the output zero point, saturated to int8. With equal scales TFLite Micro skips
 * the multiply; the compiler then passes the identity multiplier (2^30, shift 1),
 * which gives the same value exactly.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_abs_s8(const td_requantize_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->shift > 30) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t x = input[i] - p->input_zero_point;
    const int32_t v = td_mbqm(x < 0 ? -x : x, p->multiplier, p->shift) + p->output_zero_point;
    output[i] = (int8_t)td_clamp32(v, -128, 127);
  }
  return TD_OK;
}
