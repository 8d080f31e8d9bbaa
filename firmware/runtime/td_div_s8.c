/*
 * td_div_s8.c - DIV, int8, with broadcasting.
 *
 * TFLite's DivElementwise: with a = x1 + offset1 and b = x2 + offset2 (signs
 * flipped together so that b > 0), 1 / b as a Q0.31 reciprocal of b normalised into
 * [1, 2) (gemmlowp's one_over_one_plus_x), a shifted left by its redundant sign bits
 * and multiplied by it, then requantized with input1_scale / (input2_scale *
 * output_scale) and the accumulated shifts. A zero divisor (x2 at its zero point) is
 * an error: TFLite leaves it undefined.
 */
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* Redundant sign bits of x (GCC's __builtin_clrsb; 31 for 0). */
static int td_clrsb32(int32_t x) { return td_clz32((uint32_t)(x < 0 ? ~x : x)) - 1; }

static int td_div_one(const td_div_params *p, int32_t x, int32_t y, int8_t *out) {
  int32_t a = x + p->input1_offset;
  int32_t b = y + p->input2_offset;
  int32_t recip_shift;
  int32_t recip;
  int32_t headroom;
  int32_t q;
  int32_t total;
  int32_t v;
  int lz;
  if (b == 0) {
    return 0;
  }
  if (b < 0) {
    a = -a;
    b = -b;
  }
  /* GetReciprocal(b, 31): b = 2^(31 - lz) * (1 + f), f in [0, 1) */
  lz = td_clz32((uint32_t)b);
  recip_shift = 31 - lz;
  recip = td_one_over_one_plus_x((int32_t)(((uint32_t)b << lz) - ((uint32_t)1 << 31)));
  headroom = td_clrsb32(a);
  q = td_srdhm(td_shl_wrap(a, headroom), recip);
  total = p->output_shift - recip_shift - headroom;
  if (total > 0) {
    return 0;
  }
  v = td_rdivpot(td_srdhm(q, p->output_multiplier), (int)-total) + p->output_offset;
  *out = (int8_t)td_clamp32(v, p->act_min, p->act_max);
  return 1;
}

td_status td_div_s8(const td_div_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    if (!td_div_one(p, input1[o1], input2[o2], &output[i])) {
      return TD_ERR_ARG;
    }
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
