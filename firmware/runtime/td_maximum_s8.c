/*
 * td_maximum_s8.c - MAXIMUM, int8, with broadcasting.
 *
 * The larger of the two raw int8 values, as TFLite Micro computes it: no
 * requantization (the converter gives both inputs and the output one scale).
 */
#include "td_broadcast.h"
#include "td_kernels.h"

td_status td_maximum_s8(const td_minmax_params *p, const int8_t *input1, const int8_t *input2,
                        int8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int8_t a;
    int8_t b;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    a = input1[o1];
    b = input2[o2];
    output[i] = a > b ? a : b;
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
