/*
 * td_prelu.c - PRELU of int8 or int16 x (p->itemsize; the output has its type):
 * x >= 0 ? x : alpha * x, alpha a constant int8 tensor broadcast over x.
 *
 * TFLite's reference Prelu: v = x + input_offset; v >= 0 is requantized with
 * input_scale / output_scale, v < 0 as the product v * (alpha + alpha_offset)
 * (|product| <= 65535 * 255 < 2^31) with input_scale * alpha_scale / output_scale,
 * saturated to the type.
 */
#include "td_broadcast.h"
#include "td_elem.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_prelu(const td_prelu_params *p, const void *input, void *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input == NULL || output == NULL || p->alpha == NULL || p->shift_1 > 30 ||
      p->shift_2 > 30 || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS ||
      (p->itemsize != 1 && p->itemsize != 2)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int32_t v;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    v = td_elem_load(input, p->itemsize, o1) + p->input_offset;
    if (v >= 0) {
      v = td_mbqm(v, p->multiplier_1, p->shift_1);
    } else {
      v = td_mbqm(v * (p->alpha[o2] + p->alpha_offset), p->multiplier_2, p->shift_2);
    }
    td_elem_store_sat(output, p->itemsize, i, v + p->output_offset);
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
