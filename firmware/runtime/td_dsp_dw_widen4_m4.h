/*
 * td_dsp_dw_widen4_m4.h - td_dw_widen4 (td_dsp_dw_widen4.h) as one assembly routine.
 */
#ifndef TD_DSP_DW_WIDEN4_M4_H
#define TD_DSP_DW_WIDEN4_M4_H

#include "td_dsp.h"
#include "td_dsp_dw_widen4.h" /* td_widen4_args */

#if TD_DSP_ASM
/* td_dw_widen_pair4 without masks as one assembly routine (GCC spills the plane
 * pointers of the C loop): 17 instructions per column of four channels. Row b is
 * read at a fixed offset from row a. */

__attribute__((naked, noinline, unused)) static void td_dw_widen4_m4(
    TD_REG_ARG const int8_t *pa, TD_REG_ARG int32_t b_minus_a, TD_REG_ARG uint32_t *d,
    TD_REG_ARG const td_widen4_args *a) {
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "ldmia r3, {r4, r5, r6, r7}\n\t" /* n ch cs off2 */
      "add r8, r2, r6, lsl #1\n\t"     /* planes c + 2, c + 3 */
      "1:\n\t"
      "ldr r9, [r0]\n\t"
      "ldr r10, [r0, r1]\n\t"
      "add r0, r0, r5\n\t"
      "sxtab16 r11, r7, r9\n\t"          /* (a0, a2) */
      "sxtab16 r9, r7, r9, ror #8\n\t"   /* (a1, a3) */
      "sxtab16 r12, r7, r10\n\t"         /* (b0, b2) */
      "sxtab16 r10, r7, r10, ror #8\n\t" /* (b1, b3) */
      "pkhbt lr, r11, r12, lsl #16\n\t"  /* (a0, b0) */
      "pkhtb r12, r12, r11, asr #16\n\t" /* (a2, b2) */
      "pkhbt r11, r9, r10, lsl #16\n\t"  /* (a1, b1) */
      "pkhtb r10, r10, r9, asr #16\n\t"  /* (a3, b3) */
      "str r11, [r2, r6]\n\t"
      "str lr, [r2], #8\n\t"
      "str r10, [r8, r6]\n\t"
      "str r12, [r8], #8\n\t"
      "subs r4, r4, #1\n\t"
      "bne 1b\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
}
#endif

#endif /* TD_DSP_DW_WIDEN4_M4_H */
