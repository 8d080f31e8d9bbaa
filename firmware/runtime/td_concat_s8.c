/*
 * td_concat_s8.c - CONCATENATION, int8 (inputs share the output's quantization).
 */
#include "td_kernels.h"

td_status td_concat_s8(const td_concat_params *p, const int8_t *const *inputs, int8_t *output) {
  int32_t o;
  if (p == NULL || inputs == NULL || output == NULL || p->copy_bytes == NULL) {
    return TD_ERR_ARG;
  }
  for (o = 0; o < p->outer; ++o) {
    int32_t i;
    for (i = 0; i < p->num_inputs; ++i) {
      const int32_t n = p->copy_bytes[i];
      const int8_t *src = inputs[i] + o * n;
      int32_t k;
      for (k = 0; k < n; ++k) {
        *output++ = src[k];
      }
    }
  }
  return TD_OK;
}
