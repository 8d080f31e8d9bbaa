/*
 * td_dsp_dw_vert22_m4.h - td_dw_vert22 and td_dw_vert22_flip (td_dsp_dw_vert22.h) as
 * assembly routines.
 */
#ifndef TD_DSP_DW_VERT22_M4_H
#define TD_DSP_DW_VERT22_M4_H

#include "td_dsp.h"
#include "td_dsp_dw_vert22.h" /* td_dw22_args */

#if TD_DSP_ASM

/* Two rows by two columns (ox, ox + 1) of every channel, as one assembly routine with
 * all fourteen registers: the four ring columns ox .. ox + 3 are loaded once and feed
 * both output columns, so a channel costs 58 instructions for four outputs (36 MACs)
 * instead of 64. LDRD loads both ring slots into r11, r12; P and Q name the one
 * holding the upper and the lower row pair (they swap with the slot). Stack: [sp]
 * end, [sp+4] cs, [sp+8] second, [sp+12] ch. */
#define TD_DW22_COL(P, Q, A, B, WA, WB)                                   \
  "smlad " A ", " WA ", " P ", " A "\n\t"                                 \
  "smlabt " B ", " WA ", " P ", " B "\n\t"                                \
  "smlatb " A ", " WB ", " Q ", " A "\n\t"                                \
  "smlad " B ", " WB ", " Q ", " B "\n\t"
#define TD_DW22_INIT(P, Q, A, B) /* bias r7, Wa0 r8, Wb0 r9 */          \
  "smlad " A ", r8, " P ", r7\n\t"                                        \
  "smlabt " B ", r8, " P ", r7\n\t"                                       \
  "smlatb " A ", r9, " Q ", " A "\n\t"                                    \
  "smlad " B ", r9, " Q ", " B "\n\t"
#define TD_DW22_RQ(A)                                                     \
  "smmlar r10, " A ", r7, r9\n\t"                                         \
  "add r10, r10, " A ", asr #31\n\t"                                      \
  "asr " A ", r10, r8\n\t"                                                \
  "ssat " A ", #8, " A "\n\t"
#define TD_DW22_BODY(P, Q)                                                \
  "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"                       \
  "sub sp, sp, #16\n\t"                                                   \
  "ldmia r3, {r4, r5, r6, r7}\n\t"                                        \
  "stmia sp, {r4, r5, r6, r7}\n\t"                                        \
  "1:\n\t"                                                                \
  "ldmia r0!, {r7, r8, r9}\n\t" /* bias Wa0 Wb0 */                        \
  "ldrd r11, r12, [r1]\n\t" /* column ox: A only */                   \
  TD_DW22_INIT(P, Q, "r3", "r4")                                          \
  "ldrd r11, r12, [r1, #8]\n\t" /* column ox + 1 */                   \
  TD_DW22_INIT(P, Q, "r5", "r6")                                          \
  "ldmia r0!, {r10, lr}\n\t" /* Wa1 Wb1 */                                \
  TD_DW22_COL(P, Q, "r3", "r4", "r10", "lr")                              \
  "ldrd r11, r12, [r1, #16]\n\t" /* column ox + 2 */                  \
  TD_DW22_COL(P, Q, "r5", "r6", "r10", "lr")                              \
  "ldmia r0!, {r7, r8}\n\t" /* Wa2 Wb2 */                                 \
  TD_DW22_COL(P, Q, "r3", "r4", "r7", "r8")                               \
  "ldrd r11, r12, [r1, #24]\n\t" /* column ox + 3: B only */          \
  TD_DW22_COL(P, Q, "r5", "r6", "r7", "r8")                               \
  "ldmia r0!, {r7, r8, r9}\n\t" /* m e h */                               \
  TD_DW22_RQ("r3") TD_DW22_RQ("r4") TD_DW22_RQ("r5") TD_DW22_RQ("r6")     \
  "ldrd r11, r12, [sp, #8]\n\t" /* second, ch */                          \
  "add lr, r11, r12\n\t" /* row oy + 1 last: it is row oy when second == 0 */ \
  "strb r6, [r2, lr]\n\t"                                                 \
  "strb r5, [r2, r12]\n\t"                                                \
  "strb r4, [r2, r11]\n\t"                                                \
  "strb r3, [r2], #1\n\t"                                                 \
  "ldrd r10, r11, [sp]\n\t" /* end, cs */                                 \
  "add r1, r1, r11\n\t"                                                   \
  "cmp r0, r10\n\t"                                                       \
  "bne 1b\n\t"                                                            \
  "add sp, sp, #16\n\t"                                                   \
  "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t"

__attribute__((naked, noinline, unused)) static void td_dw_vert22_m4(
    TD_REG_ARG const int32_t *r, TD_REG_ARG const uint32_t *q, TD_REG_ARG int8_t *o,
    TD_REG_ARG const td_dw22_args *a) {
  __asm__ volatile(TD_DW22_BODY("r11", "r12"));
}
__attribute__((naked, noinline, unused)) static void td_dw_vert22_m4_flip(
    TD_REG_ARG const int32_t *r, TD_REG_ARG const uint32_t *q, TD_REG_ARG int8_t *o,
    TD_REG_ARG const td_dw22_args *a) {
  __asm__ volatile(TD_DW22_BODY("r12", "r11"));
}
#endif

#endif /* TD_DSP_DW_VERT22_M4_H */
