/*
 * td_fixedpoint.h - internal fixed-point helpers of the int8 kernels.
 *
 * Not a public header: only the td_*.c kernel files include it. The functions
 * reproduce TFLite's (gemmlowp's) integer arithmetic exactly, including its
 * double rounding: a product is first rounded to the high 32 bits
 * (SaturatingRoundingDoublingHighMul), then divided by a power of two with
 * round-half-away-from-zero (RoundingDivideByPOT). TFLITE_SINGLE_ROUNDING is
 * off in TFLite Micro's default build, so this is the variant it uses.
 *
 * Right shifts of negative values rely on arithmetic shifting, which every
 * compiler we target (GCC, Clang, arm-none-eabi-gcc) implements.
 */
#ifndef TD_FIXEDPOINT_H
#define TD_FIXEDPOINT_H

#include <stdint.h>

static inline int32_t td_min32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t td_max32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t td_clamp32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* x * 2^n with two's complement wrap-around, like TFLite's `x * (1 << n)`
 * (which is only ever reached with values that fit). Avoids signed overflow. */
static inline int32_t td_shl_wrap(int32_t x, int n) { return (int32_t)((uint32_t)x << n); }

/* round(a * b / 2^31), saturating the single overflow case a == b == INT32_MIN. */
static inline int32_t td_srdhm(int32_t a, int32_t b) {
  int64_t ab;
  int64_t nudge;
  if (a == b && a == INT32_MIN) {
    return INT32_MAX;
  }
  ab = (int64_t)a * (int64_t)b;
  nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  /* C division truncates toward zero, as the reference does. */
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded to nearest, ties away from zero; 0 <= exponent <= 31. */
static inline int32_t td_rdivpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^shift (multiplier in Q0.31), TFLite's
 * MultiplyByQuantizedMultiplier. */
static inline int32_t td_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  const int left = shift > 0 ? (int)shift : 0;
  const int right = shift > 0 ? 0 : (int)-shift;
  return td_rdivpot(td_srdhm(td_shl_wrap(x, left), multiplier), right);
}

/* TFLite's MultiplyByQuantizedMultiplier(int64_t x, ...) of the int16 (16x8) kernels: the
 * multiplier is first rounded to 16 bits (Q0.15, at most 0x7FFF), then the 64-bit product
 * is shifted right once with rounding (half up). x in [-2^47, 2^47), shift in [-31, 7];
 * the result fits int32 for every scale TFLite's Prepare accepts. */
static inline int32_t td_mbqm64(int64_t x, int32_t multiplier, int32_t shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - (int)shift;
  const int64_t r = x * (int64_t)reduced + ((int64_t)1 << (total - 1));
  return (int32_t)(r >> total);
}

/* Saturating x * 2^exponent for exponent > 0 (gemmlowp's
 * SaturatingRoundingMultiplyByPOT with a positive exponent). */
static inline int32_t td_sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) {
    return INT32_MAX;
  }
  if (x < -threshold) {
    return INT32_MIN;
  }
  return td_shl_wrap(x, exponent);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor series around -1/8). */
static inline int32_t td_exp_quarter(int32_t a) {
  const int32_t constant_term = 1895147668;     /* exp(-1/8) */
  const int32_t constant_1_over_3 = 715827883;  /* 1/3 */
  const int32_t x = a + (1 << 28);              /* a + 1/8 */
  const int32_t x2 = td_srdhm(x, x);
  const int32_t x3 = td_srdhm(x2, x);
  const int32_t x4 = td_srdhm(x2, x2);
  const int32_t x4_over_4 = td_rdivpot(x4, 2);
  const int32_t poly = td_rdivpot(td_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + td_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 given with `integer_bits` integer bits (Q<ib>.<31-ib>);
 * result in Q0.31. gemmlowp's exp_on_negative_values. */
static inline int32_t td_exp_on_negative(int32_t a, int integer_bits) {
  static const int32_t kBarrel[7] = {
      1672461947, /* exp(-1/4) */
      1302514674, /* exp(-1/2) */
      790015084,  /* exp(-1) */
      290630308,  /* exp(-2) */
      39332535,   /* exp(-4) */
      720401,     /* exp(-8) */
      242         /* exp(-16) */
  };
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_quarter = (a & mask) - one_quarter;
  const int32_t rescaled = integer_bits > 0 ? td_sat_shl(a_mod_quarter_minus_quarter, integer_bits)
                                            : a_mod_quarter_minus_quarter;
  int32_t result = td_exp_quarter(rescaled);
  const int32_t remainder = a_mod_quarter_minus_quarter - a;
  int k;
  for (k = 0; k < 7; ++k) {
    const int exponent = k - 2; /* -2 .. +4 */
    if (integer_bits > exponent) {
      const int shift_amount = fractional_bits + exponent;
      if (remainder & ((int32_t)1 << shift_amount)) {
        result = td_srdhm(result, kBarrel[k]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
    if (a < clamp) {
      result = 0;
    }
  }
  if (a == 0) {
    result = INT32_MAX; /* One() in Q0.31 */
  }
  return result;
}

/* (a + b) / 2 rounded to nearest, ties away from zero. */
static inline int32_t td_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

/* Newton-Raphson 1 / (2 * half_denominator) in Q2.29, three iterations. */
static inline int32_t td_newton_reciprocal_q2(int32_t half_denominator) {
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = constant_48_over_17 + td_srdhm(half_denominator, constant_neg_32_over_17);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = td_srdhm(half_denominator, x);
    const int32_t one_minus = one_q2 - half_denominator_times_x;
    x = x + td_sat_shl(td_srdhm(x, one_minus), 2);
  }
  return x;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
static inline int32_t td_one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = td_rounding_half_sum(a, INT32_MAX);
  const int32_t x = td_newton_reciprocal_q2(half_denominator);
  return td_sat_shl(x, 1); /* Q2 -> Q1 exactly, then Q1 -> Q0 saturating */
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out. */
static inline int32_t td_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = td_rounding_half_sum(a, INT32_MAX);
  const int32_t x = td_newton_reciprocal_q2(half_denominator);
  return td_sat_shl(x - ((int32_t)1 << 29), 2);
}

/* logistic(a) for a in Q4.27; result Q0.31. */
static inline int32_t td_logistic_q4(int32_t a) {
  int32_t abs_a;
  int32_t positive;
  if (a == 0) {
    return (int32_t)1 << 30; /* 0.5 */
  }
  abs_a = a > 0 ? a : -a;
  positive = td_one_over_one_plus_x(td_exp_on_negative(-abs_a, 4));
  return a > 0 ? positive : INT32_MAX - positive;
}

/* tanh(a) for a in Q4.27; result Q0.31. */
static inline int32_t td_tanh_q4(int32_t a) {
  int32_t n;
  int32_t t;
  if (a == 0) {
    return 0;
  }
  n = a < 0 ? a : -a; /* -|a| */
  /* exp(2n): the same raw value read with one more integer bit. */
  t = td_one_minus_x_over_one_plus_x(td_exp_on_negative(n, 5));
  return a < 0 ? -t : t;
}

/* Number of leading zero bits of a 32-bit value (32 for 0). */
static inline int td_clz32(uint32_t x) {
  int n = 0;
  if (x == 0) {
    return 32;
  }
  while ((x & 0x80000000u) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

#endif /* TD_FIXEDPOINT_H */
