/*
 * td_add_s16.c - ADD of 16x8 models: two int16 inputs of the output's shape (no
 * broadcasting), TFLite's general int16 path (AddGeneralParamScale): each input plus
 * its offset shifted left by left_shift (15) bits, scaled to twice the larger input
 * scale, summed, and the sum requantized to the output scale, as td_add_s8 does.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_add_s16(const td_add_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output) {
  int32_t i;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims != 0 ||
      p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    const int32_t a = td_shl_wrap(input1[i] + p->input1_offset, (int)p->left_shift);
    const int32_t b = td_shl_wrap(input2[i] + p->input2_offset, (int)p->left_shift);
    const int32_t sa = td_rdivpot(td_srdhm(a, p->input1_multiplier), (int)-p->input1_shift);
    const int32_t sb = td_rdivpot(td_srdhm(b, p->input2_multiplier), (int)-p->input2_shift);
    const int32_t raw = td_rdivpot(td_srdhm(sa + sb, p->output_multiplier), (int)-p->output_shift);
    output[i] = (int16_t)td_clamp32(raw + p->output_offset, p->act_min, p->act_max);
  }
  return TD_OK;
}
