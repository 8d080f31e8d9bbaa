/*
 * td_reduce_all_b8.c - REDUCE_ALL over any set of axes of a 4-D bool tensor.
 *
 * 1 where every reduced element is non-zero (TFLite's bool is one byte, 0 or 1), else 0;
 * no reduced axis copies the input. MEAN's params; only in_shape and reduced are used.
 * Output-major, like td_reduce_min_s8: each output is written after its inputs are read.
 */
#include "td_kernels.h"

td_status td_reduce_all_b8(const td_mean_params *p, const uint8_t *input, uint8_t *output) {
  int32_t stride[4];
  int32_t keep[4];
  int32_t red[4];
  int32_t i[4];
  int32_t r[4];
  int32_t k;
  if (p == NULL || input == NULL || output == NULL) {
    return TD_ERR_ARG;
  }
  stride[3] = 1;
  for (k = 2; k >= 0; --k) {
    stride[k] = stride[k + 1] * p->in_shape[k + 1];
  }
  for (k = 0; k < 4; ++k) {
    keep[k] = p->reduced[k] ? 1 : p->in_shape[k];
    red[k] = p->reduced[k] ? p->in_shape[k] : 1;
  }
  for (i[0] = 0; i[0] < keep[0]; ++i[0]) {
    for (i[1] = 0; i[1] < keep[1]; ++i[1]) {
      for (i[2] = 0; i[2] < keep[2]; ++i[2]) {
        for (i[3] = 0; i[3] < keep[3]; ++i[3]) {
          const uint8_t *base =
              input + i[0] * stride[0] + i[1] * stride[1] + i[2] * stride[2] + i[3];
          uint8_t all = 1;
          for (r[0] = 0; r[0] < red[0]; ++r[0]) {
            for (r[1] = 0; r[1] < red[1]; ++r[1]) {
              for (r[2] = 0; r[2] < red[2]; ++r[2]) {
                for (r[3] = 0; r[3] < red[3]; ++r[3]) {
                  all &= base[r[0] * stride[0] + r[1] * stride[1] + r[2] * stride[2] + r[3]] != 0;
                }
              }
            }
          }
          *output++ = all;
        }
      }
    }
  }
  return TD_OK;
}
