/*
 * td_relu_s8.c - RELU / RELU6, int8.
 *
 * TFLite Micro's ReluQuantized: the input (minus its zero point) is requantized
 * to the output scale, the output zero point added, and the result clamped to
 * [act_min, act_max] (zero and, for RELU6, six on the output scale). RELU6's int8
 * kernel only clamps the raw input: the compiler passes the identity multiplier
 * (2^30, shift 1, which MultiplyByQuantizedMultiplier returns exactly) for it.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_relu_s8(const td_relu_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->shift > 30) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    /* |input - zero point| <= 255: no overflow before the 64-bit product */
    const int32_t v =
        td_mbqm(input[i] - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
    output[i] = (int8_t)td_clamp32(v, p->act_min, p->act_max);
  }
  return TD_OK;
}
