/*
 * td_dsp_record2x2_w8_m4.h - td_record2x2_w8 (td_dsp_record2x2_w8.h) in assembly:
 * LDRD of the two biases, the 2x2 block over the int8-weight quads (LDRD of the two
 * channels' words, four SXTB16, the MACs of td_dsp_block2x2_m4.h: 15 instructions for
 * 16 MACs), odd quad, pair, then groups of four; the accumulators doubled, LDM of m e
 * h of both channels, five instructions per requantization. Inlined into its caller.
 */
#ifndef TD_DSP_RECORD2X2_W8_M4_H
#define TD_DSP_RECORD2X2_W8_M4_H

#include "td_dsp.h"
#include "td_dsp_block2x2_m4.h" /* TD_QUAD8 */

#if TD_DSP_ASM
/* Requantize accumulator A with m, e, h in registers M, E, H (n is free by then). */
#define TD_RQ5(A, M, E, H)                        \
  "smmulr " A ", " A ", " M "\n\t"               \
  "add %[n], " H ", " A ", asr #31\n\t"          \
  "add " A ", " A ", %[n]\n\t"                   \
  "asr " A ", " A ", " E "\n\t"                  \
  "ssat " A ", #8, " A "\n\t"

/* A whole record of the fast case (e >= 1, no wide, full range): LDRD of the two
 * biases, the 2x2 block over the quads, LDM of m e h of both channels, five
 * instructions per requantization (DBL doubles the accumulators of int8 weights
 * first). */
#define TD_RECORD2X2_ASM(QUAD, DBL)                                      \
  __asm__ volatile(                                                       \
      "ldrd %[a00], %[a01], [%[w]], #8\n\t"                              \
      "mov %[a10], %[a00]\n\t"                                          \
      "mov %[a11], %[a01]\n\t"                                          \
      "lsrs %[n], %[n], #1\n\t" /* an odd quad first */                 \
      "bcc 2f\n\t" QUAD                                                 \
      "2:\n\t"                                                          \
      "lsrs %[n], %[n], #1\n\t" /* then a pair, then groups of four */  \
      "bcc 4f\n\t" QUAD QUAD                                            \
      "4:\n\t"                                                          \
      "cmp %[n], #0\n\t"                                                \
      "beq 3f\n\t"                                                      \
      "1:\n\t" QUAD QUAD QUAD QUAD                                      \
      "subs %[n], %[n], #1\n\t"                                         \
      "bne 1b\n\t"                                                      \
      "3:\n\t" DBL                                                      \
      "ldm %[w]!, {r4, r5, r6, r8, r10, r12}\n\t" /* m0 e0 h0 m1 e1 h1 */ \
      TD_RQ5("%[a00]", "r4", "r5", "r6") TD_RQ5("%[a10]", "r4", "r5", "r6")      \
      TD_RQ5("%[a01]", "r8", "r10", "r12") TD_RQ5("%[a11]", "r8", "r10", "r12")  \
      /* the four int8 outputs; o0, o1 live in memory and advance by 2 */         \
      "ldr r4, %[o0]\n\t"                                                        \
      "ldr r5, %[o1]\n\t"                                                        \
      "strb %[a01], [r4, #1]\n\t"                                                \
      "strb %[a00], [r4], #2\n\t"                                                \
      "strb %[a11], [r5, #1]\n\t"                                                \
      "strb %[a10], [r5], #2\n\t"                                                \
      "str r4, %[o0]\n\t"                                                        \
      "str r5, %[o1]\n\t"                                                        \
      : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),  \
        [w] "+r"(w), [x] "+r"(x), [n] "+r"(quads), [o0] "+m"(*o0), [o1] "+m"(*o1) \
      :                                                                          \
      : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory")

#define TD_DBL4                                                                  \
  "add %[a00], %[a00], %[a00]\n\tadd %[a01], %[a01], %[a01]\n\t"                \
  "add %[a10], %[a10], %[a10]\n\tadd %[a11], %[a11], %[a11]\n\t"

TD_INLINE const uint32_t *td_record2x2_w8_m4(const uint32_t *w, const uint32_t *x,
                                             int32_t quads, int8_t **o0, int8_t **o1) {
  int32_t a00, a01, a10, a11;
  TD_RECORD2X2_ASM(TD_QUAD8, TD_DBL4);
  return w;
}
#endif

#endif /* TD_DSP_RECORD2X2_W8_M4_H */
