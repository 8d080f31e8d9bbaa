/*
 * td_prelu_s8.c - PRELU, int8: x >= 0 ? x : alpha * x, alpha a constant tensor
 * broadcast over x.
 *
 * TFLite's reference Prelu: v = x + input_offset; v >= 0 is requantized with
 * input_scale / output_scale, v < 0 as the product v * (alpha + alpha_offset)
 * (|product| <= 255 * 255) with input_scale * alpha_scale / output_scale.
 */
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_prelu_s8(const td_prelu_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input == NULL || output == NULL || p->alpha == NULL || p->shift_1 > 30 ||
      p->shift_2 > 30 || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int32_t v;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    v = input[o1] + p->input_offset;
    if (v >= 0) {
      v = td_mbqm(v, p->multiplier_1, p->shift_1);
    } else {
      v = td_mbqm(v * (p->alpha[o2] + p->alpha_offset), p->multiplier_2, p->shift_2);
    }
    output[i] = (int8_t)td_clamp32(v + p->output_offset, -128, 127);
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
