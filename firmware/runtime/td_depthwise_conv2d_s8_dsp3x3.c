/*
 * td_depthwise_conv2d_s8_dsp3x3.c - DEPTHWISE_CONV_2D 3x3, stride 1, multiplier 1,
 * no dilation, with the 16-bit SIMD multiply-accumulate over vertical row pairs.
 *
 * Input rows 2j - pad_h and 2j + 1 - pad_h (pair j) are widened into ring slot
 * j & 1 as one word per channel and column: (upper, lower) int16 with the input
 * offset added, zeros outside the image. Output rows oy, oy + 1 (oy = 2j) read
 * pairs j and j + 1, i.e. rows x0 x1 x2 x3 as P = (x0, x1), Q = (x2, x3); per
 * filter column kx, with Wa = (w0, w1), Wb = (w1, w2) of that column:
 *   out(oy)     += Wa.P + w2 x2   (SMLAD + SMLATB)
 *   out(oy + 1) += w0 x1 + Wb.Q   (SMLABT + SMLAD)
 * One LDRD per column gives both slots; which slot holds P alternates with j
 * (flip). The loop runs over channels (records of bias, weights and
 * requantization, tinydeploy/compile/dsp.py), so tall narrow maps (KWS: 25 x 5)
 * pay no per-channel setup for each short output row. Rows oy, oy + 1 are
 * written after input rows up to oy + 3 - pad_h were widened (the compiler's
 * in-place distance for this kernel).
 * The inner routines are files of their own, each a plain-C twin (td_dsp_dw_*.h)
 * and its assembly for the DSP cores (td_dsp_dw_*_m4.h), the dispatch picking one:
 * td_dw_widen4 (widening four channels of a row pair), td_dw_vert22 (two output
 * columns) and td_dw_vert_px (one column) of the fast case.
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_dsp_dw_vert.h"
#include "td_dsp_dw_vert22.h"
#include "td_dsp_dw_widen4.h"
#include "td_kernels.h"

/* Widen pair j of every channel into its ring slot. */
static void td_dw_load_pair(const td_dwconv_dsp_params *p, const int8_t *input, uint32_t *ring,
                            int32_t j) {
  const int32_t ch = p->channels;
  const int32_t cs = 2 * p->plane_w; /* words from one channel's plane to the next */
  const int32_t ra = 2 * j - p->pad_h, rb = ra + 1;
  const int a_in = ra >= 0 && ra < p->in_h, b_in = rb >= 0 && rb < p->in_h;
  const uint32_t ma = a_in ? 0xFFFFFFFFu : 0u, mb = b_in ? 0xFFFFFFFFu : 0u;
  /* an absent row reads a present one (or the other) and is masked to zero */
  const int8_t *rowa = input + (a_in ? ra : (b_in ? rb : 0)) * p->in_w * ch;
  const int8_t *rowb = input + (b_in ? rb : (a_in ? ra : 0)) * p->in_w * ch;
  uint32_t *base = ring + 2 * p->pad_w + (j & 1);
  int32_t x, c;
  if (!a_in && !b_in) {
    for (c = 0; c < ch; ++c) {
      for (x = 0; x < p->in_w; ++x) {
        base[c * cs + 2 * x] = 0;
      }
    }
    return;
  }
  if ((ch & 3) == 0) {
    const uint32_t off2 = td_pair(p->input_offset, p->input_offset);
    for (c = 0; c < ch; c += 4) {
      if (a_in && b_in) {
        const td_widen4_args wa = {p->in_w, ch, 4 * cs, off2};
        if (p->in_w > 0) {
          td_dw_widen4(rowa + c, (int32_t)(rowb - rowa), base + c * cs, &wa);
        }
      } else {
        td_dw_widen_pair4(rowa + c, rowb + c, base + c * cs, p->in_w, ch, cs, off2, ma, mb, 1);
      }
    }
    return;
  }
  for (x = 0; x < p->in_w; ++x) {
    uint32_t *dst = base + 2 * x;
    for (c = 0; c < ch; ++c) {
      const uint32_t lo = (uint32_t)(rowa[c] + p->input_offset) & ma;
      const uint32_t hi = (uint32_t)(rowb[c] + p->input_offset) & mb;
      *dst = (lo & 0xFFFFu) | (hi << 16);
      dst += cs;
    }
    rowa += ch;
    rowb += ch;
  }
}

