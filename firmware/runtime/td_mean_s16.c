/*
 * td_mean_s16.c - MEAN of 16x8 models over any set of axes of a 4-D int16 tensor
 * (TFLite's QuantizedMeanOrSum<int16_t>): td_mean_s8's arithmetic, clamped to int16.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

static inline int16_t td_mean_end_s16(const td_mean_params *p, int32_t sum) {
  const int32_t out = td_mbqm(sum - p->input_zero_point * p->count, p->multiplier, p->shift);
  return (int16_t)td_clamp32(out + p->output_zero_point, -32768, 32767);
}

#define TD_R4_NAME td_mean_s16
#define TD_R4_IN int16_t
#define TD_R4_OUT int16_t
#define TD_R4_ACC int32_t
#define TD_R4_START 0
#define TD_R4_ADD(acc, v) ((acc) += (v))
#define TD_R4_END(acc) td_mean_end_s16(p, (acc))
#include "td_reduce4.h"
