/*
 * td_dsp_fc_quad_m4.h - td_fc_quad and td_fc_quad_w8 (td_dsp_fc_quad.h) as one
 * assembly routine each.
 */
#ifndef TD_DSP_FC_QUAD_M4_H
#define TD_DSP_FC_QUAD_M4_H

#include "td_dsp.h"
#include "td_dsp_fc_quad.h" /* td_fc_args */

#if TD_DSP_ASM
/* Four output channels (two records) per pass as one assembly routine: per input quad
 * one LDR and two SXTAB16 widen four inputs once for both records, an LDM of each
 * record's four weight words and eight SMLADs (16 MACs in 13 instructions). Four quads
 * per loop pass, entered part-way for the remainder (the entry is computed once).
 * Requantization as td_records_m4 (fast case: e >= 1, not wide, full range).
 * Stack: [sp] x, [sp+4] x end, [sp+8] entry, [sp+12] record bytes - 8, [sp+16] o,
 * [sp+20] end. */
__attribute__((naked, noinline, unused)) static void td_fc_quad_m4(TD_REG_ARG const uint32_t *w,
                                                                   TD_REG_ARG const td_fc_args *a) {
#define TD_FC_QUAD                                  \
  "ldr.w r8, [r1], #4\n\t"                          \
  "sxtab16 r9, r7, r8, ror #8\n\t"                  \
  "sxtab16 r8, r7, r8\n\t"                          \
  "ldmia.w r0!, {r10, r11, r12, lr}\n\t"            \
  "smlad r2, r10, r8, r2\n\t"                       \
  "smlad r2, r11, r9, r2\n\t"                       \
  "smlad r3, r12, r8, r3\n\t"                       \
  "smlad r3, lr, r9, r3\n\t"                        \
  "ldmia.w r6!, {r10, r11, r12, lr}\n\t"            \
  "smlad r4, r10, r8, r4\n\t"                       \
  "smlad r4, r11, r9, r4\n\t"                       \
  "smlad r5, r12, r8, r5\n\t"                       \
  "smlad r5, lr, r9, r5\n\t"
#define TD_FC_RQ(A, M, E, H)                        \
  "smmlar r1, " A ", " M ", " H "\n\t"              \
  "add r1, r1, " A ", asr #31\n\t"                  \
  "asr " A ", r1, " E "\n\t"                        \
  "ssat " A ", #8, " A "\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "sub sp, sp, #24\n\t"
      "ldmia r1, {r2, r3, r4, r5, r7}\n\t" /* x o end quads off2 */
      "str r2, [sp]\n\t"
      "add r6, r2, r5, lsl #2\n\t"
      "str r6, [sp, #4]\n\t"
      "str r3, [sp, #16]\n\t"
      "str r4, [sp, #20]\n\t"
      "lsl r6, r5, #4\n\t" /* a record is 4 * quads + 8 words */
      "add r6, r6, #24\n\t"
      "str r6, [sp, #12]\n\t"
      "and r6, r5, #3\n\t" /* entry: the last quads % 4 blocks */
      "rsb r6, r6, #4\n\t"
      "and r6, r6, #3\n\t"
      "movs r8, #52\n\t" /* bytes per block: thirteen 32-bit instructions */
      "mul r6, r6, r8\n\t"
      "adr.w r8, 10f\n\t"
      "add r8, r8, r6\n\t"
      "orr r8, r8, #1\n\t" /* Thumb state */
      "str r8, [sp, #8]\n\t"
      "1:\n\t"
      "ldrd r2, r3, [r0], #8\n\t" /* record A's biases */
      "ldr r6, [sp, #12]\n\t"
      "add r6, r0, r6\n\t" /* record B */
      "ldrd r4, r5, [r6], #8\n\t"
      "ldr r1, [sp]\n\t"
      "ldr pc, [sp, #8]\n\t"
      ".p2align 2\n\t"
      "10:\n\t" TD_FC_QUAD "11:\n\t" TD_FC_QUAD TD_FC_QUAD TD_FC_QUAD
      ".if (11b - 10b) != 52\n\t"
      ".error \"td_fc_quad_m4: a quad block is not 52 bytes\"\n\t"
      ".endif\n\t"
      "ldr r8, [sp, #4]\n\t"
      "cmp r1, r8\n\t"
      "bne 10b\n\t"
      "ldmia.w r0!, {r8, r9, r10, r11, r12, lr}\n\t" /* m e h of channels c, c + 1 */
      TD_FC_RQ("r2", "r8", "r9", "r10") TD_FC_RQ("r3", "r11", "r12", "lr")
      "ldmia.w r6!, {r8, r9, r10, r11, r12, lr}\n\t" /* c + 2, c + 3 */
      TD_FC_RQ("r4", "r8", "r9", "r10") TD_FC_RQ("r5", "r11", "r12", "lr")
      "ldr r8, [sp, #16]\n\t"
      "strb r2, [r8], #1\n\t"
      "strb r3, [r8], #1\n\t"
      "strb r4, [r8], #1\n\t"
      "strb r5, [r8], #1\n\t"
      "str r8, [sp, #16]\n\t"
      "mov r0, r6\n\t" /* the next pair of records */
      "ldr r8, [sp, #20]\n\t"
      "cmp r0, r8\n\t"
      "bne 1b\n\t"
      "add sp, sp, #24\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
#undef TD_FC_QUAD
#undef TD_FC_RQ
}