/* Any requantization (wide, e == 0, clamped activations): plain C over the records. */
TD_PATH_HELPER void td_dw_vert_px_any(const td_dwconv_dsp_params *p, const uint32_t *q, int8_t *o,
                                      int32_t second, int flip) {
  const int32_t *r = p->filter;
  const int32_t cs = 2 * p->plane_w;
  const int32_t full = p->act_min <= -128 && p->act_max >= 127;
  int32_t c;
  for (c = 0; c < p->channels; ++c, r += TD_DW_REC, q += cs, ++o) {
    const int32_t rq[4] = {r[7], r[8], r[9], r[8] > 0 ? -1 : 0};
    int32_t a0, a1;
    td_dw_taps(r, q, flip, &a0, &a1);
    o[second] =
        (int8_t)td_dsp_output(a1, rq, p->wide, p->output_offset, full, p->act_min, p->act_max);
    o[0] = (int8_t)td_dsp_output(a0, rq, p->wide, p->output_offset, full, p->act_min, p->act_max);
  }
}

static td_status td_dw_vert(const td_dwconv_dsp_params *p, const int8_t *input, int8_t *output,
                            uint32_t *ring) {
  const int fast = p->pos && !p->wide && p->act_min <= -128 && p->act_max >= 127;
  int32_t i, oy;
  for (i = 0; i < 2 * p->channels * p->plane_w; ++i) {
    ring[i] = 0;
  }
  td_dw_load_pair(p, input, ring, 0);
  for (oy = 0; oy < p->out_h; oy += 2) {
    const int flip = (oy >> 1) & 1;
    const int32_t second = oy + 1 < p->out_h ? p->out_w * p->channels : 0;
    int32_t ox;
    td_dw_load_pair(p, input, ring, (oy >> 1) + 1);
    ox = 0;
    if (fast) { /* pairs of columns, then a lone last column below */
      td_dw22_args a;
      a.end = p->filter + TD_DW_REC * p->channels;
      a.cs = 8 * p->plane_w;
      a.second = second;
      a.ch = p->channels;
      for (; ox + 1 < p->out_w; ox += 2) {
        int8_t *o = output + (oy * p->out_w + ox) * p->channels;
        if (flip) {
          td_dw_vert22_flip(p->filter, ring + 2 * ox, o, &a);
        } else {
          td_dw_vert22(p->filter, ring + 2 * ox, o, &a);
        }
      }
    }
    for (; ox < p->out_w; ++ox) {
      int8_t *o = output + (oy * p->out_w + ox) * p->channels;
      if (fast) {
        td_dw_vert_px(p->filter, p->filter + TD_DW_REC * p->channels, ring + 2 * ox, 2 * p->plane_w,
                      o, second, flip);
      } else if (TD_DW_DSP_SLOW) {
        td_dw_vert_px_any(p, ring + 2 * ox, o, second, flip);
      }
    }
  }
  return TD_OK;
}

td_status td_depthwise_conv2d_s8_dsp3x3(const td_dwconv_dsp_params *p, const int8_t *input,
                                        int8_t *output, int8_t *scratch) {
  /* a layer needing the slow path that td_features.h left out is refused */
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->filter == NULL ||
      !p->vert || p->filter_h != 3 || p->filter_w != 3 || p->stride_h != 1 || p->stride_w != 1 ||
      p->plane_w < p->out_w + 2 || ((uintptr_t)scratch & 3u) != 0 ||
      (!TD_DW_DSP_SLOW && !(p->pos && !p->wide && p->act_min <= -128 && p->act_max >= 127))) {
    return TD_ERR_ARG;
  }
  return td_dw_vert(p, input, output, (uint32_t *)(void *)scratch);
}
