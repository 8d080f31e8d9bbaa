/*
 * hal_arduino.cpp - td_hal.h for Arduino cores (PlatformIO boards): Serial for
 * the link, DWT CYCCNT for cycles where the core has one (TD_TIMER_DWT), else
 * micros(). The core owns the stack, so no stack painting here.
 */
#include <Arduino.h>
#include <stdint.h>

extern "C" {
#include "td_board.h"
#include "td_hal.h"
}

#if TD_TIMER_DWT
/* Cortex-M debug registers (ARMv7-M / ARMv8-M): DEMCR.TRCENA, DWT_CTRL.CYCCNTENA, DWT_CYCCNT. */
#define TD_DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define TD_DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define TD_DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
/* CoreSight lock access register of the DWT: on the Cortex-M7 (e.g. STM32F7) the DWT
 * ignores writes until it is unlocked, so CYCCNT would read 0 without a debugger. */
#define TD_DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)
#define TD_DWT_LAR_KEY 0xC5ACCE55u
static uint32_t g_last_cyccnt;
static uint64_t g_cycles_hi;
#endif

extern "C" void hal_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
  Serial.begin(TD_BAUD);
  uint32_t start = millis();
  while (!Serial && millis() - start < 3000u) {
    /* USB CDC boards: wait a little for the host to open the port */
  }
#if TD_TIMER_DWT
  TD_DEMCR |= (1u << 24);
#if defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_7M__)
  /* Needed on the M7; on M3/M4 the register is write-ignored. */
  TD_DWT_LAR = TD_DWT_LAR_KEY;
#endif
  TD_DWT_CYCCNT = 0;
  TD_DWT_CTRL |= 1u;
#endif
}

extern "C" int hal_getc(void) { return Serial.available() > 0 ? Serial.read() : -1; }
extern "C" void hal_putc(char c) { Serial.write((uint8_t)c); }
extern "C" void hal_flush(void) { Serial.flush(); }

extern "C" uint64_t hal_ticks(void) {
#if TD_TIMER_DWT
  /* Extend the 32-bit counter; called at least once per wrap (67 s at 64 MHz) by the server. */
  uint32_t now = TD_DWT_CYCCNT;
  if (now < g_last_cyccnt) g_cycles_hi += (uint64_t)1 << 32;
  g_last_cyccnt = now;
  return g_cycles_hi | now;
#else
  return (uint64_t)micros();
#endif
}

extern "C" uint32_t hal_tick_hz(void) { return TD_TIMER_DWT ? (uint32_t)TD_CLOCK_HZ : 1000000u; }
extern "C" const char *hal_tick_source(void) { return TD_TIMER_DWT ? "dwt" : "micros"; }
extern "C" uint32_t hal_stack_bytes(void) { return 0u; }
extern "C" uint32_t hal_stack_used(void) { return UINT32_MAX; }
extern "C" uint32_t hal_static_ram(void) { return UINT32_MAX; }
