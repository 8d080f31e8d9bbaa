/*
 * td_add_s8_dsp.c - ADD of two same-shape int8 tensors with the inputs' rescaling
 * precomputed in lookup tables (see td_add_dsp_params in td_kernels.h).
 *
 * Each input's part of TFLite's ADD depends on its own int8 value only, so the
 * compiler stores it for all 256 values; per element this leaves two table loads,
 * one add and the output requantization. SMMULR of the doubled sum is exactly
 * SaturatingRoundingDoublingHighMul, and the sign of the sum stands in for the sign
 * of the product in RoundingDivideByPOT (the multiplier is positive; a product that
 * rounds to zero gives the same result either way when e > 0).
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_kernels.h"

TD_INLINE int32_t td_add_lut_one(const int32_t *t1, const int32_t *t2, int32_t x1, int32_t x2,
                                 int32_t m, int32_t e, int32_t h, int32_t neg) {
  const int32_t s = t1[x1] + t2[x2];
  return td_ssat8((td_smmlar(s, m, h) + ((s >> 31) & neg)) >> e);
}

td_status td_add_s8_dsp(const td_add_dsp_params *p, const int8_t *input1, const int8_t *input2,
                        int8_t *output) {
  const int32_t *t1, *t2;
  int32_t m, e, h, neg, lo, hi, n, i;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims != 0 ||
      p->table1 == NULL || p->table2 == NULL || p->e < 0 || p->e > 31) {
    return TD_ERR_ARG;
  }
  t1 = p->table1 + 128; /* indexed by the signed int8 value */
  t2 = p->table2 + 128;
  m = p->output_multiplier;
  e = p->e;
  h = p->h;
  neg = p->neg;
  lo = p->act_min;
  hi = p->act_max;
  n = p->bc.size;
  if (lo <= -128 && hi >= 127) {
    for (i = 0; i < n; ++i) {
      output[i] = (int8_t)td_add_lut_one(t1, t2, input1[i], input2[i], m, e, h, neg);
    }
  } else {
    for (i = 0; i < n; ++i) {
      output[i] =
          (int8_t)td_dsp_clamp(td_add_lut_one(t1, t2, input1[i], input2[i], m, e, h, neg), lo, hi);
    }
  }
  return TD_OK;
}
