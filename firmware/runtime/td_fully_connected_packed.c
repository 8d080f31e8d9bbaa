/*
 * td_fully_connected_packed.c - FULLY_CONNECTED with packed weights.
 *
 * Decodes the weights into `scratch` and runs td_fully_connected_s8 on them
 * (bit-exact with the int8 kernel; see td_conv2d_packed.c).
 */
#include "td_kernels.h"

td_status td_fully_connected_packed(const td_fc_packed_params *p, const int8_t *input,
                                    int8_t *output, int8_t *scratch) {
  td_fc_params fc;
  td_status s;
  if (p == NULL || scratch == NULL) {
    return TD_ERR_ARG;
  }
  s = td_unpack_weights(&p->weights, scratch);
  if (s != TD_OK) {
    return s;
  }
  fc = p->fc;
  fc.filter = scratch;
  return td_fully_connected_s8(&fc, input, output);
}
