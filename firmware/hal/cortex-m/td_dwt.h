/*
 * td_dwt.h - the DWT cycle counter (Armv7-M / Armv8-M Mainline) as a 64-bit tick source.
 *
 * Renode models it (Miscellaneous.DWT, a counter on the emulator's virtual clock);
 * the Renode target maps it and clocks it at the board's tick_hz. Renode brings
 * that clock up to the current instruction only when the program reads SysTick's
 * current value (otherwise it lags to the last synchronisation point, up to a
 * quantum behind), so td_dwt_ticks() reads SYST_CVR first: on a real core that
 * read costs a couple of cycles and changes nothing.
 */
#ifndef TD_DWT_H
#define TD_DWT_H

#include <stdint.h>

#define TD_DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define TD_DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define TD_DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define TD_SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static inline void td_dwt_start(void) {
  TD_DEMCR |= 1u << 24; /* TRCENA: power the trace blocks, DWT among them */
  TD_DWT_CYCCNT = 0u;
  TD_DWT_CTRL |= 1u;    /* CYCCNTENA */
}

/* Extend the 32-bit counter by noticing wraps between reads; the server reads it
 * before and after every timed block, so this holds while a block takes fewer
 * than 2^32 ticks. */
static inline uint64_t td_dwt_ticks(void) {
  static uint32_t last, high;
  uint32_t now;
  (void)TD_SYST_CVR; /* Renode: synchronise the virtual clock (see above) */
  now = TD_DWT_CYCCNT;
  if (now < last) high++;
  last = now;
  return ((uint64_t)high << 32) | now;
}

#endif /* TD_DWT_H */
