/*
 * td_requantize_s8.c - QUANTIZE int8 -> int8 (change of scale / zero point).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_requantize_s8(const td_requantize_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    const int32_t q = td_mbqm(x, p->multiplier, p->shift) + p->output_zero_point;
    output[i] = (int8_t)td_clamp32(q, -128, 127);
  }
  return TD_OK;
}
