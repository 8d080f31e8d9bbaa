/*
 * td_squared_difference_s8.c - SQUARED_DIFFERENCE, int8, with broadcasting.
 *
 * TFLite Micro's int8 kernel: each input (plus its offset) shifted left by 7
 * bits, scaled to twice the larger input scale with a multiplier < 1, the
 * difference squared and requantized to the output scale. |difference| <= 255 *
 * 2^7 < 2^15, so the square stays below 2^30: no overflow.
 */
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int8_t td_sqdiff_one(const td_squared_diff_params *p, int32_t x, int32_t y) {
  const int32_t a = td_shl_wrap(x + p->input1_offset, (int)p->left_shift);
  const int32_t b = td_shl_wrap(y + p->input2_offset, (int)p->left_shift);
  const int32_t sa = td_rdivpot(td_srdhm(a, p->input1_multiplier), (int)-p->input1_shift);
  const int32_t sb = td_rdivpot(td_srdhm(b, p->input2_multiplier), (int)-p->input2_shift);
  const int32_t d = sa - sb;
  const int32_t raw = td_mbqm(d * d, p->output_multiplier, p->output_shift);
  return (int8_t)td_clamp32(raw + p->output_offset, -128, 127);
}

td_status td_squared_difference_s8(const td_squared_diff_params *p, const int8_t *input1,
                                   const int8_t *input2, int8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->input1_shift > 0 ||
      p->input2_shift > 0 || p->output_shift > 30 || p->left_shift < 0 || p->left_shift > 7 ||
      p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    output[i] = td_sqdiff_one(p, input1[o1], input2[o2]);
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
