/*
 * td_logical_not_b8.c - LOGICAL_NOT of a bool tensor (one byte an element, 0 or 1 out).
 * LOGICAL_AND's params with bc.dims == 0; only bc.size is used.
 */
#include "td_kernels.h"

td_status td_logical_not_b8(const td_logical_params *p, const uint8_t *input, uint8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->op != TD_LOGICAL_NOT) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    output[i] = (uint8_t)(input[i] == 0);
  }
  return TD_OK;
}
