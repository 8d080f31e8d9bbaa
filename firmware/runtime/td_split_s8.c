/*
 * td_split_s8.c - SPLIT / SPLIT_V / UNPACK, int8: the inverse of CONCATENATION.
 *
 * For each of the `outer` blocks, output k receives the next copy_bytes[k] bytes
 * of the input. Values are copied, never requantized.
 */
#include <string.h>

#include "td_kernels.h"

td_status td_split_s8(const td_split_params *p, const int8_t *input, int8_t *const *outputs) {
  int32_t o;
  int32_t k;
  if (p == NULL || input == NULL || outputs == NULL || p->copy_bytes == NULL) {
    return TD_ERR_ARG;
  }
  for (k = 0; k < p->num_outputs; ++k) {
    if (outputs[k] == NULL) {
      return TD_ERR_ARG;
    }
  }
  for (o = 0; o < p->outer; ++o) {
    for (k = 0; k < p->num_outputs; ++k) {
      const int32_t n = p->copy_bytes[k];
      memcpy(outputs[k] + (size_t)o * (size_t)n, input, (size_t)n);
      input += n;
    }
  }
  return TD_OK;
}
