/*
 * td_reduce_min_s8.c - REDUCE_MIN over any set of axes of a 4-D int8 tensor.
 *
 * The smallest raw value (TFLite Micro requires one scale and zero point for the
 * input and the output). MEAN's params; only in_shape and reduced are used.
 */
#include "td_kernels.h"

#define TD_R4_NAME td_reduce_min_s8
#define TD_R4_IN int8_t
#define TD_R4_OUT int8_t
#define TD_R4_ACC int8_t
#define TD_R4_START INT8_MAX
#define TD_R4_ADD(acc, v) ((acc) = (v) < (acc) ? (v) : (acc))
#define TD_R4_END(acc) (acc)
#include "td_reduce4.h"
