/*
 * td_logical_b8.c - LOGICAL_AND / LOGICAL_OR of bool tensors, with broadcasting.
 *
 * bool tensors are one byte an element; TFLite writes 0 or 1, and any non-zero byte is
 * read as true (C's bool conversion), so the output is always 0 or 1.
 */
#include "td_broadcast.h"
#include "td_kernels.h"

td_status td_logical_b8(const td_logical_params *p, const uint8_t *input1, const uint8_t *input2,
                        uint8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL ||
      (p->op != TD_LOGICAL_AND && p->op != TD_LOGICAL_OR) || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int a;
    int b;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    a = input1[o1] != 0;
    b = input2[o2] != 0;
    output[i] = (uint8_t)(p->op == TD_LOGICAL_AND ? (a && b) : (a || b));
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
