/*
 * td_mul_s16.c - MUL of 16x8 models, int16, with broadcasting: TFLite's MulElementwise /
 * BroadcastMul6DSlow for int16 (zero points 0): the 32-bit product of the two inputs,
 * at most 2^30 in magnitude, requantized with the 32-bit MultiplyByQuantizedMultiplier.
 */
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int16_t td_mul_one_s16(const td_mul_params *p, int32_t x, int32_t y) {
  const int32_t prod = (x + p->input1_offset) * (y + p->input2_offset);
  const int32_t raw = td_mbqm(prod, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int16_t)td_clamp32(raw, p->act_min, p->act_max);
}

td_status td_mul_s16(const td_mul_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output) {
  int32_t i;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  if (p->bc.dims == 0) {
    for (i = 0; i < p->bc.size; ++i) {
      output[i] = td_mul_one_s16(p, input1[i], input2[i]);
    }
  } else {
    int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t o1 = 0;
    int32_t o2 = 0;
    for (i = 0; i < p->bc.size; ++i) {
      output[i] = td_mul_one_s16(p, input1[o1], input2[o2]);
      td_bc_next(&p->bc, idx, &o1, &o2);
    }
  }
  return TD_OK;
}
