/*
 * td_leaky_relu.h - internal: LEAKY_RELU's body for td_leaky_relu_s8.c and
 * td_leaky_relu_s16.c, which define TD_LR_NAME, TD_LR_T (the element type) and
 * TD_LR_MIN / TD_LR_MAX (its range) before including it.
 *
 * TFLite's QuantizeLeakyRelu: x = input - zero point; x >= 0 is requantized with
 * input_scale / output_scale, x < 0 with alpha * input_scale / output_scale. A
 * negative alpha gives a negative multiplier: the product is formed with its
 * magnitude and negated afterwards (MultiplyByQuantizedMultiplier needs m >= 0),
 * so the rounding is that of |alpha|.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status TD_LR_NAME(const td_leaky_relu_params *p, const TD_LR_T *input, TD_LR_T *output) {
  int32_t i;
  int32_t alpha_m;
  int negative;
  if (p == NULL || input == NULL || output == NULL || p->shift_identity > 30 ||
      p->shift_alpha > 30 || p->multiplier_alpha == INT32_MIN) {
    return TD_ERR_ARG;
  }
  negative = p->multiplier_alpha < 0;
  alpha_m = negative ? -p->multiplier_alpha : p->multiplier_alpha;
  for (i = 0; i < p->size; ++i) {
    const int32_t x = input[i] - p->input_zero_point;
    int32_t v = p->output_zero_point;
    if (x >= 0) {
      v += td_mbqm(x, p->multiplier_identity, p->shift_identity);
    } else {
      const int32_t scaled = td_mbqm(x, alpha_m, p->shift_alpha);
      v += negative ? -scaled : scaled;
    }
    output[i] = (TD_LR_T)td_clamp32(v, TD_LR_MIN, TD_LR_MAX);
  }
  return TD_OK;
}

#undef TD_LR_NAME
#undef TD_LR_T
#undef TD_LR_MIN
#undef TD_LR_MAX
