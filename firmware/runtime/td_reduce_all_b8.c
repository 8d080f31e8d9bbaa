/*
 * td_reduce_all_b8.c - REDUCE_ALL over any set of axes of a 4-D bool tensor.
 *
 * 1 where every reduced element is non-zero (TFLite's bool is one byte, 0 or 1), else 0;
 * no reduced axis copies the input. MEAN's params; only in_shape and reduced are used.
 */
#include "td_kernels.h"

#define TD_R4_NAME td_reduce_all_b8
#define TD_R4_IN uint8_t
#define TD_R4_OUT uint8_t
#define TD_R4_ACC uint8_t
#define TD_R4_START 1
#define TD_R4_ADD(acc, v) ((acc) &= (v) != 0)
#define TD_R4_END(acc) (acc)
#include "td_reduce4.h"
