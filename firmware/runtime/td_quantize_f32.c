/*
 * td_quantize_f32.c - QUANTIZE float32 -> int8 or int16 (p->itemsize; a model input edge).
 *
 * q = clamp(round(x / scale) + zero_point): float division and rounding half
 * away from zero, as TFLite's AffineQuantize does, clamped to the output type; no libm
 * needed.
 */
#include "td_elem.h"
#include "td_kernels.h"

static int32_t td_round_half_away(float v) {
  int32_t t;
  float frac;
  if (!(v == v)) {
    return 0; /* NaN */
  }
  if (v > 1.0e9f) {
    return 1000000000;
  }
  if (v < -1.0e9f) {
    return -1000000000;
  }
  t = (int32_t)v;         /* truncates toward zero */
  frac = v - (float)t;    /* exact: |v| < 2^30 */
  if (frac >= 0.5f) {
    ++t;
  } else if (frac <= -0.5f) {
    --t;
  }
  return t;
}

td_status td_quantize_f32(const td_affine_params *p, const float *input, void *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->scale == 0.0f ||
      (p->itemsize != 1 && p->itemsize != 2)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    td_elem_store_sat(output, p->itemsize, i,
                      td_round_half_away(input[i] / p->scale) + p->zero_point);
  }
  return TD_OK;
}
