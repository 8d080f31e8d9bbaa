/*
 * td_depthwise_conv2d_s8_dsp3x3_packed.c - 3x3 stride-1 DEPTHWISE_CONV_2D with packed
 * weights on the vertical-pair SIMD kernel: its records (bias, widened weights,
 * requantization per channel) rebuilt into `weights` scratch by td_unpack_records,
 * then td_depthwise_conv2d_s8_dsp3x3.
 */
#include "td_kernels.h"

td_status td_depthwise_conv2d_s8_dsp3x3_packed(const td_dwconv_dsp_packed_params *p,
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
  dw.filter = records; /* one record array: the kernel reads all three from it */
  dw.bias = records;
  dw.requant = records;
  return td_depthwise_conv2d_s8_dsp3x3(&dw, input, output, scratch);
}
