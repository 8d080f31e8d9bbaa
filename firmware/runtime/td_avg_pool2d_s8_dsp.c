/*
 * td_avg_pool2d_s8_dsp.c - AVERAGE_POOL_2D over the whole image (global average,
 * as in MLPerf Tiny's KWS and ResNet-8) with the 16-bit SIMD adds.
 *
 * Four channels at a time: one LDR per pixel, SXTAB16 and SXTAB16 with ROR #8
 * add channels (0, 2) and (1, 3) into int16 halves. At most 255 pixels keep
 * |sum| <= 255 * 128 < 2^15, so no half overflows; the compiler picks this kernel
 * only then (tinydeploy/compile/dsp.py). Rounding as the reference kernel: half
 * away from zero.
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_kernels.h"

static int8_t td_avg_out(int32_t sum, int32_t n, int32_t lo, int32_t hi) {
  const int32_t avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
  return (int8_t)(avg < lo ? lo : (avg > hi ? hi : avg));
}

td_status td_avg_pool2d_s8_dsp(const td_pool_params *p, const int8_t *input, int8_t *output) {
  const int32_t n = p == NULL ? 0 : p->in_h * p->in_w;
  int32_t c;
  if (p == NULL || input == NULL || output == NULL || p->batches != 1 || p->out_h != 1 ||
      p->out_w != 1 || p->filter_h != p->in_h || p->filter_w != p->in_w || p->pad_h != 0 ||
      p->pad_w != 0 || (p->channels & 3) != 0 || n <= 0 || n > 255) {
    return TD_ERR_ARG;
  }
  for (c = 0; c < p->channels; c += 4) {
    const int8_t *x = input + c;
    uint32_t even = 0, odd = 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
      const uint32_t v = td_load32(x);
      even = td_sxtab16(even, v);
      odd = td_sxtab16_ror8(odd, v);
      x += p->channels;
    }
    output[c] = td_avg_out((int16_t)(even & 0xFFFFu), n, p->act_min, p->act_max);
    output[c + 1] = td_avg_out((int16_t)(odd & 0xFFFFu), n, p->act_min, p->act_max);
    output[c + 2] = td_avg_out((int16_t)(even >> 16), n, p->act_min, p->act_max);
    output[c + 3] = td_avg_out((int16_t)(odd >> 16), n, p->act_min, p->act_max);
  }
  return TD_OK;
}
