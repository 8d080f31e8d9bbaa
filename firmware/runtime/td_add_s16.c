/*
 * td_add_s16.c - ADD of 16x8 models, int16, with broadcasting: TFLite's general int16
 * path (AddGeneralParamScale, BroadcastAdd6DSlow): each input plus its offset shifted
 * left by left_shift (15) bits, scaled to twice the larger input scale, summed, and the
 * sum requantized to the output scale, as td_add_s8 does. (x + offset) < 2^16, so the
 * shifted values stay below 2^31 and, scaled by multipliers < 1/2, their sum too.
 */
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int16_t td_add_one_s16(const td_add_params *p, int32_t x, int32_t y) {
  const int32_t a = td_shl_wrap(x + p->input1_offset, (int)p->left_shift);
  const int32_t b = td_shl_wrap(y + p->input2_offset, (int)p->left_shift);
  const int32_t sa = td_rdivpot(td_srdhm(a, p->input1_multiplier), (int)-p->input1_shift);
  const int32_t sb = td_rdivpot(td_srdhm(b, p->input2_multiplier), (int)-p->input2_shift);
  const int32_t raw = td_rdivpot(td_srdhm(sa + sb, p->output_multiplier), (int)-p->output_shift);
  return (int16_t)td_clamp32(raw + p->output_offset, p->act_min, p->act_max);
}

td_status td_add_s16(const td_add_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->input1_shift > 0 ||
      p->input2_shift > 0 || p->output_shift > 0 || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    output[i] = td_add_one_s16(p, input1[o1], input2[o2]);
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
