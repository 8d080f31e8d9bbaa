/*
 * td_tanh_s16.c - TANH of 16x8 models (TFLite's reference_integer_ops::Tanh for int16):
 * tanh(x) = 2 sigmoid(2x) - 1, the input rescaled as LOGISTIC's (input_multiplier and
 * input_left_shift, or 3 << input_left_shift for a power-of-two input scale, when
 * input_multiplier is 0), then the sigmoid table interpolated over 8 fraction bits of
 * |x|; the output has scale 1/32768 and zero point 0.
 */
#include "td_kernels.h"
#include "td_sigmoid_s16.h"

td_status td_tanh_s16(const td_sigmoid_s16_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  int32_t multiplier;
  int32_t shift;
  int32_t round;
  if (p == NULL || input == NULL || output == NULL || p->input_left_shift < 0 ||
      p->input_left_shift > 31) {
    return TD_ERR_ARG;
  }
  multiplier = p->input_multiplier;
  shift = p->input_left_shift;
  if (multiplier == 0) { /* power of two case */
    multiplier = 3 << shift;
    shift = 0;
  }
  round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  for (i = 0; i < p->size; ++i) {
    output[i] = td_tanh_q15((input[i] * multiplier + round) >> shift);
  }
  return TD_OK;
}
