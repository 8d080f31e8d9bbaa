/*
 * td_reduce4.h - internal: the body of a reduction over any set of axes of a 4-D tensor
 * (td_mean_params: in_shape and reduced), output-major, so no scratch buffer is needed
 * and each output is written after all of its inputs are read.
 *
 * Included by one kernel's .c file after it defines:
 *   TD_R4_NAME          the function's name
 *   TD_R4_IN, TD_R4_OUT element types of the input and the output
 *   TD_R4_ACC           the accumulator's type, TD_R4_START its initial value
 *   TD_R4_ADD(acc, v)   folds element v into acc
 *   TD_R4_END(acc)      the output element (may read p)
 * It defines the function and undefines the macros.
 */
#include "td_kernels.h"

td_status TD_R4_NAME(const td_mean_params *p, const TD_R4_IN *input, TD_R4_OUT *output) {
  int32_t stride[4];
  int32_t keep[4];
  int32_t red[4];
  int32_t i0;
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
  for (i0 = 0; i0 < keep[0]; ++i0) {
    int32_t i1;
    for (i1 = 0; i1 < keep[1]; ++i1) {
      int32_t i2;
      for (i2 = 0; i2 < keep[2]; ++i2) {
        int32_t i3;
        for (i3 = 0; i3 < keep[3]; ++i3) {
          const TD_R4_IN *base = input + i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3;
          TD_R4_ACC acc = TD_R4_START;
          int32_t r0;
          for (r0 = 0; r0 < red[0]; ++r0) {
            int32_t r1;
            for (r1 = 0; r1 < red[1]; ++r1) {
              int32_t r2;
              for (r2 = 0; r2 < red[2]; ++r2) {
                int32_t r3;
                for (r3 = 0; r3 < red[3]; ++r3) {
                  const TD_R4_IN v = base[r0 * stride[0] + r1 * stride[1] + r2 * stride[2] + r3];
                  TD_R4_ADD(acc, v);
                }
              }
            }
          }
          *output++ = TD_R4_END(acc);
        }
      }
    }
  }
  return TD_OK;
}

#undef TD_R4_NAME
#undef TD_R4_IN
#undef TD_R4_OUT
#undef TD_R4_ACC
#undef TD_R4_START
#undef TD_R4_ADD
#undef TD_R4_END
