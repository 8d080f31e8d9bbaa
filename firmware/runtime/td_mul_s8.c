/*
 * td_mul_s8.c - MUL, int8, with broadcasting.
 */
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int8_t td_mul_one(const td_mul_params *p, int32_t x, int32_t y) {
  const int32_t prod = (x + p->input1_offset) * (y + p->input2_offset);
  const int32_t raw = td_mbqm(prod, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int8_t)td_clamp32(raw, p->act_min, p->act_max);
}

td_status td_mul_s8(const td_mul_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output) {
  int32_t i;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  if (p->bc.dims == 0) {
    for (i = 0; i < p->bc.size; ++i) {
      output[i] = td_mul_one(p, input1[i], input2[i]);
    }
  } else {
    int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t o1 = 0;
    int32_t o2 = 0;
    for (i = 0; i < p->bc.size; ++i) {
      output[i] = td_mul_one(p, input1[o1], input2[o2]);
      td_bc_next(&p->bc, idx, &o1, &o2);
    }
  }
  return TD_OK;
}
