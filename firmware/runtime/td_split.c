/*
 * td_split.c - SPLIT / SPLIT_V / UNPACK of any element type: the inverse of
 * CONCATENATION.
 *
 * For each of the `outer` blocks, output k receives the next copy_bytes[k] bytes of the
 * input (the compiler counts bytes: elements times their size). Values are copied,
 * never requantized.
 */
#include <string.h>

#include "td_kernels.h"

td_status td_split(const td_split_params *p, const void *input, void *const *outputs) {
  const uint8_t *in = (const uint8_t *)input;
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
      memcpy((uint8_t *)outputs[k] + (size_t)o * (size_t)n, in, (size_t)n);
      in += n;
    }
  }
  return TD_OK;
}
