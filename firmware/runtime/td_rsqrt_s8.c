/*
 * td_rsqrt_s8.c - RSQRT, int8.
 *
 * TFLite Micro's RsqrtEvalQuantized: v = input - zero point; v == 0 gives 127 (the
 * largest output); else 1 / sqrt(v) as a multiplier and shift (td_inv_sqrt.h),
 * applied to 1 with 20 bits of headroom, then requantized with 1 / (sqrt(input
 * scale) * output scale) and 20 bits less, plus the output zero point, saturated.
 * A negative v is an error, as in TFLite Micro (RSQRT is undefined there).
 */
#include "td_inv_sqrt.h"
#include "td_kernels.h"

td_status td_rsqrt_s8(const td_requantize_params *p, const int8_t *input, int8_t *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || p->shift > 30 + 20) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t v = input[i] - p->input_zero_point;
    int32_t m;
    int32_t s;
    int32_t out;
    if (v < 0) {
      return TD_ERR_ARG;
    }
    if (v == 0) {
      output[i] = 127;
      continue;
    }
    td_inv_sqrt(v, &m, &s);
    out = td_mbqm(td_mbqm(1, m, s + 20), p->multiplier, p->shift - 20) + p->output_zero_point;
    output[i] = (int8_t)td_clamp32(out, -128, 127);
  }
  return TD_OK;
}
