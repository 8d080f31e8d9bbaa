/*
 * td_select_v2.c - SELECT_V2: output = cond ? x : y, values of itemsize bytes (int8, int16,
 * float32: the types TFLite Micro's kernel takes), bool condition, the three inputs
 * broadcast to the output shape.
 *
 * TFLite Micro copies the raw values of x and y (no requantization), so this kernel does
 * too. Output elements are written in increasing order after their inputs are read.
 */
#include "td_kernels.h"

td_status td_select_v2(const td_select_params *p, const uint8_t *cond, const void *x, const void *y,
                       void *output) {
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t i;
  int32_t d;
  int32_t oc = 0;
  int32_t ox = 0;
  int32_t oy = 0;
  if (p == NULL || cond == NULL || x == NULL || y == NULL || output == NULL || p->dims < 0 ||
      p->dims > TD_KMAX_DIMS || (p->itemsize != 1 && p->itemsize != 2 && p->itemsize != 4)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    if (p->dims == 0) {
      oc = ox = oy = i;
    }
    /* the element's own width: one load and one store */
    if (p->itemsize == 1) {
      ((int8_t *)output)[i] = cond[oc] ? ((const int8_t *)x)[ox] : ((const int8_t *)y)[oy];
    } else if (p->itemsize == 2) {
      ((int16_t *)output)[i] = cond[oc] ? ((const int16_t *)x)[ox] : ((const int16_t *)y)[oy];
    } else {
      ((int32_t *)output)[i] = cond[oc] ? ((const int32_t *)x)[ox] : ((const int32_t *)y)[oy];
    }
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
