/*
 * td_minmax.c - MAXIMUM / MINIMUM of int8, int16 or int32 tensors, with broadcasting.
 *
 * The larger (p->op TD_MINMAX_MAXIMUM) or smaller of the two raw values, as TFLite
 * Micro computes it for each of these types: no requantization (the converter gives
 * both inputs and the output one scale). One kernel for the three element sizes.
 */
#include "td_broadcast.h"
#include "td_kernels.h"

static int32_t td_minmax_load(const void *base, int32_t itemsize, int32_t i) {
  if (itemsize == 1) {
    return ((const int8_t *)base)[i];
  }
  if (itemsize == 2) {
    return ((const int16_t *)base)[i];
  }
  return ((const int32_t *)base)[i];
}

td_status td_minmax(const td_minmax_params *p, const void *input1, const void *input2,
                    void *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS || (p->op != TD_MINMAX_MAXIMUM && p->op != TD_MINMAX_MINIMUM) ||
      (p->itemsize != 1 && p->itemsize != 2 && p->itemsize != 4)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int32_t a;
    int32_t b;
    int32_t v;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    a = td_minmax_load(input1, p->itemsize, o1);
    b = td_minmax_load(input2, p->itemsize, o2);
    v = (p->op == TD_MINMAX_MAXIMUM) == (a > b) ? a : b;
    /* the value fits the element: it is one of the inputs */
    if (p->itemsize == 1) {
      ((int8_t *)output)[i] = (int8_t)v;
    } else if (p->itemsize == 2) {
      ((int16_t *)output)[i] = (int16_t)v;
    } else {
      ((int32_t *)output)[i] = v;
    }
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
