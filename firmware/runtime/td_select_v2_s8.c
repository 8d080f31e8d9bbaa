/*
 * td_select_v2_s8.c - SELECT_V2: output = cond ? x : y, int8 values, bool condition,
 * the three inputs broadcast to the output shape.
 *
 * TFLite Micro copies the raw int8 values of x and y (no requantization), so this kernel
 * does too. Output elements are written in increasing order after their inputs are read.
 */
#include "td_kernels.h"

td_status td_select_v2_s8(const td_select_params *p, const uint8_t *cond, const int8_t *x,
                          const int8_t *y, int8_t *output) {
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t i;
  int32_t d;
  int32_t oc = 0;
  int32_t ox = 0;
  int32_t oy = 0;
  if (p == NULL || cond == NULL || x == NULL || y == NULL || output == NULL || p->dims < 0 ||
      p->dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    if (p->dims == 0) {
      oc = ox = oy = i;
    }
    output[i] = cond[oc] ? x[ox] : y[oy];
    /* odometer over the output dimensions, moving the three input offsets along */
    for (d = p->dims - 1; d >= 0; --d) {
      oc += p->stride_cond[d];
      ox += p->stride_x[d];
      oy += p->stride_y[d];
      if (++idx[d] < p->shape[d]) {
        break;
      }
      oc -= p->stride_cond[d] * p->shape[d];
      ox -= p->stride_x[d] * p->shape[d];
      oy -= p->stride_y[d] * p->shape[d];
      idx[d] = 0;
    }
  }
  return TD_OK;
}
