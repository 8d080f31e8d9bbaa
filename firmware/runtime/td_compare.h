/*
 * td_compare.h - internal: whether comparison TD_CMP_* holds for two int32 values
 * (td_compare_s8 after rescaling, td_compare_i32 on the raw values).
 */
#ifndef TD_COMPARE_H
#define TD_COMPARE_H

#include "td_kernels.h"

static inline uint8_t td_cmp_holds(int32_t cmp, int32_t a, int32_t b) {
  switch (cmp) {
    case TD_CMP_EQUAL:
      return a == b;
    case TD_CMP_NOT_EQUAL:
      return a != b;
    case TD_CMP_LESS:
      return a < b;
    case TD_CMP_LESS_EQUAL:
      return a <= b;
    case TD_CMP_GREATER:
      return a > b;
    default:
      return a >= b; /* TD_CMP_GREATER_EQUAL (the kernels check the range) */
  }
}

#endif /* TD_COMPARE_H */