/* td_fc_quad_w8 the same way: per input quad the LDR and two SXTAB16 of the inputs,
 * then per record an LDRD of its two channels' int8 words, four SXTB16 and four
 * SMLADs (16 MACs in 21 instructions); the accumulators doubled before the
 * requantization. Records of 2 * quads + 8 words; the same stack layout. */
__attribute__((naked, noinline, unused)) static void td_fc_quad_w8_m4(
    TD_REG_ARG const uint32_t *w, TD_REG_ARG const td_fc_args *a) {
#define TD_FC_QUAD8(R, A0, A1)                      \
  "ldrd r10, r11, [" R "], #8\n\t"                 \
  "sxtb16 r12, r10\n\t"                            \
  "sxtb16 lr, r10, ror #8\n\t"                     \
  "smlad " A0 ", r12, r8, " A0 "\n\t"              \
  "smlad " A0 ", lr, r9, " A0 "\n\t"               \
  "sxtb16 r12, r11\n\t"                            \
  "sxtb16 lr, r11, ror #8\n\t"                     \
  "smlad " A1 ", r12, r8, " A1 "\n\t"              \
  "smlad " A1 ", lr, r9, " A1 "\n\t"
#define TD_FC_QUAD                                  \
  "ldr.w r8, [r1], #4\n\t"                          \
  "sxtab16 r9, r7, r8, ror #8\n\t"                  \
  "sxtab16 r8, r7, r8\n\t"                          \
  TD_FC_QUAD8("r0", "r2", "r3") TD_FC_QUAD8("r6", "r4", "r5")
#define TD_FC_RQ(A, M, E, H)                        \
  "smmlar r1, " A ", " M ", " H "\n\t"              \
  "add r1, r1, " A ", asr #31\n\t"                  \
  "asr " A ", r1, " E "\n\t"                        \
  "ssat " A ", #8, " A "\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "sub sp, sp, #24\n\t"
      "ldmia r1, {r2, r3, r4, r5, r7}\n\t" /* x o end quads off2 */
      "str r2, [sp]\n\t"
      "add r6, r2, r5, lsl #2\n\t"
      "str r6, [sp, #4]\n\t"
      "str r3, [sp, #16]\n\t"
      "str r4, [sp, #20]\n\t"
      "lsl r6, r5, #3\n\t" /* a record is 2 * quads + 8 words */
      "add r6, r6, #24\n\t"
      "str r6, [sp, #12]\n\t"
      "and r6, r5, #3\n\t" /* entry: the last quads % 4 blocks */
      "rsb r6, r6, #4\n\t"
      "and r6, r6, #3\n\t"
      "movs r8, #84\n\t" /* bytes per block: twenty-one 32-bit instructions */
      "mul r6, r6, r8\n\t"
      "adr.w r8, 10f\n\t"
      "add r8, r8, r6\n\t"
      "orr r8, r8, #1\n\t" /* Thumb state */
      "str r8, [sp, #8]\n\t"
      "1:\n\t"
      "ldrd r2, r3, [r0], #8\n\t" /* record A's biases */
      "ldr r6, [sp, #12]\n\t"
      "add r6, r0, r6\n\t" /* record B */
      "ldrd r4, r5, [r6], #8\n\t"
      "ldr r1, [sp]\n\t"
      "ldr pc, [sp, #8]\n\t"
      ".p2align 2\n\t"
      "10:\n\t" TD_FC_QUAD "11:\n\t" TD_FC_QUAD TD_FC_QUAD TD_FC_QUAD
      ".if (11b - 10b) != 84\n\t"
      ".error \"td_fc_quad_w8_m4: a quad block is not 84 bytes\"\n\t"
      ".endif\n\t"
      "ldr r8, [sp, #4]\n\t"
      "cmp r1, r8\n\t"
      "bne 10b\n\t"
      "add r2, r2, r2\n\t" /* int8 weights: the doubling of the pre-scaled ones */
      "add r3, r3, r3\n\t"
      "add r4, r4, r4\n\t"
      "add r5, r5, r5\n\t"
      "ldmia.w r0!, {r8, r9, r10, r11, r12, lr}\n\t" /* m e h of channels c, c + 1 */
      TD_FC_RQ("r2", "r8", "r9", "r10") TD_FC_RQ("r3", "r11", "r12", "lr")
      "ldmia.w r6!, {r8, r9, r10, r11, r12, lr}\n\t" /* c + 2, c + 3 */
      TD_FC_RQ("r4", "r8", "r9", "r10") TD_FC_RQ("r5", "r11", "r12", "lr")
      "ldr r8, [sp, #16]\n\t"
      "strb r2, [r8], #1\n\t"
      "strb r3, [r8], #1\n\t"
      "strb r4, [r8], #1\n\t"
      "strb r5, [r8], #1\n\t"
      "str r8, [sp, #16]\n\t"
      "mov r0, r6\n\t" /* the next pair of records */
      "ldr r8, [sp, #20]\n\t"
      "cmp r0, r8\n\t"
      "bne 1b\n\t"
      "add sp, sp, #24\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
#undef TD_FC_QUAD8
#undef TD_FC_QUAD
#undef TD_FC_RQ
}
#endif

#endif /* TD_DSP_FC_QUAD_M4_H */
