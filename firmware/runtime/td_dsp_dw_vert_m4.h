/*
 * td_dsp_dw_vert_m4.h - td_dw_vert_px (td_dsp_dw_vert.h) in assembly, inlined into
 * its caller.
 */
#ifndef TD_DSP_DW_VERT_M4_H
#define TD_DSP_DW_VERT_M4_H

#include "td_dsp.h"

#if TD_DSP_ASM
/* One channel per pass: LDM of bias and the column-0 weights, an LDRD of both ring
 * slots per filter column, twelve multiply-accumulates (18 MACs), four instructions
 * per requantization; 32 instructions for two outputs. P and Q name the registers
 * holding the upper and lower row pair (they swap with the ring slot). */
#define TD_DW_COL(P, Q)                                                   \
  "smlad r8, r5, " P ", r4\n\t"   /* a0 = bias + Wa.P (first column) */   \
  "smlabt r4, r5, " P ", r4\n\t"  /* a1 = bias + w0 * x1 */               \
  "smlatb r8, r6, " Q ", r8\n\t"  /* a0 += w2 * x2 */                     \
  "smlad r4, r6, " Q ", r4\n\t"   /* a1 += Wb.Q */
#define TD_DW_COL_ACC(P, Q)                                               \
  "smlad r8, r5, " P ", r8\n\t"                                           \
  "smlabt r4, r5, " P ", r4\n\t"                                          \
  "smlatb r8, r6, " Q ", r8\n\t"                                          \
  "smlad r4, r6, " Q ", r4\n\t"
/* SMMLAR adds h to the rounded product; the accumulator's sign stands in for the
 * product's (m > 0, and a product that rounds to 0 gives the same result when e >= 1,
 * which the fast case guarantees): four instructions. */
#define TD_DW_REQUANT(A)                                                  \
  "smmlar r12, " A ", r5, r10\n\t"                                        \
  "add r12, r12, " A ", asr #31\n\t"                                      \
  "asr " A ", r12, r6\n\t"                                                \
  "ssat " A ", #8, " A "\n\t"
#define TD_DW_LOOP(P, Q)                                                  \
  "1:\n\t"                                                                \
  "ldm %[r]!, {r4, r5, r6}\n\t"                                           \
  "ldrd r10, r12, [%[q]]\n\t" TD_DW_COL(P, Q)                             \
  "ldm %[r]!, {r5, r6}\n\t"                                               \
  "ldrd r10, r12, [%[q], #8]\n\t" TD_DW_COL_ACC(P, Q)                     \
  "ldm %[r]!, {r5, r6}\n\t"                                               \
  "ldrd r10, r12, [%[q], #16]\n\t" TD_DW_COL_ACC(P, Q)                    \
  "add %[q], %[q], %[cs]\n\t"                                             \
  "ldm %[r]!, {r5, r6, r10}\n\t" /* m, e, h */                            \
  TD_DW_REQUANT("r8") TD_DW_REQUANT("r4")                                 \
  "strb r4, [%[o], %[second]]\n\t"                                        \
  "strb r8, [%[o]], #1\n\t"                                               \
  "cmp %[r], %[end]\n\t"                                                  \
  "bne 1b\n\t"

TD_INLINE void td_dw_vert_px_m4(const int32_t *r, const int32_t *end, const uint32_t *q, int32_t cs,
                             int8_t *o, int32_t second, int flip) {
  if (flip) {
    __asm__ volatile(TD_DW_LOOP("r12", "r10")
                     : [r] "+r"(r), [q] "+r"(q), [o] "+r"(o)
                     : [end] "r"(end), [cs] "r"(cs * 4), [second] "r"(second)
                     : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
  } else {
    __asm__ volatile(TD_DW_LOOP("r10", "r12")
                     : [r] "+r"(r), [q] "+r"(q), [o] "+r"(o)
                     : [end] "r"(end), [cs] "r"(cs * 4), [second] "r"(second)
                     : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
  }
}
#endif

#endif /* TD_DSP_DW_VERT_M4_H */
