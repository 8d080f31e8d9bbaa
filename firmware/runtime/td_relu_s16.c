/*
 * td_relu_s16.c - RELU / RELU6 of 16x8 models, int16: td_relu_s8's arithmetic.
 *
 * TFLite Micro's ReluQuantized<int16_t>: the input (minus its zero point) is requantized
 * to the output scale, the output zero point added, and the result clamped to
 * [act_min, act_max] (zero and, for RELU6, six on the output scale). RELU6's int16
 * kernel only clamps the raw input: the compiler passes the identity multiplier
 * (2^30, shift 1, which MultiplyByQuantizedMultiplier returns exactly) for it.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_relu_s16(const td_relu_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->shift > 30) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    /* |input - zero point| < 2^16: no overflow before the 64-bit product */
    const int32_t v =
        td_mbqm(input[i] - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
    output[i] = (int16_t)td_clamp32(v, p->act_min, p->act_max);
  }
  return TD_OK;
}
