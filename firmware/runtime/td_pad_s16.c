/*
 * td_pad_s16.c - PAD / PADV2 of 16x8 models over 4-D int16 tensors with a constant value (0
 * for PAD: TFLite Micro pads int16 with 0, not the zero point).
 */
#include "td_kernels.h"

td_status td_pad_s16(const td_pad_params *p, const int16_t *input, int16_t *output) {
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
        const int16_t *row =
            input + ((ia * p->in_shape[1] + ib) * p->in_shape[2] + ic) * p->in_shape[3];
        int32_t d;
        for (d = 0; d < p->out_shape[3]; ++d) {
          const int32_t id = d - p->before[3];
          if (inside && id >= 0 && id < p->in_shape[3]) {
            *output++ = row[id];
          } else {
            *output++ = (int16_t)p->pad_value;
          }
        }
      }
    }
  }
  return TD_OK;
}
