/*
 * td_conv2d_s8_dsp_packed.c - CONV_2D with packed weights on the SIMD kernel.
 *
 * Rebuilds the records (td_unpack_records) into `weights` scratch, then runs
 * td_conv2d_s8_dsp on them: its speed and results, with the flash of packed weights.
 */
#include "td_kernels.h"

td_status td_conv2d_s8_dsp_packed(const td_conv_dsp_packed_params *p, const int8_t *input,
                                  int8_t *output, int8_t *scratch, int8_t *weights) {
  td_conv_dsp_params conv;
  int32_t *records = (int32_t *)(void *)weights;
  td_status s;
  if (p == NULL || weights == NULL) {
    return TD_ERR_ARG;
  }
  s = td_unpack_records(&p->records, records, weights + 4 * p->records.words);
  if (s != TD_OK) {
    return s;
  }
  conv = p->conv;
  conv.filter = records;
  return td_conv2d_s8_dsp(&conv, input, output, scratch);
}
