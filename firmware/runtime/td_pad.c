/*
 * td_pad.c - PAD / PADV2 over 4-D int8 or int16 tensors with a constant value (int16: 0 for
 * PAD, as TFLite Micro pads int16 with 0, not the zero point; the compiler sets it).
 *
 * Elements of p->itemsize bytes, written in output order. Each output element's source
 * lies at or after it when the compiler places the output before the input in one
 * buffer, so it is read before anything overwrites it.
 */
#include "td_kernels.h"

td_status td_pad(const td_pad_params *p, const void *input, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const int32_t size = p == NULL ? 0 : p->itemsize;
  const uint16_t value = p == NULL ? 0 : (uint16_t)p->pad_value; /* its low bytes, little-endian */
  int32_t a;
  if (p == NULL || input == NULL || output == NULL || (size != 1 && size != 2)) {
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
        const uint8_t *row =
            in + ((ia * p->in_shape[1] + ib) * p->in_shape[2] + ic) * p->in_shape[3] * size;
        int32_t d;
        for (d = 0; d < p->out_shape[3]; ++d) {
          const int32_t id = d - p->before[3];
          if (inside && id >= 0 && id < p->in_shape[3]) {
            const uint8_t *src = row + id * size;
            out[0] = src[0];
            if (size == 2) {
              out[1] = src[1];
            }
          } else {
            out[0] = (uint8_t)value;
            if (size == 2) {
              out[1] = (uint8_t)(value >> 8);
            }
          }
          out += size;
        }
      }
    }
  }
  return TD_OK;
}
