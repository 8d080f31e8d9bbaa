/*
 * td_requantize_s16.c - QUANTIZE int16 -> int16 of 16x8 models (change of scale / zero
 * point): TFLite's Requantize<int16_t, int16_t>.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_requantize_s16(const td_requantize_params *p, const int16_t *input, int16_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    const int32_t q = td_mbqm(x, p->multiplier, p->shift) + p->output_zero_point;
    output[i] = (int16_t)td_clamp32(q, -32768, 32767);
  }
  return TD_OK;
}
