/*
 * td_lut_s8.c - a 256-entry lookup table over int8 values (ELU).
 *
 * TFLite Micro evaluates some activations through a table that its Prepare fills in
 * float for every int8 input; the compiler computes the same table
 * (tinydeploy/compile/quant.py) and the kernel only looks values up.
 */
#include "td_kernels.h"

td_status td_lut_s8(const td_lut_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->table == NULL) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    output[i] = p->table[(uint8_t)input[i]]; /* indexed by the value's two's complement byte */
  }
  return TD_OK;
}
