/*
 * td_add_n_s8.c - ADD_N, int8: the sum of num_inputs same-shape tensors that share
 * one scale and zero point.
 *
 * TFLite's reference AddN: each input (plus the offset) shifted left by 20 bits of
 * headroom and scaled by 1/2 (twice the input scale is the common scale), summed,
 * requantized to the output. The sum starts from the scaled offset alone (TFLite
 * seeds it with the input value 0), which this kernel does too.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int32_t td_add_n_scale(const td_add_n_params *p, int32_t x) {
  const int32_t shifted = td_shl_wrap(x + p->input_offset, (int)p->left_shift);
  return td_rdivpot(td_srdhm(shifted, p->input_multiplier), (int)-p->input_shift);
}

td_status td_add_n_s8(const td_add_n_params *p, const int8_t *const *inputs, int8_t *output) {
  int32_t i;
  int32_t k;
  if (p == NULL || inputs == NULL || output == NULL || p->input_shift > 0 || p->output_shift > 0) {
    return TD_ERR_ARG;
  }
  for (k = 0; k < p->num_inputs; ++k) {
    if (inputs[k] == NULL) {
      return TD_ERR_ARG;
    }
  }
  for (i = 0; i < p->size; ++i) {
    int32_t sum = td_add_n_scale(p, 0);
    int32_t v;
    for (k = 0; k < p->num_inputs; ++k) {
      sum += td_add_n_scale(p, inputs[k][i]);
    }
    v = td_rdivpot(td_srdhm(sum, p->output_multiplier), (int)-p->output_shift) + p->output_offset;
    output[i] = (int8_t)td_clamp32(v, -128, 127);
  }
  return TD_OK;
}
