/*
 * td_tanh_s8.c - TANH, int8 in, int8 out (scale 1/128, zero point 0).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_tanh_s8(const td_unary_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = -128;
    } else if (x >= p->input_range_radius) {
      output[i] = 127;
    } else {
      const int32_t in_q4 = td_mbqm(x, p->input_multiplier, p->input_left_shift);
      const int32_t out_q0 = td_tanh_q4(in_q4);
      output[i] = (int8_t)td_clamp32(td_rdivpot(out_q0, 31 - 7), -128, 127);
    }
  }
  return TD_OK;
}
