/*
 * td_mean_s8_dsp.c - MEAN over height and width of [batches][h][w][channels]
 * int8 (Keras' GlobalAveragePooling2D), four channels per word.
 *
 * SXTAB16 and SXTAB16 with ROR #8 add the channels (0, 2) and (1, 3) of a word
 * into int16 halves; blocks of at most 255 pixels keep |sum| <= 255 * 128 < 2^15,
 * and each block is then added to int32 totals. The totals are the reference
 * kernel's exact sums, requantized the same way (td_mean_s8.c). Channels must be a
 * multiple of 4 (tinydeploy/compile/dsp.py checks). Each group of four outputs
 * is written after its whole column is read: the reference's in-place distance holds.
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_fixedpoint.h"
#include "td_kernels.h"

#define TD_MEAN_BLOCK 255

static int8_t td_mean_out(const td_mean_params *p, int32_t sum) {
  const int32_t out =
      td_mbqm(sum - p->input_zero_point * p->count, p->multiplier, p->shift) + p->output_zero_point;
  return (int8_t)td_clamp32(out, -128, 127);
}

td_status td_mean_s8_dsp(const td_mean_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL || p->reduced[0] || !p->reduced[1] ||
      !p->reduced[2] || p->reduced[3] || (p->in_shape[3] & 3) != 0) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->in_shape[0]; ++b) {
    const int32_t channels = p->in_shape[3];
    const int32_t pixels = p->in_shape[1] * p->in_shape[2];
    const int8_t *image = input + b * pixels * channels;
    int32_t c;
    for (c = 0; c < channels; c += 4) {
      const int8_t *x = image + c;
      int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int32_t left = pixels;
      while (left > 0) {
        const int32_t n = left < TD_MEAN_BLOCK ? left : TD_MEAN_BLOCK;
        uint32_t even = 0, odd = 0;
        int32_t i;
        for (i = 0; i < n; ++i, x += channels) {
          const uint32_t v = td_load32(x);
          even = td_sxtab16(even, v);
          odd = td_sxtab16_ror8(odd, v);
        }
        s0 += (int16_t)(even & 0xFFFFu);
        s1 += (int16_t)(odd & 0xFFFFu);
        s2 += (int16_t)(even >> 16);
        s3 += (int16_t)(odd >> 16);
        left -= n;
      }
      output[0] = td_mean_out(p, s0);
      output[1] = td_mean_out(p, s1);
      output[2] = td_mean_out(p, s2);
      output[3] = td_mean_out(p, s3);
      output += 4;
    }
  }
  return TD_OK;
}
