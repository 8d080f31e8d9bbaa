/*
 * hal_nrf51.c - nRF51 UART (polled) and TIMER0 as the tick counter, for the
 * nRF51822 of the BBC micro:bit and QEMU's `microbit` machine (hw/arm/nrf51_soc.c).
 *
 * The nRF51 has no SysTick (Cortex-M0 SysTick is optional and Nordic left it out)
 * and no DWT cycle counter, so time comes from TIMER0: 32-bit mode, prescaler 0,
 * 16 MHz off HFCLK. The counter is read by triggering a CAPTURE task and reading
 * the CC register it fills. Under QEMU the clock is virtual: with -icount shift=7
 * one instruction is 128 ns and a tick 62.5 ns, under half an instruction, so the
 * nearest integer to ticks * 62.5 / 128 is the exact instruction count of a block
 * (the host does that conversion, not the firmware).
 */
#include <stdint.h>

#include "td_board.h"
#include "td_hal.h"

#define REG(base, off) (*(volatile uint32_t *)((base) + (off)))

/* CLOCK: start the crystal oscillator so the UART baud rate and TIMER0 are accurate
 * on a real chip (QEMU's stub reads back 1: started). */
#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART REG(CLOCK_BASE, 0x000)
#define CLOCK_EVENTS_HFCLKSTARTED REG(CLOCK_BASE, 0x100)

/* UART0 (nRF51 Series Reference Manual, chapter 29). */
#define UART_TASKS_STARTRX REG(TD_UART_BASE, 0x000)
#define UART_TASKS_STARTTX REG(TD_UART_BASE, 0x008)
#define UART_EVENTS_RXDRDY REG(TD_UART_BASE, 0x108)
#define UART_EVENTS_TXDRDY REG(TD_UART_BASE, 0x11C)
#define UART_ENABLE REG(TD_UART_BASE, 0x500)
#define UART_PSELTXD REG(TD_UART_BASE, 0x50C)
#define UART_PSELRXD REG(TD_UART_BASE, 0x514)
#define UART_RXD REG(TD_UART_BASE, 0x518)
#define UART_TXD REG(TD_UART_BASE, 0x51C)
#define UART_BAUDRATE REG(TD_UART_BASE, 0x524)
#define UART_ENABLED 4u

/* BAUDRATE = baud * 2^32 / 16 MHz, rounded to a multiple of 0x1000: this gives the
 * reference manual's table values (115200 -> 0x01D7E000, 9600 -> 0x00275000). */
#define TD_NRF_BAUDRATE \
  ((uint32_t)((((uint64_t)TD_BAUD << 32) / 16000000u + 0x800u) & ~(uint64_t)0xFFFu))

/* micro:bit v1: the interface chip's USB serial is wired to P0.24 (TX) and P0.25 (RX). */
#ifndef TD_UART_TX_PIN
#define TD_UART_TX_PIN 24u
#endif
#ifndef TD_UART_RX_PIN
#define TD_UART_RX_PIN 25u
#endif

/* TIMER0 (chapter 18): the only nRF51 timer with a 32-bit mode. */
#define TIMER0_BASE 0x40008000u
#define TIMER_TASKS_START REG(TIMER0_BASE, 0x000)
#define TIMER_TASKS_STOP REG(TIMER0_BASE, 0x004)
#define TIMER_TASKS_CLEAR REG(TIMER0_BASE, 0x00C)
#define TIMER_TASKS_CAPTURE0 REG(TIMER0_BASE, 0x040)
#define TIMER_INTENCLR REG(TIMER0_BASE, 0x308)
#define TIMER_MODE REG(TIMER0_BASE, 0x504)
#define TIMER_BITMODE REG(TIMER0_BASE, 0x508)
#define TIMER_PRESCALER REG(TIMER0_BASE, 0x510)
#define TIMER_CC0 REG(TIMER0_BASE, 0x540)
#define TIMER_HZ 16000000u

void hal_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
  CLOCK_EVENTS_HFCLKSTARTED = 0u;
  CLOCK_TASKS_HFCLKSTART = 1u;
  while (!CLOCK_EVENTS_HFCLKSTARTED) {}
  UART_PSELTXD = TD_UART_TX_PIN;
  UART_PSELRXD = TD_UART_RX_PIN;
  UART_BAUDRATE = TD_NRF_BAUDRATE;
  UART_ENABLE = UART_ENABLED;
  UART_EVENTS_RXDRDY = 0u;
  UART_EVENTS_TXDRDY = 0u;
  UART_TASKS_STARTTX = 1u;
  UART_TASKS_STARTRX = 1u;

  TIMER_TASKS_STOP = 1u;
  TIMER_MODE = 0u;      /* timer, not counter */
  TIMER_BITMODE = 3u;   /* 32 bit */
  TIMER_PRESCALER = 0u; /* 16 MHz */
  TIMER_INTENCLR = 0xFFFFFFFFu;  /* polled: no interrupt ever lands in a timed block */
  TIMER_TASKS_CLEAR = 1u;
  TIMER_TASKS_START = 1u;
}

int hal_getc(void) {
  if (!UART_EVENTS_RXDRDY) return -1;
  /* Clear the event before reading RXD: the read moves the next byte of the
   * receive FIFO into RXD and raises RXDRDY again. */
  UART_EVENTS_RXDRDY = 0u;
  return (int)(UART_RXD & 0xFFu);
}

void hal_putc(char c) {
  UART_TXD = (uint32_t)(unsigned char)c;
  while (!UART_EVENTS_TXDRDY) {}
  UART_EVENTS_TXDRDY = 0u;
}

void hal_flush(void) {}

uint64_t hal_ticks(void) {
  /* Extend the 32-bit counter by noticing wraps between reads; the server reads it
   * at least once per inference, so this holds while one inference takes fewer
   * than 2^32 ticks (268 s at 16 MHz). */
  static uint32_t last, high;
  uint32_t now;
  TIMER_TASKS_CAPTURE0 = 1u;
  now = TIMER_CC0;
  if (now < last) high++;
  last = now;
  return ((uint64_t)high << 32) | now;
}

uint32_t hal_tick_hz(void) { return TIMER_HZ; }

const char *hal_tick_source(void) { return "timer0"; }
