/*
 * td_minmax.c - MAXIMUM / MINIMUM of int8, int16 or int32 tensors, with broadcasting.
 *
 * The larger (p->op TD_MINMAX_MAXIMUM) or smaller of the two raw values, as TFLite
 * Micro computes it for each of these types: no requantization (the converter gives
 * both inputs and the output one scale). One kernel for the three element sizes.
 */
#include "td_broadcast.h"
#include "td_elem.h"
#include "td_kernels.h"

td_status td_minmax(const td_minmax_params *p, const void *input1, const void *input2,
                    void *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->bc.dims < 0 ||
      p->bc.dims > TD_KMAX_DIMS || (p->op != TD_MINMAX_MAXIMUM && p->op != TD_MINMAX_MINIMUM) ||
      !td_elem_size_ok(p->itemsize)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int32_t a;
    int32_t b;
    int32_t v;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    a = td_elem_load(input1, p->itemsize, o1);
    b = td_elem_load(input2, p->itemsize, o2);
    v = (p->op == TD_MINMAX_MAXIMUM) == (a > b) ? a : b;
    td_elem_store_sat(output, p->itemsize, i, v); /* one of the inputs: it fits */
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
