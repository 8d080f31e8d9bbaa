/*
 * td_pad_s8.c - PAD / PADV2 over 4-D int8 tensors with a constant value.
 */
#include "td_kernels.h"

td_status td_pad_s8(const td_pad_params *p, const int8_t *input, int8_t *output) {
  int32_t a;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  for (a = 0; a < p->out_shape[0]; ++a) {
    const int32_t ia = a - p->before[0];
    int32_t b;
    for (b = 0; b < p->out_shape[1]; ++b) {
      const int32_t ib = b - p->before[1];
      int32_t c;
      for (c = 0; c < p->out_shape[2]; ++c) {
        const int32_t ic = c - p->before[2];
        const int inside = ia >= 0 && ia < p->in_shape[0] && ib >= 0 && ib < p->in_shape[1] &&
                           ic >= 0 && ic < p->in_shape[2];
        const int8_t *row =
            input + ((ia * p->in_shape[1] + ib) * p->in_shape[2] + ic) * p->in_shape[3];
        int32_t d;
        for (d = 0; d < p->out_shape[3]; ++d) {
          const int32_t id = d - p->before[3];
          if (inside && id >= 0 && id < p->in_shape[3]) {
            *output++ = row[id];
          } else {
            *output++ = (int8_t)p->pad_value;
          }
        }
      }
    }
  }
  return TD_OK;
}
