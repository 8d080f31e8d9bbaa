/*
 * td_max_pool2d_s8_dsp.c - MAX_POOL_2D, int8, four channels per word.
 *
 * SSUB8 sets one GE flag per byte lane where a >= b and SEL then takes a there, b
 * elsewhere: a signed per-byte max in two instructions, exact. The activation
 * clamp is the same pair against the packed bounds. Channels must be a multiple of
 * 4 (the compiler picks this kernel only then: tinydeploy/compile/dsp.py). Loop
 * order: each output pixel's four channels read their whole window before they
 * are written, so the in-place distance the compiler planned for the reference
 * kernel (which writes one channel after its own window) still holds.
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_kernels.h"

static uint32_t td_splat8(int32_t v) { return 0x01010101u * (uint32_t)(uint8_t)v; }

td_status td_max_pool2d_s8_dsp(const td_pool_params *p, const int8_t *input, int8_t *output) {
  uint32_t lo, hi;
  int full;
  int32_t b;
  if (p == NULL || input == NULL || output == NULL || (p->channels & 3) != 0) {
    return TD_ERR_ARG;
  }
  lo = td_splat8(p->act_min);
  hi = td_splat8(p->act_max);
  full = p->act_min <= -128 && p->act_max >= 127;
  for (b = 0; b < p->batches; ++b) {
    const int8_t *image = input + b * p->in_h * p->in_w * p->channels;
    const int32_t row = p->in_w * p->channels;
    int32_t out_y;
    for (out_y = 0; out_y < p->out_h; ++out_y) {
      const int32_t in_y0 = out_y * p->stride_h - p->pad_h;
      const int32_t fy0 = in_y0 < 0 ? -in_y0 : 0;
      const int32_t fy1 = p->filter_h < p->in_h - in_y0 ? p->filter_h : p->in_h - in_y0;
      int32_t out_x;
      for (out_x = 0; out_x < p->out_w; ++out_x) {
        const int32_t in_x0 = out_x * p->stride_w - p->pad_w;
        const int32_t fx0 = in_x0 < 0 ? -in_x0 : 0;
        const int32_t fx1 = p->filter_w < p->in_w - in_x0 ? p->filter_w : p->in_w - in_x0;
        const int8_t *corner = image + (in_y0 + fy0) * row + (in_x0 + fx0) * p->channels;
        int32_t c;
        for (c = 0; c < p->channels; c += 4) {
          uint32_t m = 0x80808080u; /* -128 in every lane, as the reference starts */
          const int8_t *r = corner + c;
          int32_t fy;
          for (fy = fy0; fy < fy1; ++fy, r += row) {
            const int8_t *q = r;
            int32_t fx;
            for (fx = fx0; fx < fx1; ++fx, q += p->channels) {
              m = td_max8x4(m, td_load32(q));
            }
          }
          if (!full) {
            m = td_min8x4(td_max8x4(m, lo), hi);
          }
          memcpy(output, &m, 4);
          output += 4;
        }
      }
    }
  }
  return TD_OK;
}
