/*
 * td_depthwise_conv2d_packed.c - DEPTHWISE_CONV_2D with packed weights.
 *
 * Decodes the filter into `scratch` and runs td_depthwise_conv2d_s8 on it
 * (bit-exact with the int8 kernel; see td_conv2d_packed.c).
 */
#include "td_kernels.h"

td_status td_depthwise_conv2d_packed(const td_dwconv_packed_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch) {
  td_dwconv_params dw;
  td_status s;
  if (p == NULL || scratch == NULL) {
    return TD_ERR_ARG;
  }
  s = td_unpack_weights(&p->weights, scratch);
  if (s != TD_OK) {
    return s;
  }
  dw = p->dw;
  dw.filter = scratch;
  return td_depthwise_conv2d_s8(&dw, input, output);
}
