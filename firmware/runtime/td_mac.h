/*
 * td_mac.h - internal helpers of the MAC kernels for cores without the DSP extension
 * (td_conv2d_s8_mac.c, td_depthwise_conv2d_s8_mac.c).
 *
 * Not a public header. Plain C that GCC compiles to the loops each core wants:
 * SMLAL on ARMv7-M (Cortex-M3), MULS on ARMv6-M (Cortex-M0/M0+); the same C runs
 * on the host, where the tests check it against tflite-micro. The data layouts are
 * prepared by tinydeploy/compile/mac.py (described there and in td_params.h).
 */
#ifndef TD_MAC_H
#define TD_MAC_H

#include <stdint.h>

#include "td_params.h"

#if defined(__GNUC__) || defined(__clang__)
#define TD_MAC_INLINE static inline __attribute__((always_inline))
#else
#define TD_MAC_INLINE static inline
#endif

/* Two channels per int32 weight word: w_c + w_(c+1) * 2^TD_MAC_PAIR_SHIFT. */
#define TD_MAC_PAIR_SHIFT 23
/* Words per channel of the requantization records: bias, m, left, e, h, neg. */
#define TD_MAC_REQUANT_WORDS 6

/* The two sums of a paired 64-bit accumulator that started at 2^22 (mac.py proves
 * |low sum| < 2^22, so the low 23 bits are low + 2^22 and never borrow). */
TD_MAC_INLINE int32_t td_mac_low(int64_t acc) {
  return (int32_t)((uint32_t)acc & ((1u << TD_MAC_PAIR_SHIFT) - 1u)) -
         (1 << (TD_MAC_PAIR_SHIFT - 1));
}
TD_MAC_INLINE int32_t td_mac_high(int64_t acc) { return (int32_t)(acc >> TD_MAC_PAIR_SHIFT); }

/* TFLite's MultiplyByQuantizedMultiplier plus the zero point and the clamp, for one
 * channel's record {bias (already added), m, left, e, h, neg}:
 * SaturatingRoundingDoublingHighMul(a, m) is (a * m + 2^30) >> 31 exactly (its nudge
 * 1 - 2^30 for negatives and the truncating division make round-half-up; m is never
 * INT32_MIN), and RoundingDivideByPOT(r, e) is (r + h + (r < 0 ? neg : 0)) >> e with
 * h = 2^(e-1), neg = -1 (both 0 when e == 0); mac.py checks r + h cannot overflow. */
TD_MAC_INLINE int32_t td_mac_requant(int32_t acc, const int32_t *rq, int32_t zp,
                                     int32_t lo, int32_t hi) {
  const int32_t a = (int32_t)((uint32_t)acc << rq[2]);
  const int64_t ab = (int64_t)a * rq[1];
  const int32_t r = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
  int32_t v = ((r + rq[4] + ((r >> 31) & rq[5])) >> rq[3]) + zp;
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

#endif /* TD_MAC_H */
