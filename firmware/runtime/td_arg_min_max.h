/*
 * td_arg_min_max.h - internal: the body of ARG_MAX and ARG_MIN of an int8 tensor along
 * one axis, int32 indices, for td_arg_max_s8.c and td_arg_min_s8.c, which define
 * TD_AM_NAME and TD_AM_BEATS(v, best) (a strict comparison) before including it.
 *
 * TFLite Micro compares the raw int8 values (the scale is positive, so the order of the
 * raw values is the order of the real ones) strictly: on ties the first index along
 * the axis wins. Each output element is written after all of its inputs are read, in
 * increasing order, so the output may overlap the input (the compiler checks where).
 */
#include "td_kernels.h"

td_status TD_AM_NAME(const td_arg_min_max_params *p, const int8_t *input, int32_t *output) {
  int32_t o;
  int32_t i;
  int32_t a;
  if (p == NULL || input == NULL || output == NULL || p->axis_size < 1) {
    return TD_ERR_ARG;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *base = input + o * p->axis_size * p->inner;
    for (i = 0; i < p->inner; ++i) {
      int8_t best = base[i];
      int32_t index = 0;
      for (a = 1; a < p->axis_size; ++a) {
        const int8_t v = base[a * p->inner + i];
        if (TD_AM_BEATS(v, best)) {
          best = v;
          index = a;
        }
      }
      *output++ = index;
    }
  }
  return TD_OK;
}

#undef TD_AM_NAME
#undef TD_AM_BEATS
