/*
 * td_hal.h - what the protocol server needs from a platform (firmware/hal/<platform>/).
 *
 * A HAL is a UART-like byte stream, a monotonic tick counter, and memory figures.
 * Board facts (clock, UART base, time source) come from the generated td_board.h.
 */
#ifndef TD_HAL_H
#define TD_HAL_H

#include <stdint.h>

/* Bring up the serial link and the time source. Called once, first thing in main(). */
void hal_init(int argc, char **argv);

/* Next received byte, or -1 if none is waiting (never blocks). */
int hal_getc(void);

/* Send one byte (blocks until the transmitter takes it). */
void hal_putc(char c);

/* Push out buffered output (no-op on a polled UART). */
void hal_flush(void);

/* Free-running tick counter (64-bit, never wraps in practice) and its rate in Hz. */
uint64_t hal_ticks(void);

/* Called right before a timed block: puts the tick source's periodic interrupt
 * at the same phase every time, so a block's emulated instruction count does not
 * depend on when the command arrived. Optional: td_server.c has an empty weak default. */
void hal_timer_sync(void);
uint32_t hal_tick_hz(void);

/* Name of the time source: "systick", "dwt", "clock_gettime". */
const char *hal_tick_source(void);

/* Bytes of stack reserved, and the most ever used (painted-stack high-water mark);
 * hal_stack_used() returns UINT32_MAX when the platform cannot measure it. */
uint32_t hal_stack_bytes(void);
uint32_t hal_stack_used(void);

/* Bytes of .data + .bss of the whole image (UINT32_MAX when unknown). */
uint32_t hal_static_ram(void);

#endif /* TD_HAL_H */
