/*
 * td_hard_swish_s8.c - HARD_SWISH, int8: x * relu6(x + 3) / 6.
 *
 * TFLite's reference HardSwish in 16-bit fixed point, step for step:
 *  1. x = input - zero point, on a 2^7 finer scale ("hires", |x| * 128 < 2^15);
 *  2. x on the output scale before the final shift: a rounding doubling high
 *     multiply (Q0.15) by output_multiplier;
 *  3. the "reluish" factor: x rescaled so that 3.0 is 2^15, saturating, in
 *     [-1, 1], then mapped to [0, 1] as (v + 2^15) >> 1;
 *  4. their product with a doubling high multiply that truncates toward zero
 *     (not rounding: it cancels the bias of step 2), then the output shift with
 *     round-half-away-from-zero, the zero point, and saturation to int8.
 * All intermediates are int16 values held in int32.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* gemmlowp's SaturatingRoundingDoublingHighMul on int16 values. */
static int32_t td_srdhm16(int32_t a, int32_t b) {
  int32_t ab;
  if (a == b && a == INT16_MIN) {
    return INT16_MAX;
  }
  ab = a * b;
  /* C division truncates toward zero, as the reference's does */
  return (ab + (ab >= 0 ? (1 << 14) : (1 - (1 << 14)))) / (1 << 15);
}

/* SQDMULH: the doubling high multiply rounding toward zero. */
static int32_t td_sdhm16(int32_t a, int32_t b) {
  if (a == b && a == INT16_MIN) {
    return INT16_MAX;
  }
  return (int32_t)(int16_t)((a * b) / (1 << 15));
}

/* int16 saturating value * 2^amount. */
static int32_t td_sat_shl16(int32_t value, int amount) {
  return td_clamp32(value * (1 << amount), INT16_MIN, INT16_MAX);
}

td_status td_hard_swish_s8(const td_hard_swish_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->output_exponent > 0 ||
      p->output_exponent < -15 || p->reluish_exponent > 15 || p->reluish_exponent < -15) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t hires = (input[i] - p->input_zero_point) * (1 << 7);
    const int32_t preshift = td_srdhm16(hires, p->output_multiplier);
    int32_t reluish = hires;
    int32_t out;
    /* shift left one bit less than needed, saturating, so that any saturation that
     * matters happens in the last shift, after the multiply */
    if (p->reluish_exponent > 0) {
      reluish = td_sat_shl16(reluish, (int)p->reluish_exponent - 1);
    }
    reluish = td_srdhm16(reluish, p->reluish_multiplier);
    if (p->reluish_exponent > 0) {
      reluish = td_sat_shl16(reluish, 1);
    }
    if (p->reluish_exponent < 0) {
      reluish = td_rdivpot(reluish, (int)-p->reluish_exponent);
    }
    reluish = (reluish + (1 << 15)) >> 1; /* [-1, 1] -> [0, 1] */
    out = td_rdivpot(td_sdhm16(reluish, preshift), (int)-p->output_exponent);
    out = (int32_t)(int16_t)(out + p->output_zero_point);
    output[i] = (int8_t)td_clamp32(out, -128, 127);
  }
  return TD_OK;
}
