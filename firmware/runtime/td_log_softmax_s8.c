/*
 * td_log_softmax_s8.c - LOG_SOFTMAX over the last dimension, int8 -> int8 (output
 * scale 16/256, zero point 127).
 *
 * TFLite's LogSoftmaxQuantized: per row the largest input; the differences to it
 * (from diff_min up) scaled to Q5.26 and exponentiated (gemmlowp's
 * exp_on_negative_values), summed in Q12.19; the log of the sum in Q5.26
 * (log_x_for_x_greater_than_or_equal_to_1, below); each output is (scaled diff -
 * log sum) rounded to Q4 steps plus 127, or -128 where the difference is below the
 * range the log sum leaves.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* log(x) for x >= 1 given in Q12.19, result in Q5.26: TFLite's
 * log_x_for_x_greater_than_or_equal_to_1_impl<5, 12>, accumulating in Q6.25. The
 * input is read as Q0.31 and normalised to r in [sqrt(1/2), 1) two ways (with and
 * without a sqrt(1/2) factor); a rational approximation of log(r) around
 * sqrt(sqrt(1/2)) plus the power of two times log(2) gives the result. */
static int32_t td_log_q12_to_q5(int32_t input) {
  const int32_t log_2 = 1488522236;
  const int32_t sqrt_sqrt_half = 1805811301;
  const int32_t sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297;
  const int32_t alpha_d = 127690142;
  const int32_t alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t shifted_quarter = td_rdivpot(536870912, 6); /* 1/4 in Q6.25 */
  const int za_headroom_plus_1 = td_clz32((uint32_t)input);
  const int32_t r_a_tmp =
      za_headroom_plus_1 - 1 > 0 ? td_sat_shl(input, za_headroom_plus_1 - 1) : input;
  const int32_t r_a = td_sat_shl(td_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t za_pow = td_sat_shl(12 - za_headroom_plus_1, 31 - 6);
  const int64_t za_adj64 = (int64_t)za_pow + shifted_quarter;
  const int32_t za_adj =
      (int32_t)(za_adj64 > INT32_MAX ? INT32_MAX : (za_adj64 < INT32_MIN ? INT32_MIN : za_adj64));
  const int32_t zb = td_srdhm(input, sqrt_half);
  const int zb_headroom = td_clz32((uint32_t)zb) - 1;
  const int32_t r_b = zb_headroom > 0 ? td_sat_shl(input, zb_headroom) : input;
  const int32_t zb_pow = td_sat_shl(12 - zb_headroom, 31 - 6);
  const int64_t zb_adj64 = (int64_t)zb_pow - shifted_quarter;
  const int32_t zb_adj =
      (int32_t)(zb_adj64 > INT32_MAX ? INT32_MAX : (zb_adj64 < INT32_MIN ? INT32_MIN : zb_adj64));
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t z_pow_2_adj = za_adj > zb_adj ? za_adj : zb_adj;
  const int32_t p = td_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = r - sqrt_sqrt_half;
  int32_t common_sq;
  int32_t num;
  int32_t denom_minus_one;
  int32_t recip_denom;
  q = q + q;
  common_sq = td_srdhm(q, q);
  num = td_srdhm(q, r) + td_srdhm(td_srdhm(q, common_sq), alpha_n);
  denom_minus_one = td_srdhm(p, alpha_i + q + td_srdhm(alpha_d, common_sq)) + td_srdhm(alpha_f, q);
  recip_denom = td_one_over_one_plus_x(denom_minus_one);
  /* Q6.25 sum, rescaled to Q5.26 with a saturating doubling */
  return td_sat_shl(td_srdhm(z_pow_2_adj, log_2) + td_srdhm(td_rdivpot(num, 6), recip_denom), 1);
}

td_status td_log_softmax_s8(const td_log_softmax_params *p, const int8_t *input, int8_t *output) {
  int32_t o;
  int32_t k;
  if (p == NULL || input == NULL || output == NULL || p->depth < 1) {
    return TD_ERR_ARG;
  }
  for (o = 0; o < p->outer; ++o) {
    const int8_t *row = input + (size_t)o * (size_t)p->depth;
    int8_t *out = output + (size_t)o * (size_t)p->depth;
    int32_t max_in_row = INT8_MIN;
    int32_t sum_q12 = 0; /* Q12.19: safe from overflow for 2^12 elements */
    int32_t log_sum_q5;
    int32_t adjusted_diff_min;
    for (k = 0; k < p->depth; ++k) {
      max_in_row = row[k] > max_in_row ? row[k] : max_in_row;
    }
    for (k = 0; k < p->depth; ++k) {
      const int32_t diff = row[k] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t diff_q5 = td_mbqm(diff, p->input_multiplier, p->input_left_shift);
        sum_q12 += td_rdivpot(td_exp_on_negative(diff_q5, 5), 12); /* Q0.31 -> Q12.19 */
      }
    }
    log_sum_q5 = td_log_q12_to_q5(sum_q12);
    /* the smallest Q5.26 value plus the log sum, back on the input's scale */
    adjusted_diff_min =
        td_mbqm(log_sum_q5 + INT32_MIN, p->reverse_scaling_divisor, p->reverse_scaling_shift);
    if (p->diff_min - 1 > adjusted_diff_min) {
      adjusted_diff_min = p->diff_min - 1;
    }
    /* every input is read (max, sum) before any output is written: rows may overlap */
    for (k = 0; k < p->depth; ++k) {
      const int32_t diff = row[k] - max_in_row;
      if (diff > adjusted_diff_min) { /* '>' here, '>=' above, as in TFLite */
        const int32_t diff_q5 = td_mbqm(diff, p->input_multiplier, p->input_left_shift);
        const int32_t v = td_rdivpot(diff_q5 - log_sum_q5, 31 - 5 - 4) + 127;
        out[k] = (int8_t)td_clamp32(v, -128, 127);
      } else {
        out[k] = -128;
      }
    }
  }
  return TD_OK;
}
