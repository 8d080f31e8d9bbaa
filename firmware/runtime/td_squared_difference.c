/*
 * td_squared_difference.c - SQUARED_DIFFERENCE of int8 or int16 (p->itemsize), with
 * broadcasting.
 *
 * TFLite Micro's quantized kernel: each input (plus its offset) shifted left by
 * left_shift bits (7 for int8, 0 for int16), scaled to twice the larger input scale with
 * a multiplier < 1, the difference squared and requantized to the output scale,
 * saturated to the type. |difference| <= 255 * 2^7 < 2^15 (int8) or <= 2 * 2^15 / 2
 * (int16: each scaled value is at most half the input), so the square stays at or
 * below 2^30: no overflow.
 */
#include "td_broadcast.h"
#include "td_elem.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int32_t td_sqdiff_one(const td_squared_diff_params *p, int32_t x, int32_t y) {
  const int32_t a = td_shl_wrap(x + p->input1_offset, (int)p->left_shift);
  const int32_t b = td_shl_wrap(y + p->input2_offset, (int)p->left_shift);
  const int32_t sa = td_rdivpot(td_srdhm(a, p->input1_multiplier), (int)-p->input1_shift);
  const int32_t sb = td_rdivpot(td_srdhm(b, p->input2_multiplier), (int)-p->input2_shift);
  const int32_t d = sa - sb;
  const int32_t raw = td_mbqm(d * d, p->output_multiplier, p->output_shift);
  return raw + p->output_offset;
}

td_status td_squared_difference(const td_squared_diff_params *p, const void *input1,
                                const void *input2, void *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->input1_shift > 0 ||
      p->input2_shift > 0 || p->output_shift > 30 || p->left_shift < 0 || p->left_shift > 7 ||
      p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS || (p->itemsize != 1 && p->itemsize != 2)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    td_elem_store_sat(output, p->itemsize, i,
                      td_sqdiff_one(p, td_elem_load(input1, p->itemsize, o1),
                                    td_elem_load(input2, p->itemsize, o2)));
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
