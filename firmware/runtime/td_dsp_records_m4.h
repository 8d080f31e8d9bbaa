/*
 * td_dsp_records_m4.h - td_records (td_dsp_records.h) as one assembly routine.
 */
#ifndef TD_DSP_RECORDS_M4_H
#define TD_DSP_RECORDS_M4_H

#include "td_dsp.h"
#include "td_dsp_records.h" /* td_rec_args */

#if TD_DSP_ASM
/* td_records for int16 weights as one assembly routine, which can use all fourteen
 * registers: four accumulators, four weight words and the four column words of a quad
 * (LDM each), so a quad is ten instructions for 16 MACs. Sixteen quads per loop pass
 * (a KWS pointwise record has no loop test at all); a count that is not a multiple
 * of sixteen enters the loop part-way (the entry address is chosen once per call, a
 * record jumps there with one LDR to PC). The
 * requantization is four instructions: SMMLAR adds h to the rounded product, and the
 * accumulator's sign stands in for the product's (m > 0; a product that rounds to 0
 * gives the same result either way when e >= 1, which the fast case guarantees).
 * Stack: [sp] column end, [sp+4] column, [sp+8] entry, [sp+16] o0, [sp+20] o1,
 * [sp+24] end of the records. */
__attribute__((naked, noinline, unused)) static void td_records_m4(
    TD_REG_ARG const uint32_t *w, TD_REG_ARG const uint32_t *col, TD_REG_ARG int32_t quads,
    TD_REG_ARG td_rec_args *args) {
#define TD_M4_QUAD                                  \
  "ldmia.w r0!, {r6, r7, r8, r9}\n\t"               \
  "ldmia.w r1!, {r10, r11, r12, lr}\n\t"            \
  "smlad r2, r6, r10, r2\n\t"                       \
  "smlad r2, r7, r11, r2\n\t"                       \
  "smlad r3, r8, r10, r3\n\t"                       \
  "smlad r3, r9, r11, r3\n\t"                       \
  "smlad r4, r6, r12, r4\n\t"                       \
  "smlad r4, r7, lr, r4\n\t"                        \
  "smlad r5, r8, r12, r5\n\t"                       \
  "smlad r5, r9, lr, r5\n\t"
#define TD_M4_RQ(A, M, E, H)                        \
  "smmlar r12, " A ", " M ", " H "\n\t"             \
  "add r12, r12, " A ", asr #31\n\t"                \
  "asr " A ", r12, " E "\n\t"                       \
  "ssat " A ", #8, " A "\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "sub sp, sp, #28\n\t"
      "add r4, r1, r2, lsl #4\n\t" /* column end: 16 bytes per quad */
      "str r4, [sp]\n\t"
      "str r1, [sp, #4]\n\t"
      "ldmia r3, {r4, r5, r6}\n\t" /* o0, o1, end */
      "add r7, sp, #16\n\t"
      "stmia r7, {r4, r5, r6}\n\t"
      /* entry: the last quads % 16 blocks of the 16 before the loop test */
      "and r6, r2, #15\n\t"
      "rsb r6, r6, #16\n\t"
      "and r6, r6, #15\n\t"
      "movs r7, #40\n\t" /* bytes per block: ten 32-bit instructions */
      "mul r6, r6, r7\n\t"
      "adr.w r7, 10f\n\t"
      "add r7, r7, r6\n\t"
      "orr r7, r7, #1\n\t" /* Thumb state */
      "str r7, [sp, #8]\n\t"
      "1:\n\t" /* one record: channels c, c + 1 of both pixels */
      "ldrd r2, r3, [r0]\n\t" /* the two biases, for both pixels */
      "ldrd r4, r5, [r0], #8\n\t"
      "ldr r1, [sp, #4]\n\t"
      "ldr pc, [sp, #8]\n\t"
      ".p2align 2\n\t"
      "10:\n\t" TD_M4_QUAD "11:\n\t" TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD
      TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD
      TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD
      ".if (11b - 10b) != 40\n\t"
      ".error \"td_records_m4: a quad block is not 40 bytes\"\n\t"
      ".endif\n\t"
      "ldr r6, [sp]\n\t"
      "cmp r1, r6\n\t"
      "bne 10b\n\t"
      "ldmia.w r0!, {r6, r7, r8, r9, r10, r11}\n\t" /* m0 e0 h0 m1 e1 h1 */
      TD_M4_RQ("r2", "r6", "r7", "r8") TD_M4_RQ("r4", "r6", "r7", "r8")
      TD_M4_RQ("r3", "r9", "r10", "r11") TD_M4_RQ("r5", "r9", "r10", "r11")
      "ldrd r6, r7, [sp, #16]\n\t" /* o0, o1 */
      "strb r3, [r6, #1]\n\t"
      "strb r2, [r6], #2\n\t"
      "strb r5, [r7, #1]\n\t"
      "strb r4, [r7], #2\n\t"
      "strd r6, r7, [sp, #16]\n\t"
      "ldr r6, [sp, #24]\n\t" /* past the last record? */
      "cmp r0, r6\n\t"
      "bne 1b\n\t"
      "add sp, sp, #28\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
#undef TD_M4_QUAD
#undef TD_M4_RQ
}
#endif

#endif /* TD_DSP_RECORDS_M4_H */
