/*
 * td_mac_bytes8.h - eight channels' sums over one column, layout 1 (v6m) of
 * td_conv2d_s8_mac.c.
 *
 * td_mac_bytes8(x, w, depth, sums): for each of depth int8 values x[k] and eight
 * unsigned weight bytes w[8k .. 8k + 7] (w + 128, tinydeploy/compile/mac.py),
 * sums[j] = sum over k of x[k] * w[8k + j], with 32-bit wrap-around (only the kernel's
 * final sums fit). depth >= 0. The C twin here; td_mac_bytes8_m0.h holds the ARMv6-M
 * assembly (GCC's -Os build spills four of the eight sums to the stack); the dispatch
 * at the end picks the assembly where it is built.
 */
#ifndef TD_MAC_BYTES8_H
#define TD_MAC_BYTES8_H

#include "td_mac.h"

static TD_MAC_NOINLINE void td_mac_bytes8_c(const int8_t *x, const uint8_t *w, int32_t depth,
                                            int32_t sums[8]) {
  uint32_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const int8_t *const end = x + depth;
  int j;
  while (x != end) {
    const uint32_t v = (uint32_t)(int32_t)*x++;
    for (j = 0; j < 8; ++j) {
      a[j] += v * w[j];
    }
    w += 8;
  }
  for (j = 0; j < 8; ++j) {
    sums[j] = (int32_t)a[j];
  }
}

#include "td_mac_bytes8_m0.h"

#if TD_MAC_ASM_V6M
#define td_mac_bytes8 td_mac_bytes8_m0
#else
#define td_mac_bytes8 td_mac_bytes8_c
#endif

#endif /* TD_MAC_BYTES8_H */
