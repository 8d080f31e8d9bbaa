/*
 * td_dsp_widen2_m4.h - td_widen2 (td_dsp_widen2.h) in assembly: one LDR per run, four
 * SXTAB16 and one STM per quad (GCC's code stores word by word). quads >= 1.
 */
#ifndef TD_DSP_WIDEN2_M4_H
#define TD_DSP_WIDEN2_M4_H

#include "td_dsp.h"

#if TD_DSP_ASM
__attribute__((naked, noinline, unused)) static void td_widen2_m4(TD_REG_ARG const int8_t *a,
                                                                  TD_REG_ARG const int8_t *b,
                                                                  TD_REG_ARG uint32_t *col,
                                                                  TD_REG_ARG int32_t quads,
                                                                  TD_REG_ARG uint32_t off2) {
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, lr}\n\t"
      "ldr r8, [sp, #24]\n\t" /* off2, the fifth argument */
      "1:\n\t"
      "ldr r4, [r0], #4\n\t"
      "ldr r6, [r1], #4\n\t"
      "sxtab16 r5, r8, r4, ror #8\n\t"
      "sxtab16 r4, r8, r4\n\t"
      "sxtab16 r7, r8, r6, ror #8\n\t"
      "sxtab16 r6, r8, r6\n\t"
      "stmia r2!, {r4, r5, r6, r7}\n\t"
      "subs r3, r3, #1\n\t"
      "bne 1b\n\t"
      "pop {r4, r5, r6, r7, r8, pc}\n\t");
}
#endif

#endif /* TD_DSP_WIDEN2_M4_H */
