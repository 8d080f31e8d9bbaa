/*
 * td_elem.h - internal: load and store one int8, int16 or int32 element of a tensor
 * given its element size, for the kernels that take any of the three (td_minmax,
 * td_requantize, td_abs).
 */
#ifndef TD_ELEM_H
#define TD_ELEM_H

#include "td_kernels.h"

static inline int td_elem_size_ok(int32_t itemsize) {
  return itemsize == 1 || itemsize == 2 || itemsize == 4;
}

static inline int32_t td_elem_load(const void *base, int32_t itemsize, int32_t i) {
  if (itemsize == 1) {
    return ((const int8_t *)base)[i];
  }
  if (itemsize == 2) {
    return ((const int16_t *)base)[i];
  }
  return ((const int32_t *)base)[i];
}

/* v saturated to the element type's range (TFLite's clamp before the narrowing cast) */
static inline void td_elem_store_sat(void *base, int32_t itemsize, int32_t i, int32_t v) {
  if (itemsize == 1) {
    ((int8_t *)base)[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
  } else if (itemsize == 2) {
    ((int16_t *)base)[i] = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
  } else {
    ((int32_t *)base)[i] = v;
  }
}

#endif /* TD_ELEM_H */
