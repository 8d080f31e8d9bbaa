/*
 * td_inv_sqrt.h - internal: 1 / sqrt(x) of a positive int32 as a multiplier and a
 * shift, TFLite's GetInvSqrtQuantizedMultiplierExp step for step (RSQRT,
 * L2_NORMALIZATION): x normalised into [2^27, 2^29) by pairs of bits, five
 * Newton-Raphson iterations in gemmlowp's Q3.28 fixed point starting from 1,
 * times sqrt(2) / 2. The shift is returned as a left shift (<= 0), as TFLite's
 * kReverseShift gives it.
 */
#ifndef TD_INV_SQRT_H
#define TD_INV_SQRT_H

#include "td_fixedpoint.h"

static inline void td_inv_sqrt(int32_t input, int32_t *multiplier, int32_t *shift) {
  const int32_t half_three = (1 << 28) + (1 << 27); /* 1.5 in Q3.28 */
  int32_t s = 11;
  int32_t pairs;
  int32_t half_input;
  int32_t x;
  int i;
  if (input <= 1) { /* 0 (invalid) and 1 as 1: avoids the overflow of the general case */
    *multiplier = INT32_MAX;
    *shift = 0;
    return;
  }
  while (input >= (1 << 29)) {
    input /= 4;
    ++s;
  }
  pairs = (td_clz32((uint32_t)input) - 1) / 2 - 1;
  s -= pairs;
  input <<= 2 * pairs;
  half_input = td_rdivpot(input >> 1, 1); /* Q3.28 input / 2, rounded */
  x = 1 << 28;                            /* 1.0 in Q3.28 */
  for (i = 0; i < 5; ++i) {
    /* x^3: Q6 then Q9 products, rescaled to Q3 with a saturating shift by 6 */
    const int32_t x3 = td_sat_shl(td_srdhm(td_srdhm(x, x), x), 6);
    /* 1.5 x - input / 2 * x^3, both Q6, rescaled to Q3 */
    x = td_sat_shl(td_srdhm(half_three, x) - td_srdhm(half_input, x3), 3);
  }
  x = td_srdhm(x, 1518500250); /* times sqrt(2) / 2 in Q0.31 */
  if (s < 0) {
    x = td_shl_wrap(x, (int)-s);
    s = 0;
  }
  *multiplier = x;
  *shift = -s;
}

#endif /* TD_INV_SQRT_H */
