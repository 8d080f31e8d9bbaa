/*
 * td_mac_bytes8_m0.h - td_mac_bytes8 (td_mac_bytes8.h) in ARMv6-M assembly: the eight
 * sums in r3, r6, r7 and r8-r12 for the whole loop, per input value one LDRSB (r2
 * holds 0: ARMv6-M's LDRSB takes only a register offset), then per channel LDRB, MULS
 * and ADD (ADD reaches the high registers).
 */
#ifndef TD_MAC_BYTES8_M0_H
#define TD_MAC_BYTES8_M0_H

#include "td_mac.h"

#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(TD_MAC_NO_ASM)
#define TD_MAC_ASM_V6M 1
#else
#define TD_MAC_ASM_V6M 0
#endif

#if TD_MAC_ASM_V6M
__attribute__((naked, noinline, unused)) static void td_mac_bytes8_m0(
    TD_MAC_REG_ARG const int8_t *x, TD_MAC_REG_ARG const uint8_t *w,
    TD_MAC_REG_ARG int32_t depth, TD_MAC_REG_ARG int32_t *sums) {
  __asm__ volatile(
      ".syntax unified\n\t" /* GCC assembles Thumb-1 inline assembly in divided syntax */
      "push {r4, r5, r6, r7, lr}\n\t"
      "mov r4, r8\n\t"
      "mov r5, r9\n\t"
      "mov r6, r10\n\t"
      "mov r7, r11\n\t"
      "push {r4, r5, r6, r7}\n\t"
      "push {r3}\n\t"            /* sums */
      "adds r2, r0, r2\n\t"
      "mov lr, r2\n\t"           /* end of x */
      "movs r2, #0\n\t"          /* the LDRSB offset */
      "movs r3, #0\n\t"
      "movs r6, #0\n\t"
      "movs r7, #0\n\t"
      "mov r8, r3\n\t"
      "mov r9, r3\n\t"
      "mov r10, r3\n\t"
      "mov r11, r3\n\t"
      "mov r12, r3\n\t"
      "cmp r0, lr\n\t"
      "beq 2f\n\t"
      "1:\n\t"
      "ldrsb r4, [r0, r2]\n\t"
      "adds r0, r0, #1\n\t"
      "ldrb r5, [r1, #0]\n\t"
      "muls r5, r4, r5\n\t"
      "adds r3, r3, r5\n\t"
      "ldrb r5, [r1, #1]\n\t"
      "muls r5, r4, r5\n\t"
      "adds r6, r6, r5\n\t"
      "ldrb r5, [r1, #2]\n\t"
      "muls r5, r4, r5\n\t"
      "adds r7, r7, r5\n\t"
      "ldrb r5, [r1, #3]\n\t"
      "muls r5, r4, r5\n\t"
      "add r8, r5\n\t"
      "ldrb r5, [r1, #4]\n\t"
      "muls r5, r4, r5\n\t"
      "add r9, r5\n\t"
      "ldrb r5, [r1, #5]\n\t"
      "muls r5, r4, r5\n\t"
      "add r10, r5\n\t"
      "ldrb r5, [r1, #6]\n\t"
      "muls r5, r4, r5\n\t"
      "add r11, r5\n\t"
      "ldrb r5, [r1, #7]\n\t"
      "muls r5, r4, r5\n\t"
      "add r12, r5\n\t"
      "adds r1, r1, #8\n\t"
      "cmp r0, lr\n\t"
      "bne 1b\n\t"
      "2:\n\t"
      "pop {r5}\n\t"             /* sums */
      "str r3, [r5, #0]\n\t"
      "str r6, [r5, #4]\n\t"
      "str r7, [r5, #8]\n\t"
      "mov r4, r8\n\t"
      "str r4, [r5, #12]\n\t"
      "mov r4, r9\n\t"
      "str r4, [r5, #16]\n\t"
      "mov r4, r10\n\t"
      "str r4, [r5, #20]\n\t"
      "mov r4, r11\n\t"
      "str r4, [r5, #24]\n\t"
      "mov r4, r12\n\t"
      "str r4, [r5, #28]\n\t"
      "pop {r4, r5, r6, r7}\n\t"
      "mov r8, r4\n\t"
      "mov r9, r5\n\t"
      "mov r10, r6\n\t"
      "mov r11, r7\n\t"
      "pop {r4, r5, r6, r7, pc}\n\t");
}
#endif

#endif /* TD_MAC_BYTES8_M0_H */
