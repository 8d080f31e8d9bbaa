/*
 * td_cumsum_s8.c - CUMSUM of an int8 tensor along one axis (exclusive, reverse).
 *
 * TFLite Micro's int8 CumSum: each input (plus the offset) shifted left by 20 bits and
 * scaled by 1/2 (the common scale is twice the input scale), accumulated in int32 from
 * the scaled offset (TFLite seeds the sum with it, as ADD_N does), and each partial sum
 * requantized to the output scale and clamped to int8. A scaled element is below
 * 2^28; the sum is kept in uint32_t so that a long axis wraps as TFLite's int32 sum does
 * on two's complement cores instead of overflowing (undefined in C).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

static int32_t td_cumsum_scale(const td_cumsum_params *p, int32_t x) {
  const int32_t shifted = td_shl_wrap(x + p->input_offset, (int)p->left_shift);
  return td_rdivpot(td_srdhm(shifted, p->input_multiplier), (int)-p->input_shift);
}

td_status td_cumsum_s8(const td_cumsum_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  int32_t a;
  int32_t k;
  if (p == NULL || input == NULL || output == NULL || p->input_shift > 0 || p->output_shift > 0 ||
      p->depth < 1) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->before; ++b) {
    for (a = 0; a < p->after; ++a) {
      uint32_t sum = (uint32_t)td_cumsum_scale(p, 0);
      for (k = 0; k < p->depth; ++k) {
        const int32_t d = p->reverse ? p->depth - 1 - k : k;
        const int32_t index = (b * p->depth + d) * p->after + a;
        const uint32_t scaled = (uint32_t)td_cumsum_scale(p, input[index]);
        int32_t out;
        if (!p->exclusive) {
          sum += scaled;
        }
        out = td_rdivpot(td_srdhm((int32_t)sum, p->output_multiplier), (int)-p->output_shift) +
              p->output_offset;
        if (p->exclusive) {
          sum += scaled;
        }
        output[index] = (int8_t)td_clamp32(out, -128, 127);
      }
    }
  }
  return TD_OK;
}
