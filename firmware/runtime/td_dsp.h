/*
 * td_dsp.h - internal helpers of the SIMD (Cortex-M DSP extension) kernels.
 *
 * Not a public header: the SIMD kernels (td_*_dsp*.c, and td_add_s8.c for SMMULR)
 * and their routines (td_dsp_*.h) include it. On cores with the DSP
 * extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33, M55) the helpers are the
 * ACLE intrinsics from <arm_acle.h>; everywhere else (the host build, M0/M3)
 * a portable C version computes the same bits, so the host tests check the
 * data layouts and the arithmetic of the optimised kernels.
 *
 * Data layout the compiler prepares (tinydeploy/compile/dsp.py):
 *  - int16 pairs: one uint32 word holds two int16 values, the first in the low
 *    half. Weights are stored pre-widened this way.
 *  - quad reorder: four consecutive int8 inputs x0 x1 x2 x3 widen into the two
 *    words (x0, x2) and (x1, x3) - what SXTB16 gives without shuffling - and the
 *    weights are stored in the same order.
 *  - requantization: TFLite's MultiplyByQuantizedMultiplier as four per-channel
 *    integers {m, e, h, s}: the accumulator arrives pre-scaled by 2^(left shift + 1)
 *    (weights and bias were scaled at compile time), SMMULR gives
 *    SaturatingRoundingDoublingHighMul exactly, and
 *    (x + h + (x < 0 ? s : 0)) >> e with h = 2^(e-1) + zero_point * 2^e and
 *    s = -1 (0 when e == 0) is RoundingDivideByPOT plus the output zero point.
 *    The compiler checks that no intermediate can overflow for the layer (else it
 *    keeps the reference kernel).
 */
#ifndef TD_DSP_H
#define TD_DSP_H

#include <stdint.h>
#include <string.h>

#include "td_params.h" /* td_features.h: the code paths this build keeps (TD_CONV_DSP_*, ...) */

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TD_HAVE_DSP 1
#else
#define TD_HAVE_DSP 0
#endif

/* The assembly routines (td_dsp_*_m4.h, Thumb-2 with the DSP extension, GNU syntax):
 * each has a plain-C twin (td_dsp_*.h) with the same signature and results, which a
 * build without them (the host, M0/M3, TD_DSP_NO_ASM) runs instead. */
#if TD_HAVE_DSP && defined(__thumb2__) && defined(__GNUC__) && !defined(TD_DSP_NO_ASM)
#define TD_DSP_ASM 1
#else
#define TD_DSP_ASM 0
#endif

/* The optimisation level: the kernel sources that need -O2 in an -Os firmware build
 * say so themselves (#pragma GCC optimize("O2") before their first include); this
 * header does not, so including it changes no other file. */

#if defined(__GNUC__) || defined(__clang__)
#define TD_INLINE static inline __attribute__((always_inline))
/* a helper of a code path td_features.h may leave out: no warning when unused */
#define TD_PATH_HELPER static __attribute__((unused))
/* a C twin of an assembly routine, unused where the routine is built */
#define TD_TWIN static __attribute__((unused))
/* a parameter of a naked assembly routine: read from its register, not by name */
#define TD_REG_ARG __attribute__((unused))
#else
#define TD_INLINE static inline
#define TD_PATH_HELPER static
#define TD_TWIN static
#define TD_REG_ARG
#endif

static inline uint32_t td_ror8(uint32_t v) { return (v >> 8) | (v << 24); }

