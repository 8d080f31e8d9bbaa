/*
 * td_mean_s8.c - MEAN over any set of axes of a 4-D int8 tensor.
 *
 * Sums in int32, subtracts count * input zero point, and requantizes with a
 * multiplier that the compiler already divided by the count (TFLite's
 * QuantizedMeanOrSum), then clamps to int8. The loops: td_reduce4.h.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

static inline int8_t td_mean_end_s8(const td_mean_params *p, int32_t sum) {
  const int32_t out = td_mbqm(sum - p->input_zero_point * p->count, p->multiplier, p->shift);
  return (int8_t)td_clamp32(out + p->output_zero_point, -128, 127);
}

#define TD_R4_NAME td_mean_s8
#define TD_R4_IN int8_t
#define TD_R4_OUT int8_t
#define TD_R4_ACC int32_t
#define TD_R4_START 0
#define TD_R4_ADD(acc, v) ((acc) += (v))
#define TD_R4_END(acc) td_mean_end_s8(p, (acc))
#include "td_reduce4.h"
