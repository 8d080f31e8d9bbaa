/*
 * hal_cmsdk.c - CMSDK APB UART (polled) and the tick counter, for the Arm MPS2 /
 * MPS3 FPGA images that QEMU emulates (AN385, AN386, AN500, AN505, AN547).
 *
 * Time: SysTick on the processor clock, extended to 64 bits by counting its
 * wraps in the SysTick interrupt; or the DWT cycle counter where the profile
 * says the core has one (timer = "dwt"). Under QEMU the clock is virtual: with
 * -icount shift=6 one instruction is 64 ns, so ticks * 1e9 / tick_hz / 64 is
 * the instruction count (the host does that conversion, not the firmware).
 */
#include <stdint.h>

#include "td_board.h"
#include "td_hal.h"

/* CMSDK APB UART registers. */
typedef struct {
  volatile uint32_t data;      /* 0x00 */
  volatile uint32_t state;     /* 0x04: bit0 TX full, bit1 RX full */
  volatile uint32_t ctrl;      /* 0x08: bit0 TX enable, bit1 RX enable */
  volatile uint32_t intstatus; /* 0x0C */
  volatile uint32_t bauddiv;   /* 0x10: >= 16 */
} cmsdk_uart;

#define UART ((cmsdk_uart *)TD_UART_BASE)
#define UART_TX_FULL 1u
#define UART_RX_FULL 2u

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)

static volatile uint32_t g_systick_wraps;

void SysTick_Handler(void) { g_systick_wraps++; }

void hal_init(int argc, char **argv) {
  uint32_t div = TD_UART_CLOCK_HZ / TD_BAUD;
  (void)argc;
  (void)argv;
  UART->bauddiv = div < 16u ? 16u : div;
  UART->ctrl = 3u; /* TX + RX enable, no interrupts */
#if TD_TIMER_DWT
  DEMCR |= 1u << 24;  /* TRCENA */
  DWT_CYCCNT = 0u;
  DWT_CTRL |= 1u;     /* CYCCNTENA */
#endif
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 7u; /* processor clock, interrupt on wrap, enable */
}

int hal_getc(void) {
  if (UART->state & UART_RX_FULL) return (int)(UART->data & 0xFFu);
  return -1;
}

void hal_putc(char c) {
  while (UART->state & UART_TX_FULL) {}
  UART->data = (uint32_t)(unsigned char)c;
}

void hal_flush(void) {}

static uint64_t systick_ticks(void) {
  uint32_t hi, lo;
  do {
    hi = g_systick_wraps;
    lo = SYST_CVR;
  } while (hi != g_systick_wraps);
  return ((uint64_t)hi << 24) + (0x00FFFFFFu - lo);
}

#if TD_TIMER_DWT
static uint64_t dwt_ticks(void) {
  /* Extend the 32-bit cycle counter by noticing wraps between reads; the server
   * reads it at least once per inference, so this holds while one inference
   * takes fewer than 2^32 cycles. */
  static uint32_t last, high;
  uint32_t now = DWT_CYCCNT;
  if (now < last) high++;
  last = now;
  return ((uint64_t)high << 32) | now;
}
#endif

void hal_timer_sync(void) {
#if !TD_TIMER_DWT
  /* Restart the SysTick period, so its wrap interrupt (a few instructions) falls at
   * the same point of every timed block. The write starts a new period without a
   * wrap interrupt: count it here, which keeps hal_ticks() monotonic. */
  g_systick_wraps++;
  SYST_CVR = 0u;
  while (SYST_CVR == 0u) {}
#endif
}

uint64_t hal_ticks(void) {
#if TD_TIMER_DWT
  return dwt_ticks();
#else
  return systick_ticks();
#endif
}

uint32_t hal_tick_hz(void) { return TD_CLOCK_HZ; }

const char *hal_tick_source(void) { return TD_TIMER_DWT ? "dwt" : "systick"; }
