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

#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
#include <arm_acle.h>
#endif

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

/* TFLite's MultiplyByQuantizedMultiplier plus the output zero point of a sum (the
 * bias not yet added), for one channel's record (tinydeploy/compile/mac.py):
 *  - {bias, m, left, e, h, neg}: SaturatingRoundingDoublingHighMul(a, m) is
 *    (a * m + 2^30) >> 31 exactly (its nudge 1 - 2^30 for negatives and the
 *    truncating division make round-half-up; m is never INT32_MIN), then
 *    RoundingDivideByPOT(r, e) is (r + h + (r < 0 ? neg : 0)) >> e with h = 2^(e-1)
 *    and neg = -1 (both 0 when e == 0), then + zp;
 *  - fast, {2 * bias, m, 0, e, 2^(e-1) + zp * 2^e, -1}: a = 2 * (sum + bias), and the
 *    high word of a * m + 2^31 - 2^32 * (a < 0) is r - (a < 0) (the doubling moves the
 *    rounding to bit 31: one SMLAL); a < 0 stands for r < 0, which differs only when
 *    r == 0, where both give the zero point. */
/* ARMv6-M has no 64-bit multiply (GCC calls __aeabi_lmul): the fast records' product
 * from four 16 x 16-bit MULS instead (td_mac_mulhi_round). */
#if defined(__ARM_ARCH_6M__) && !defined(TD_MAC_MUL64)
#define TD_MAC_MUL32 1
#endif

/* floor((a * m + 2^31) / 2^32) for 0 <= m < 2^31, exactly. TD_MAC_MUL32: with
 * a = ah 2^16 + al, m = mh 2^16 + ml (al, ml unsigned 16-bit) the product is
 * ah mh 2^32 + (ah ml + al mh) 2^16 + al ml; every partial sum below fits 32 bits
 * (|ah ml| < 2^31, al mh + (al ml >> 16) + 2^15 < 2^31) and the low halves' carry is
 * added separately. */
TD_MAC_INLINE int32_t td_mac_mulhi_round(int32_t a, int32_t m) {
#if defined(TD_MAC_MUL32) && TD_MAC_MUL32
  const uint32_t al = (uint32_t)a & 0xFFFFu;
  const int32_t ah = a >> 16;
  const uint32_t ml = (uint32_t)m & 0xFFFFu;
  const int32_t mh = m >> 16;
  const int32_t z1 = ah * (int32_t)ml;
  const int32_t z2 = (int32_t)(al * (uint32_t)mh + ((al * ml) >> 16) + 0x8000u);
  const int32_t carry = (int32_t)((((uint32_t)z1 & 0xFFFFu) + ((uint32_t)z2 & 0xFFFFu)) >> 16);
  return ah * mh + (z1 >> 16) + (z2 >> 16) + carry;
#else
  return (int32_t)(((int64_t)a * m + ((int64_t)1 << 31)) >> 32);
#endif
}

typedef struct {
  int32_t bias, m, left, e, h, neg;
} td_mac_rq;

/* A record's fields as values (a loop that stores bytes need not reload them). */
TD_MAC_INLINE td_mac_rq td_mac_rq_load(const int32_t *rq) {
  td_mac_rq q;
  q.bias = rq[0];
  q.m = rq[1];
  q.left = rq[2];
  q.e = rq[3];
  q.h = rq[4];
  q.neg = rq[5];
  return q;
}

TD_MAC_INLINE int32_t td_mac_requant_q(int32_t sum, td_mac_rq q, int32_t zp, int fast) {
  if (fast) { /* a constant where inlined */
    const int32_t a = (int32_t)(((uint32_t)sum << 1) + (uint32_t)q.bias);
#if defined(TD_MAC_MUL32) && TD_MAC_MUL32
    const int32_t r = td_mac_mulhi_round(a, q.m) + (a >> 31);
#else
    const int64_t start = (int64_t)(a >> 31) * ((int64_t)1 << 32) + ((int64_t)1 << 31);
    const int32_t r = (int32_t)(((int64_t)a * q.m + start) >> 32);
#endif
    return (r + q.h) >> q.e;
  } else {
    const int32_t a = (int32_t)(((uint32_t)sum + (uint32_t)q.bias) << q.left);
    const int32_t r = (int32_t)(((int64_t)a * q.m + ((int64_t)1 << 30)) >> 31);
    return ((r + q.h + ((r >> 31) & q.neg)) >> q.e) + zp;
  }
}

TD_MAC_INLINE int32_t td_mac_requant(int32_t sum, const int32_t *rq, int32_t zp, int fast) {
  return td_mac_requant_q(sum, td_mac_rq_load(rq), zp, fast);
}

/* The activation clamp; full (the whole int8 range, a constant where inlined) is a
 * saturation, one SSAT on cores that have it. */
TD_MAC_INLINE int8_t td_mac_clamp(int32_t v, int full, int32_t lo, int32_t hi) {
  if (full) {
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    return (int8_t)__ssat(v, 8);
#else
    lo = -128;
    hi = 127;
#endif
  }
  v = v < lo ? lo : v;
  return (int8_t)(v > hi ? hi : v);
}

/* Two consecutive words, the pointer advanced past them: one LDRD on ARMv7-M (GCC
 * splits such loads into two LDRs there). */
#if defined(__ARM_ARCH_7M__) && defined(__GNUC__) && !defined(TD_MAC_NO_ASM)
#define TD_MAC_LOAD2(lo, hi, p) \
  __asm__("ldrd %0, %1, [%2], #8" : "=r"(lo), "=r"(hi), "+r"(p) : "m"(*(const int32_t (*)[2])(p)))
#else
#define TD_MAC_LOAD2(lo, hi, p) ((lo) = (p)[0], (hi) = (p)[1], (p) += 2)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TD_MAC_NOINLINE __attribute__((noinline, unused))
/* a parameter of a naked assembly routine: read from its register, not by name */
#define TD_MAC_REG_ARG __attribute__((unused))
#else
#define TD_MAC_NOINLINE
#define TD_MAC_REG_ARG
#endif

/* Eight channels' sums over one column of depth int8 values, layout 0: four pair words
 * per value, four SMLALs, each into an accumulator of two channels. Not inlined: on its
 * own, GCC keeps the loop's fourteen values in registers (LDRSB, two LDRD, four SMLAL,
 * CMP, BNE per value); inlined into the pixel loop it spills one. */
static TD_MAC_NOINLINE void td_mac_dot8(const int8_t *x, const int32_t *w, int32_t depth,
                                        int32_t sums[8]) {
  int64_t a = (int64_t)1 << (TD_MAC_PAIR_SHIFT - 1);
  int64_t b = a;
  int64_t c = a;
  int64_t d = a;
  const int8_t *const end = x + depth;
  while (x != end) {
    const int32_t v = *x++;
    int32_t w0;
    int32_t w1;
    TD_MAC_LOAD2(w0, w1, w);
    a += (int64_t)v * w0;
    b += (int64_t)v * w1;
    TD_MAC_LOAD2(w0, w1, w);
    c += (int64_t)v * w0;
    d += (int64_t)v * w1;
  }
  sums[0] = td_mac_low(a);
  sums[1] = td_mac_high(a);
  sums[2] = td_mac_low(b);
  sums[3] = td_mac_high(b);
  sums[4] = td_mac_low(c);
  sums[5] = td_mac_high(c);
  sums[6] = td_mac_low(d);
  sums[7] = td_mac_high(d);
}

#endif /* TD_MAC_H */