/* Unaligned-safe 32-bit load (one LDR on the M4, which allows unaligned LDR). */
static inline uint32_t td_load32(const void *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint32_t td_pair(int32_t lo, int32_t hi) {
  return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

#if TD_HAVE_DSP

#define td_smlad(x, y, acc) __smlad((x), (y), (acc))
#define td_smlabb(x, y, acc) __smlabb((x), (y), (acc))
#define td_smlabt(x, y, acc) __smlabt((x), (y), (acc))
#define td_smlatb(x, y, acc) __smlatb((x), (y), (acc))
#define td_sxtab16(a, b) __sxtab16((a), (b))
#define td_sxtb16(a) __sxtb16((a))
#define td_ssat8(x) __ssat((x), 8)

static inline int32_t td_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* a + SMMULR(x, m) in one instruction: (a * 2^32 + x * m + 2^31) >> 32 */
TD_INLINE int32_t td_smmlar(int32_t x, int32_t m, int32_t a) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(m), "r"(a));
  return r;
}
/* td_sxtb16(td_ror8(b)) in one instruction */
static inline uint32_t td_sxtb16_ror8(uint32_t b) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(b));
  return r;
}
/* td_sxtab16(a, td_ror8(b)) in one instruction (GCC does not fold the rotation) */
static inline uint32_t td_sxtab16_ror8(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* Halfword packs. td_pkhbt16: (a.lo, b.lo) as (low, high) halves; td_pkhtb16:
 * (b.hi, a.hi). */
static inline uint32_t td_pkhbt16(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static inline uint32_t td_pkhtb16(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* Per-lane signed max / min of four int8 values: SSUB8 sets a GE flag per lane
 * where a >= b, SEL takes a there (max) or b (min); one asm block, so nothing sets
 * the flags between the two. */
TD_INLINE uint32_t td_max8x4(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}
TD_INLINE uint32_t td_min8x4(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
  return r;
}

#else /* portable C: the same results bit for bit */

static inline uint32_t td_pkhbt16(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
static inline uint32_t td_pkhtb16(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }

static inline int32_t td_lo16(uint32_t v) { return (int32_t)(int16_t)(uint16_t)(v & 0xFFFFu); }
static inline int32_t td_hi16(uint32_t v) { return (int32_t)(int16_t)(uint16_t)(v >> 16); }

/* acc + x.lo * y.lo + x.hi * y.hi, wrapping like the instruction */
static inline int32_t td_smlad(uint32_t x, uint32_t y, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(td_lo16(x) * td_lo16(y)) +
                   (uint32_t)(td_hi16(x) * td_hi16(y)));
}
static inline int32_t td_smlabb(uint32_t x, uint32_t y, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(td_lo16(x) * td_lo16(y)));
}
static inline int32_t td_smlabt(uint32_t x, uint32_t y, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(td_lo16(x) * td_hi16(y)));
}
static inline int32_t td_smlatb(uint32_t x, uint32_t y, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(td_hi16(x) * td_lo16(y)));
}
/* (a.lo + sext(b.byte0), a.hi + sext(b.byte2)), each half wrapping */
static inline uint32_t td_sxtab16(uint32_t a, uint32_t b) {
  const int32_t lo = td_lo16(a) + (int32_t)(int8_t)(uint8_t)(b & 0xFFu);
  const int32_t hi = td_hi16(a) + (int32_t)(int8_t)(uint8_t)((b >> 16) & 0xFFu);
  return td_pair(lo, hi);
}
static inline int32_t td_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
/* (sext(b.byte0), sext(b.byte2)) and the same of bytes 1 and 3 */
static inline uint32_t td_sxtb16(uint32_t b) { return td_sxtab16(0, b); }
static inline uint32_t td_sxtb16_ror8(uint32_t b) { return td_sxtab16(0, (b >> 8) | (b << 24)); }
static inline uint32_t td_sxtab16_ror8(uint32_t a, uint32_t b) {
  return td_sxtab16(a, (b >> 8) | (b << 24));
}
static inline uint32_t td_max8x4(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  int k;
  for (k = 0; k < 32; k += 8) {
    const int32_t x = (int8_t)(uint8_t)(a >> k), y = (int8_t)(uint8_t)(b >> k);
    r |= (uint32_t)(uint8_t)(x >= y ? x : y) << k;
  }
  return r;
}
static inline uint32_t td_min8x4(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  int k;
  for (k = 0; k < 32; k += 8) {
    const int32_t x = (int8_t)(uint8_t)(a >> k), y = (int8_t)(uint8_t)(b >> k);
    r |= (uint32_t)(uint8_t)(x >= y ? y : x) << k;
  }
  return r;
}
/* (a * b + 2^31) >> 32 */
static inline int32_t td_smmulr(int32_t a, int32_t b) {
  const int64_t p = (int64_t)a * (int64_t)b + ((int64_t)1 << 31);
  return (int32_t)(p >> 32);
}
/* a + td_smmulr(x, m), wrapping: exactly the instruction's (a * 2^32 + x * m + 2^31) >> 32 */
TD_INLINE int32_t td_smmlar(int32_t x, int32_t m, int32_t a) {
  return (int32_t)((uint32_t)a + (uint32_t)td_smmulr(x, m));
}

