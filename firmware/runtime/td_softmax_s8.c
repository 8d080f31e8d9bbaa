/*
 * td_softmax_s8.c - SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128).
 *
 * TFLite's integer algorithm: per row, differences to the row maximum are
 * rescaled to Q5.26 (beta and the input scale folded into one multiplier),
 * exponentiated with gemmlowp's fixed-point exp, summed in Q12.19, and each
 * exp multiplied by the fixed-point reciprocal of the sum. Differences below
 * diff_min underflow to an output of -128.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* MultiplyByQuantizedMultiplierGreaterThanOne: left shift, then high multiply. */
static int32_t td_softmax_rescale(int32_t diff, const td_softmax_params *p) {
  return td_srdhm(td_shl_wrap(diff, (int)p->input_left_shift), p->input_multiplier);
}

td_status td_softmax_s8(const td_softmax_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->depth <= 0) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->outer; ++i) {
    const int8_t *in = input + i * p->depth;
    int8_t *out = output + i * p->depth;
    int32_t max_in_row = -128;
    int32_t sum_of_exps = 0; /* Q12.19 */
    int32_t headroom_plus_one;
    int32_t num_bits_over_unit;
    int32_t shifted_sum_minus_one;
    int32_t shifted_scale;
    int32_t exponent;
    int32_t c;
    for (c = 0; c < p->depth; ++c) {
      max_in_row = td_max32(max_in_row, in[c]);
    }
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t e = td_exp_on_negative(td_softmax_rescale(diff, p), 5);
        sum_of_exps += td_rdivpot(e, 12); /* Q0.31 -> Q12.19 */
      }
    }
    /* Reciprocal of the sum, normalised to [1, 2) and inverted in fixed point. */
    headroom_plus_one = td_clz32((uint32_t)sum_of_exps);
    num_bits_over_unit = 12 - headroom_plus_one;
    shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31));
    shifted_scale = td_one_over_one_plus_x(shifted_sum_minus_one);
    exponent = num_bits_over_unit + 31 - 8;
    if (exponent < 0 || exponent > 31) {
      return TD_ERR_ARG;
    }
    /* Reads of in[c] precede the write of out[c]: in-place safe. */
    for (c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t e = td_exp_on_negative(td_softmax_rescale(diff, p), 5);
        const int32_t unsat = td_rdivpot(td_srdhm(shifted_scale, e), (int)exponent);
        out[c] = (int8_t)td_clamp32(unsat - 128, -128, 127);
      } else {
        out[c] = -128;
      }
    }
  }
  return TD_OK;
}
