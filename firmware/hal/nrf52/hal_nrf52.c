/*
 * hal_nrf52.c - nRF52840 UARTE0 with EasyDMA (polled) and the DWT tick counter,
 * for the Nano 33 BLE's MCU as Renode emulates it (platforms/cpus/nrf52840.repl).
 *
 * EasyDMA moves bytes between the UARTE and RAM only. Receive: a 1-byte DMA
 * buffer; ENDRX says it is full, and the next STARTRX takes the following byte
 * (the UARTE holds bytes that arrive in between). Transmit: characters collect in
 * a RAM buffer that one DMA transfer sends when it is full or on hal_flush().
 *
 * Time: DWT CYCCNT. Renode clocks it at tick_hz on its virtual clock, which the
 * Renode target advances by one microsecond per instruction (see targets/renode.py),
 * so ticks convert exactly to emulated instructions.
 */
#include <stdint.h>

#include "td_board.h"
#include "td_dwt.h"
#include "td_hal.h"

#define UARTE_REG(off) (*(volatile uint32_t *)(TD_UART_BASE + (off)))
#define TASKS_STARTRX UARTE_REG(0x000)
#define TASKS_STARTTX UARTE_REG(0x008)
#define EVENTS_ENDRX UARTE_REG(0x110)
#define EVENTS_ENDTX UARTE_REG(0x120)
#define ENABLE UARTE_REG(0x500)
#define PSEL_TXD UARTE_REG(0x50C)
#define PSEL_RXD UARTE_REG(0x514)
#define BAUDRATE UARTE_REG(0x524)
#define RXD_PTR UARTE_REG(0x534)
#define RXD_MAXCNT UARTE_REG(0x538)
#define TXD_PTR UARTE_REG(0x544)
#define TXD_MAXCNT UARTE_REG(0x548)
#define UARTE_ENABLED 8u

/* BAUDRATE register values from the nRF52840 product specification (UARTE). */
#if TD_BAUD == 115200
#define TD_NRF_BAUDRATE 0x01D7E000u
#elif TD_BAUD == 230400
#define TD_NRF_BAUDRATE 0x03B00000u
#elif TD_BAUD == 921600
#define TD_NRF_BAUDRATE 0x0F000000u
#else
#error "hal_nrf52: baud must be 115200, 230400 or 921600"
#endif

/* Nano 33 BLE: the header pins TX = P1.03, RX = P1.10 (port 1: bit 5 set). */
#define PIN_TXD ((1u << 5) | 3u)
#define PIN_RXD ((1u << 5) | 10u)

static volatile uint8_t g_rx;
static uint8_t g_tx[128];
static uint32_t g_tx_len;

void hal_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
  PSEL_TXD = PIN_TXD;
  PSEL_RXD = PIN_RXD;
  BAUDRATE = TD_NRF_BAUDRATE;
  ENABLE = UARTE_ENABLED;
  RXD_PTR = (uint32_t)(uintptr_t)&g_rx;
  RXD_MAXCNT = 1u;
  EVENTS_ENDRX = 0u;
  TASKS_STARTRX = 1u;
  td_dwt_start();
}

int hal_getc(void) {
  int c;
  if (!EVENTS_ENDRX) return -1;
  c = g_rx;
  EVENTS_ENDRX = 0u;
  TASKS_STARTRX = 1u; /* the next byte, if one is waiting, lands now */
  return c;
}

void hal_flush(void) {
  if (g_tx_len == 0u) return;
  TXD_PTR = (uint32_t)(uintptr_t)g_tx;
  TXD_MAXCNT = g_tx_len;
  EVENTS_ENDTX = 0u;
  TASKS_STARTTX = 1u;
  while (!EVENTS_ENDTX) {}
  EVENTS_ENDTX = 0u;
  g_tx_len = 0u;
}

void hal_putc(char c) {
  g_tx[g_tx_len++] = (uint8_t)c;
  if (g_tx_len == sizeof g_tx) hal_flush();
}

uint64_t hal_ticks(void) { return td_dwt_ticks(); }

uint32_t hal_tick_hz(void) { return TD_TICK_HZ; }

const char *hal_tick_source(void) { return "dwt"; }
