/*
 * td_fill.c - FILL, and the outputs the compiler knows ahead of time (ZEROS_LIKE, SHAPE,
 * BROADCAST_ARGS of constant shapes): output element i is value element i % period.
 *
 * Raw bytes are copied: TFLite Micro's FILL and ZEROS_LIKE write the stored value (0 for
 * ZEROS_LIKE, whatever the zero point), never requantize. value is a scalar activation
 * (FILL) or a constant array in flash; it must not overlap the output.
 */
#include "td_kernels.h"

td_status td_fill(const td_fill_params *p, const void *value, void *output) {
  const uint8_t *v = (const uint8_t *)value;
  uint8_t *out = (uint8_t *)output;
  int32_t i;
  int32_t k;
  int32_t j = 0;
  if (p == NULL || value == NULL || output == NULL || p->period < 1 ||
      (p->itemsize != 1 && p->itemsize != 2 && p->itemsize != 4)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    for (k = 0; k < p->itemsize; ++k) {
      *out++ = v[j * p->itemsize + k];
    }
    if (++j == p->period) {
      j = 0;
    }
  }
  return TD_OK;
}
