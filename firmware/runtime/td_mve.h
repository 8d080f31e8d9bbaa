/*
 * td_mve.h - internal helpers of the Helium (MVE) kernels (td_conv2d_s8_mve.c).
 *
 * Not a public header. On a core with the M-profile vector extension (Cortex-M55,
 * built with -mcpu=cortex-m55) the helpers are Helium intrinsics (arm_mve.h); elsewhere
 * (the host, where the tests run the compiled models against tflite-micro) a plain-C
 * twin computes the same lanes with the same instruction semantics, so the layouts
 * and the arithmetic are checked on every machine. The data layouts are prepared by
 * tinydeploy/compile/mve.py (described there and in td_params.h).
 *
 * Requantization of four channels at once, TFLite's MultiplyByQuantizedMultiplier
 * exactly (td_fixedpoint.h td_mbqm), from the records {bias, m, left, -right}:
 *   x = (acc + bias) << left                 VSHL: wraps like TFLite's x * (1 << left)
 *   x = SaturatingRoundingDoublingHighMul    VQRDMULH is that function: (2ab + 2^31) >> 32,
 *                                            saturated, equals the nudged truncating
 *                                            division for either sign of ab
 *   x = RoundingDivideByPOT(x, right)        VRSHL rounds half up, TFLite half away from
 *                                            zero: negatives lose 1 first (saturating, so
 *                                            INT32_MIN stays exact) when right > 0
 * then the output zero point and the activation clamp.
 */
#ifndef TD_MVE_H
#define TD_MVE_H

#include <stdint.h>

#include "td_params.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TD_MVE 1
#include <arm_mve.h>
#else
#define TD_MVE 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TD_MVE_INLINE static inline __attribute__((always_inline))
#else
#define TD_MVE_INLINE static inline
#endif

/* Output channels per weight block and int8 lanes per vector (compile/mve.py). */
#define TD_MVE_BLOCK 4
#define TD_MVE_LANES 16
/* int32 words of a block's requantization records: bias, m, left, -right (x4). */
#define TD_MVE_RECORD_WORDS 16

#if TD_MVE

typedef int32x4_t td_mve_v32;

TD_MVE_INLINE td_mve_v32 td_mve_requant(td_mve_v32 acc, const int32_t *rec, int32_t zp, int32_t lo,
                                        int32_t hi) {
  const int32x4_t right = vldrwq_s32(rec + 12);
  int32x4_t x = vaddq_s32(acc, vldrwq_s32(rec));
  int32x4_t fix;
  x = vshlq_s32(x, vldrwq_s32(rec + 8));
  x = vqrdmulhq_s32(x, vldrwq_s32(rec + 4));
  /* -1 in the lanes that are negative and shift right */
  fix = vandq_s32(vshrq_n_s32(x, 31), vshrq_n_s32(right, 31));
  x = vrshlq_s32(vqaddq_s32(x, fix), right);
  x = vaddq_n_s32(x, zp);
  return vminq_s32(vmaxq_s32(x, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}

#else /* the plain-C twin: one lane at a time, each step the instruction's semantics */

typedef struct {
  int32_t v[4];
} td_mve_v32;

TD_MVE_INLINE int32_t td_mve_sat32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

/* VQRDMULH.S32 */
TD_MVE_INLINE int32_t td_mve_qrdmulh(int32_t a, int32_t b) {
  const int64_t ab = (int64_t)a * (int64_t)b;
  if (a == INT32_MIN && b == INT32_MIN) {
    return INT32_MAX;
  }
  /* (2ab + 2^31) >> 32 as (ab + 2^30) >> 31; an arithmetic shift (floor) */
  return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

/* VRSHL.S32 by a shift in [-31, 0]: a rounding arithmetic right shift */
TD_MVE_INLINE int32_t td_mve_rshl(int32_t x, int32_t shift) {
  if (shift >= 0) {
    return x;
  }
  return (int32_t)(((int64_t)x + ((int64_t)1 << (-shift - 1))) >> -shift);
}

TD_MVE_INLINE td_mve_v32 td_mve_requant(td_mve_v32 acc, const int32_t *rec, int32_t zp, int32_t lo,
                                        int32_t hi) {
  td_mve_v32 out;
  int i;
  for (i = 0; i < 4; ++i) {
    const int32_t right = rec[12 + i];
    int32_t x = (int32_t)((uint32_t)acc.v[i] + (uint32_t)rec[i]);
    x = (int32_t)((uint32_t)x << rec[8 + i]);
    x = td_mve_qrdmulh(x, rec[4 + i]);
    x = td_mve_sat32((int64_t)x + ((x >> 31) & (right >> 31)));
    x = (int32_t)((uint32_t)td_mve_rshl(x, right) + (uint32_t)zp);
    out.v[i] = x < lo ? lo : (x > hi ? hi : x);
  }
  return out;
}

#endif /* TD_MVE */

#endif /* TD_MVE_H */
