/*
 * td_quantize_f32_s8.c - QUANTIZE float32 -> int8 (model input edge).
 *
 * q = clamp(round(x / scale) + zero_point): float division and rounding half
 * away from zero, as TFLite's AffineQuantize does; no libm needed.
 */
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

td_status td_quantize_f32_s8(const td_affine_params *p, const float *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->scale == 0.0f) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    int32_t q = td_round_half_away(input[i] / p->scale) + p->zero_point;
    q = q < -128 ? -128 : (q > 127 ? 127 : q);
    output[i] = (int8_t)q;
  }
  return TD_OK;
}
