/*
 * td_compare_s8.c - EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL of int8
 * tensors, with broadcasting; bool output (one byte, 0 or 1).
 *
 * TFLite's ComparisonWithScaling: each input (plus its offset, so |x| <= 255) shifted
 * left by left_shift (8) bits, then scaled by its own scale (a multiplier < 1 and a
 * right shift, rounding half away from zero), and the two scaled values compared as
 * int32. (x + offset) * 2^8 < 2^16: no overflow. The scaling can map distinct raw
 * values to one scaled value (scales below 1/256), so EQUAL on the raw values would
 * differ from TFLite: the rescaling is kept even when the scales agree.
 */
#include "td_broadcast.h"
#include "td_compare.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int32_t td_compare_scale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier,
                                int32_t shift) {
  const int32_t shifted = td_shl_wrap(x + offset, (int)left_shift);
  return td_rdivpot(td_srdhm(shifted, multiplier), (int)-shift);
}

td_status td_compare_s8(const td_compare_params *p, const int8_t *input1, const int8_t *input2,
                        uint8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->cmp < 0 ||
      p->cmp > TD_CMP_GREATER_EQUAL || p->input1_shift > 0 || p->input2_shift > 0 ||
      p->left_shift < 0 || p->left_shift > 8 || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int32_t a;
    int32_t b;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    a = td_compare_scale(input1[o1], p->input1_offset, p->left_shift, p->input1_multiplier,
                         p->input1_shift);
    b = td_compare_scale(input2[o2], p->input2_offset, p->left_shift, p->input2_multiplier,
                         p->input2_shift);
    output[i] = td_cmp_holds(p->cmp, a, b);
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
