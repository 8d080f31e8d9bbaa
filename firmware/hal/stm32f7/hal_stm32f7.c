/*
 * hal_stm32f7.c - STM32F7 USART (polled) and the DWT tick counter, for the
 * Nucleo-F746ZG's MCU as Renode emulates it (platforms/cpus/stm32f746.repl).
 *
 * The console is USART3 on PD8 (TX) / PD9 (RX), the Nucleo-144's ST-LINK virtual
 * COM port. The core runs from the 16 MHz HSI as after reset (no PLL set-up), so
 * the baud divisor uses uart_clock_hz.
 *
 * Time: DWT CYCCNT. Renode clocks it at tick_hz on its virtual clock, which the
 * Renode target advances by one microsecond per instruction (see targets/renode.py),
 * so ticks convert exactly to emulated instructions.
 */
#include <stdint.h>

#include "td_board.h"
#include "td_dwt.h"
#include "td_hal.h"

#define USART_REG(off) (*(volatile uint32_t *)(TD_UART_BASE + (off)))
#define USART_CR1 USART_REG(0x00)
#define USART_BRR USART_REG(0x0C)
#define USART_ISR USART_REG(0x1C)
#define USART_ICR USART_REG(0x20)
#define USART_RDR USART_REG(0x24)
#define USART_TDR USART_REG(0x28)
#define CR1_UE (1u << 0)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define ISR_ORE (1u << 3)
#define ISR_RXNE (1u << 5)
#define ISR_TXE (1u << 7)

#define RCC_AHB1ENR (*(volatile uint32_t *)0x40023830u)
#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u)
#define GPIOD_MODER (*(volatile uint32_t *)0x40020C00u)
#define GPIOD_AFRH (*(volatile uint32_t *)0x40020C24u)

void hal_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
  RCC_AHB1ENR |= 1u << 3;  /* GPIOD clock */
  RCC_APB1ENR |= 1u << 18; /* USART3 clock */
  /* PD8, PD9: alternate function 7 (USART3) */
  GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (0xAu << 16);
  GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | 0x77u;
  USART_BRR = (TD_UART_CLOCK_HZ + TD_BAUD / 2u) / TD_BAUD;
  USART_CR1 = CR1_UE | CR1_RE | CR1_TE;
  td_dwt_start();
}

int hal_getc(void) {
  uint32_t isr = USART_ISR;
  if (isr & ISR_ORE) USART_ICR = ISR_ORE; /* an overrun stops reception until cleared */
  if (isr & ISR_RXNE) return (int)(USART_RDR & 0xFFu);
  return -1;
}

void hal_putc(char c) {
  while (!(USART_ISR & ISR_TXE)) {}
  USART_TDR = (uint32_t)(unsigned char)c;
}

void hal_flush(void) {}

uint64_t hal_ticks(void) { return td_dwt_ticks(); }

uint32_t hal_tick_hz(void) { return TD_TICK_HZ; }

const char *hal_tick_source(void) { return "dwt"; }
