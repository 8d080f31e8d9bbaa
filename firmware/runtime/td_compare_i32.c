/*
 * td_compare_i32.c - EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL of int32
 * tensors (ARG_MAX indices against a label, ...), with broadcasting; bool output.
 *
 * TFLite compares int32 values as they are (ComparisonsPrepare rescales int8 only), so
 * only bc and cmp of the params are used.
 */
#include "td_broadcast.h"
#include "td_compare.h"
#include "td_kernels.h"

td_status td_compare_i32(const td_compare_params *p, const int32_t *input1, const int32_t *input2,
                         uint8_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->cmp < 0 ||
      p->cmp > TD_CMP_GREATER_EQUAL || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    output[i] = td_cmp_holds(p->cmp, input1[o1], input2[o2]);
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
