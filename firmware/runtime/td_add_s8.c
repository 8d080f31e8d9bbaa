/*
 * td_add_s8.c - ADD, int8, with broadcasting.
 *
 * Each input (plus its offset) is shifted left by left_shift (20) bits of
 * headroom, scaled to twice the larger input scale with a multiplier < 1, the
 * two are summed, and the sum is requantized to the output scale.
 */
#include "td_broadcast.h"
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int8_t td_add_one(const td_add_params *p, int32_t x, int32_t y) {
  const int32_t a = td_shl_wrap(x + p->input1_offset, (int)p->left_shift);
  const int32_t b = td_shl_wrap(y + p->input2_offset, (int)p->left_shift);
  const int32_t sa = td_rdivpot(td_srdhm(a, p->input1_multiplier), (int)-p->input1_shift);
  const int32_t sb = td_rdivpot(td_srdhm(b, p->input2_multiplier), (int)-p->input2_shift);
  const int32_t raw = td_rdivpot(td_srdhm(sa + sb, p->output_multiplier), (int)-p->output_shift);
  return (int8_t)td_clamp32(raw + p->output_offset, p->act_min, p->act_max);
}

/* Same-shape inputs with 20 bits of headroom: the values (x + offset) << 20 are
 * below 2^28, so SaturatingRoundingDoublingHighMul(a, m) is exactly
 * (2a * m + 2^31) >> 32 (SMMULR on the DSP cores, td_dsp.h), and
 * RoundingDivideByPOT(v, e) is (v + h + (v < 0 ? s : 0)) >> e with h = 2^(e-1),
 * s = -1 (h = s = 0 when e == 0). The sum of the two rescaled inputs stays below
 * 2^29, so the output multiply takes the same shortcut. */
typedef struct {
  int32_t m, e, h, s;
} td_add_rdiv;

static td_add_rdiv td_add_rdiv_of(int32_t m, int32_t shift) {
  td_add_rdiv r;
  r.m = m;
  r.e = -shift;
  r.h = r.e > 0 ? (int32_t)1 << (r.e - 1) : 0;
  r.s = r.e > 0 ? -1 : 0;
  return r;
}

TD_INLINE int32_t td_add_scale(int32_t v2, td_add_rdiv r) {
  const int32_t x = td_smmulr(v2, r.m);
  return (x + r.h + ((x >> 31) & r.s)) >> r.e;
}

static void td_add_same_shape(const td_add_params *p, const int8_t *input1, const int8_t *input2,
                              int8_t *output) {
  const td_add_rdiv r1 = td_add_rdiv_of(p->input1_multiplier, p->input1_shift);
  const td_add_rdiv r2 = td_add_rdiv_of(p->input2_multiplier, p->input2_shift);
  const td_add_rdiv ro = td_add_rdiv_of(p->output_multiplier, p->output_shift);
  const int32_t off1 = p->input1_offset * (1 << 21), off2 = p->input2_offset * (1 << 21);
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
  int32_t i;
  for (i = 0; i < p->bc.size; ++i) {
    const int32_t a = td_add_scale(input1[i] * (1 << 21) + off1, r1);
    const int32_t b = td_add_scale(input2[i] * (1 << 21) + off2, r2);
    const int32_t y = td_add_scale((a + b) * 2, ro) + zp;
    output[i] = (int8_t)(y < lo ? lo : (y > hi ? hi : y));
  }
}

td_status td_add_s8(const td_add_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output) {
  int32_t i;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->input1_shift > 0 ||
      p->input2_shift > 0 || p->output_shift > 0 || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  if (p->bc.dims == 0 && p->left_shift == 20) {
    td_add_same_shape(p, input1, input2, output);
  } else if (p->bc.dims == 0) {
    for (i = 0; i < p->bc.size; ++i) {
      output[i] = td_add_one(p, input1[i], input2[i]);
    }
  } else {
    int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t o1 = 0;
    int32_t o2 = 0;
    for (i = 0; i < p->bc.size; ++i) {
      output[i] = td_add_one(p, input1[o1], input2[o2]);
      td_bc_next(&p->bc, idx, &o1, &o2);
    }
  }
  return TD_OK;
}
