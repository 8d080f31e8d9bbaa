/*
 * td_fully_connected_s8_dsp_packed.c - FULLY_CONNECTED with packed weights on the
 * SIMD kernel: the records rebuilt into `weights` scratch (td_unpack_records),
 * then td_fully_connected_s8_dsp.
 */
#include "td_kernels.h"

td_status td_fully_connected_s8_dsp_packed(const td_conv_dsp_packed_params *p, const int8_t *input,
                                           int8_t *output, int8_t *weights) {
  td_conv_dsp_params fc;
  int32_t *records = (int32_t *)(void *)weights;
  td_status s;
  if (p == NULL || weights == NULL) {
    return TD_ERR_ARG;
  }
  s = td_unpack_records(&p->records, records, weights + 4 * p->records.words);
  if (s != TD_OK) {
    return s;
  }
  fc = p->conv;
  fc.filter = records;
  return td_fully_connected_s8_dsp(&fc, input, output);
}
