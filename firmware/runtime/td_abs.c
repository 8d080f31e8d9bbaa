/*
 * td_abs.c - ABS of quantized int8 or int16 tensors (p->in_itemsize; the output has the
 * same type).
 *
 * TFLite Micro: |input - input zero point| requantized to the output scale plus
 * the output zero point, saturated to the type. With equal scales TFLite Micro skips
 * the multiply; the compiler then passes the identity multiplier (2^30, shift 1),
 * which gives the same value exactly.
 */
#include "td_elem.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_abs(const td_requantize_params *p, const void *input, void *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->shift > 30 ||
      (p->in_itemsize != 1 && p->in_itemsize != 2) || p->out_itemsize != p->in_itemsize) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t x = td_elem_load(input, p->in_itemsize, i) - p->input_zero_point;
    const int32_t v = td_mbqm(x < 0 ? -x : x, p->multiplier, p->shift) + p->output_zero_point;
    td_elem_store_sat(output, p->out_itemsize, i, v);
  }
  return TD_OK;
}
