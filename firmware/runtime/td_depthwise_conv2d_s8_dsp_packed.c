/*
 * td_depthwise_conv2d_s8_dsp_packed.c - DEPTHWISE_CONV_2D with packed weights on the
 * SIMD kernel: the widened weights rebuilt into `weights` scratch by
 * td_unpack_records, then td_depthwise_conv2d_s8_dsp.
 */
#include "td_kernels.h"

td_status td_depthwise_conv2d_s8_dsp_packed(const td_dwconv_dsp_packed_params *p,
                                            const int8_t *input, int8_t *output, int8_t *scratch,
                                            int8_t *weights) {
  td_dwconv_dsp_params dw;
  int32_t *records = (int32_t *)(void *)weights;
  td_status s;
  if (p == NULL || weights == NULL) {
    return TD_ERR_ARG;
  }
  s = td_unpack_records(&p->records, records, weights + 4 * p->records.words);
  if (s != TD_OK) {
    return s;
  }
  dw = p->dw;
  dw.filter = records;
  return td_depthwise_conv2d_s8_dsp(&dw, input, output, scratch);
}
