/*
 * startup.c - vector table and reset handler for Cortex-M, shared by the bare-metal
 * HALs (cmsdk for QEMU MPS2/MPS3, nrf52 and stm32f7 for Renode).
 *
 * Reset: enable the FPU (if the build uses one), copy .data from flash, zero
 * .bss, paint the stack with TD_STACK_PAINT so the server can report the stack
 * high-water mark, then call main(). Faults print one e- line and stop.
 */
#include <stdint.h>

#include "td_board.h"
#include "td_hal.h"
#include "td_io.h"

#define TD_STACK_PAINT 0xA5A5A5A5u

/* Linker script symbols (fw_linker.ld.j2). */
extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_limit, __stack_top;
typedef void (*td_ctor)(void);
extern td_ctor __init_array_start[], __init_array_end[];

int main(int argc, char **argv);
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SecureFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void)
    __attribute__((weak, alias("Default_Handler"))); /* HALs on SysTick define it */

typedef void (*td_vector)(void);

__attribute__((section(".vectors"), used)) const td_vector td_vectors[16] = {
    (td_vector)(uintptr_t)&__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    SecureFault_Handler,  /* Armv8-M only; reserved (never taken) on v6-M/v7-M */
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
};

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)

void Reset_Handler(void) {
  /* volatile: the compiler must not turn these loops into memcpy()/memset() calls,
   * which would link newlib's (about 470 bytes) into every firmware */
  const uint32_t *src;
  volatile uint32_t *dst;
  uint32_t sp;
#if defined(__ARM_FP)
  SCB_CPACR |= (0xFu << 20);  /* CP10 + CP11 full access: FPU (and MVE on M55) */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  for (src = &__data_load, dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (dst = &__bss_start; dst < &__bss_end;) *dst++ = 0u;
  /* Paint the stack below our own frame (keep 64 bytes of margin). */
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (dst = &__stack_limit; (uintptr_t)dst < sp - 64u; dst++) *dst = TD_STACK_PAINT;
  /* C++ static constructors (a TFLite Micro model has some; none in C builds). */
  for (td_ctor *ctor = __init_array_start; ctor < __init_array_end; ctor++) (*ctor)();
  main(0, 0);
  for (;;) {}
}

uint32_t hal_stack_bytes(void) {
  return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit);
}

uint32_t hal_stack_used(void) {
  const uint32_t *p = &__stack_limit;
  while (p < &__stack_top && *p == TD_STACK_PAINT) p++;
  return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

uint32_t hal_static_ram(void) {
  return (uint32_t)((uintptr_t)&__bss_end - (uintptr_t)&__data_start);
}

void Default_Handler(void) {
  td_puts("e-[unexpected exception]");
  td_endl();
  for (;;) {}
}

/* Print the faulting PC from the stacked exception frame, then stop. */
__attribute__((used)) void td_fault_report(const uint32_t *frame) {
  td_puts("e-[hardfault pc=");
  td_put_hex32(frame[6]);
  td_puts(" lr=");
  td_put_hex32(frame[5]);
#if !defined(__ARM_ARCH_6M__)
  td_puts(" cfsr=");
  td_put_hex32(SCB_CFSR);
#endif
  td_puts("]");
  td_endl();
  for (;;) {}
}

__attribute__((naked)) void HardFault_Handler(void) {
  __asm__ volatile(
      "movs r0, #4\n\t"
      "mov r1, lr\n\t"
      "tst r0, r1\n\t"
      "beq 1f\n\t"
      "mrs r0, psp\n\t"
      "b 2f\n"
      "1:\n\t"
      "mrs r0, msp\n"
      "2:\n\t"
      "ldr r2, =td_fault_report\n\t"
      "bx r2\n");
}
