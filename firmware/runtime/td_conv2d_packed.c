/*
 * td_conv2d_packed.c - CONV_2D with packed weights (4-bit, lookup table, sparse).
 *
 * Decodes the filter into `scratch` (filter-size bytes, planned by the compiler
 * in the arena) and runs the int8 reference kernel on it: the same arithmetic
 * as td_conv2d_s8, bit for bit, for flash that holds 2-8x fewer weight bytes.
 */
#include "td_kernels.h"

td_status td_conv2d_packed(const td_conv_packed_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch) {
  td_conv_params conv;
  td_status s;
  if (p == NULL || scratch == NULL) {
    return TD_ERR_ARG;
  }
  s = td_unpack_weights(&p->weights, scratch);
  if (s != TD_OK) {
    return s;
  }
  conv = p->conv;
  conv.filter = scratch;
  return td_conv2d_s8(&conv, input, output);
}
