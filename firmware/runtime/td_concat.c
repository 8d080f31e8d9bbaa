/*
 * td_concat.c - PACK and CONCATENATION of any element type: raw bytes, as TFLite Micro
 * copies them (int8 inputs share the output's quantization, int16 ones have zero points
 * of 0; the compiler checks).
 *
 * For each of the `outer` blocks, the next copy_bytes[i] bytes of each input i in turn
 * (the compiler counts bytes: elements times their size). The inputs must not overlap
 * the output.
 */
#include <string.h>

#include "td_kernels.h"

td_status td_concat(const td_concat_params *p, const void *const *inputs, void *output) {
  uint8_t *out = (uint8_t *)output;
  int32_t o;
  int32_t i;
  if (p == NULL || inputs == NULL || output == NULL || p->copy_bytes == NULL) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->num_inputs; ++i) {
    if (inputs[i] == NULL) {
      return TD_ERR_ARG;
    }
  }
  for (o = 0; o < p->outer; ++o) {
    for (i = 0; i < p->num_inputs; ++i) {
      const int32_t n = p->copy_bytes[i];
      memcpy(out, (const uint8_t *)inputs[i] + (size_t)o * (size_t)n, (size_t)n);
      out += n;
    }
  }
  return TD_OK;
}
