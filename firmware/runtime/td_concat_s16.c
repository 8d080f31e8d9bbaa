/*
 * td_concat_s16.c - CONCATENATION of 16x8 models, int16: copy_bytes counts elements; TFLite Micro
 * copies int16 inputs as they are (zero points 0), whatever their scales.
 */
#include "td_kernels.h"

td_status td_concat_s16(const td_concat_params *p, const int16_t *const *inputs, int16_t *output) {
  int32_t o;
  if (p == NULL || inputs == NULL || output == NULL || p->copy_bytes == NULL) {
    return TD_ERR_ARG;
  }
  for (o = 0; o < p->outer; ++o) {
    int32_t i;
    for (i = 0; i < p->num_inputs; ++i) {
      const int32_t n = p->copy_bytes[i];
      const int16_t *src = inputs[i] + o * n;
      int32_t k;
      for (k = 0; k < n; ++k) {
        *output++ = src[k];
      }
    }
  }
  return TD_OK;
}
