/*
 * td_requantize.c - QUANTIZE between int8, int16 and int32 tensors (change of scale and
 * zero point; p->in_itemsize and p->out_itemsize give the element types).
 *
 * TFLite's Requantize: (x - input zero point) times the scale ratio (QuantizeMultiplier
 * of input_scale / output_scale, MultiplyByQuantizedMultiplier), plus the output zero
 * point, saturated to the output type.
 */
#include "td_elem.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_requantize(const td_requantize_params *p, const void *input, void *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || !td_elem_size_ok(p->in_itemsize) ||
      !td_elem_size_ok(p->out_itemsize)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t x = td_elem_load(input, p->in_itemsize, i) - p->input_zero_point;
    const int32_t q = td_mbqm(x, p->multiplier, p->shift) + p->output_zero_point;
    td_elem_store_sat(output, p->out_itemsize, i, q);
  }
  return TD_OK;
}