#endif

/* td_dsp_requant with the four values in registers (no reload after int8 stores). */
TD_INLINE int32_t td_dsp_requant_v(int32_t acc, int32_t m, int32_t e, int32_t h, int32_t s) {
  const int32_t x = td_smmulr(acc, m);
  return td_ssat8((x + h + ((x >> 31) & s)) >> e);
}

/* The same when e >= 1 (s == -1, the compiler checked every channel of the layer):
 * x + h + (x < 0 ? -1 : 0) is x + h + (x >> 31), one ADD with a shifted operand, so
 * five instructions in all. */
TD_INLINE int32_t td_dsp_requant_pos(int32_t acc, int32_t m, int32_t e, int32_t h) {
  const int32_t x = td_smmulr(acc, m);
  return td_ssat8((x + (h + (x >> 31))) >> e);
}

/* The four-instruction requantization of the assembly routines (td_dsp_records_m4.h,
 * td_dsp_fc_quad_m4.h, td_dsp_dw_vert*_m4.h) and their twins: SMMLAR adds h to the
 * rounded product, and the accumulator's sign stands in for the product's. Equal to
 * td_dsp_requant_pos when m > 0 and e >= 1 (a product that rounds to 0 gives the same
 * result with either sign), which the fast case guarantees. */
TD_INLINE int32_t td_dsp_requant_mla(int32_t acc, int32_t m, int32_t e, int32_t h) {
  return td_ssat8((td_smmlar(acc, m, h) + (acc >> 31)) >> e);
}

/* {m, e, h, s} from the three stored words {m, e, h}: s = -1 when e > 0, else 0. */
static inline void td_dsp_rq4(int32_t *rq, const int32_t *meh) {
  rq[0] = meh[0];
  rq[1] = meh[1];
  rq[2] = meh[2];
  rq[3] = meh[1] > 0 ? -1 : 0;
}

/* Requantize a pre-scaled accumulator with rq = {m, e, h, s} (see above). */
TD_INLINE int32_t td_dsp_requant(int32_t acc, const int32_t *rq) {
  const int32_t x = td_smmulr(acc, rq[0]);
  return td_ssat8((x + rq[2] + ((x >> 31) & rq[3])) >> rq[1]);
}

/* The same for an accumulator scaled by 2^left only: the 64-bit
 * SaturatingRoundingDoublingHighMul, (acc * m + 2^30) >> 31 (floor); h holds only
 * the rounding half and the zero point zp is added after the shift. */
TD_INLINE int32_t td_dsp_requant_wide(int32_t acc, const int32_t *rq, int32_t zp) {
  const int32_t x = (int32_t)(((int64_t)acc * rq[0] + ((int64_t)1 << 30)) >> 31);
  return td_ssat8(((x + rq[2] + ((x >> 31) & rq[3])) >> rq[1]) + zp);
}

/* Requantize and clamp to the activation range. Kernels call it with constant
 * wide/full in a specialised copy of their loops for the common case. */
TD_INLINE int32_t td_dsp_output(int32_t acc, const int32_t *rq, int wide, int32_t zp, int full,
                                int32_t lo, int32_t hi) {
  const int32_t v = wide ? td_dsp_requant_wide(acc, rq, zp) : td_dsp_requant(acc, rq);
  return full ? v : (v < lo ? lo : (v > hi ? hi : v));
}

static inline int32_t td_dsp_clamp(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

#endif /* TD_DSP_H */
