/*
 * td_dsp_dw_vert.h - one output column of td_depthwise_conv2d_s8_dsp3x3's fast case
 * (e >= 1, not wide, full range): every channel's outputs of rows oy, oy + 1.
 *
 * td_dw_vert_px(r, end, q, cs, o, second, flip): the channel records from r up to
 * end (at least one; TD_DW3X3_RECORD_WORDS words each: bias, (w0, w1) (w1, w2) of
 * filter columns 0..2, m, e, h), the ring words of the column at q (cs words from
 * one channel to the next; flip: which ring slot holds the upper row pair), the
 * outputs at o[c] (row oy) and o[c + second] (row oy + 1; second == 0 for a lone last
 * row, written first so row oy wins). Requantization td_dsp_requant_mla, the
 * assembly's four instructions. td_dw_taps (C only) gives one channel's two
 * accumulators.
 * The C twin here, td_dsp_dw_vert_m4.h holds the assembly; the dispatch at the end
 * picks it where it is built.
 */
#ifndef TD_DSP_DW_VERT_H
#define TD_DSP_DW_VERT_H

#include "td_dsp.h"
#include "td_params.h" /* TD_DW3X3_RECORD_WORDS */

#define TD_DW_REC TD_DW3X3_RECORD_WORDS

/* One channel's two outputs in C from its record r and ring words q (the layout the
 * assembly below reads): a0 for row oy, a1 for row oy + 1, before requantization. */
TD_INLINE void td_dw_taps(const int32_t *r, const uint32_t *q, int flip, int32_t *a0p,
                          int32_t *a1p) {
  const uint32_t *w = (const uint32_t *)(const void *)r + 1;
  int32_t a0 = r[0], a1 = r[0], kx;
  for (kx = 0; kx < 3; ++kx) {
    const uint32_t u = q[2 * kx + flip], v = q[2 * kx + 1 - flip];
    a0 = td_smlad(w[2 * kx], u, a0);
    a1 = td_smlabt(w[2 * kx], u, a1);
    a0 = td_smlatb(w[2 * kx + 1], v, a0);
    a1 = td_smlad(w[2 * kx + 1], v, a1);
  }
  *a0p = a0;
  *a1p = a1;
}

TD_TWIN void td_dw_vert_px_c(const int32_t *r, const int32_t *end, const uint32_t *q, int32_t cs,
                             int8_t *o, int32_t second, int flip) {
  do {
    int32_t a0, a1;
    td_dw_taps(r, q, flip, &a0, &a1);
    o[second] = (int8_t)td_dsp_requant_mla(a1, r[7], r[8], r[9]);
    o[0] = (int8_t)td_dsp_requant_mla(a0, r[7], r[8], r[9]);
    r += TD_DW_REC;
    q += cs;
    ++o;
  } while (r != end);
}

#include "td_dsp_dw_vert_m4.h"

#if TD_DSP_ASM
#define td_dw_vert_px td_dw_vert_px_m4
#else
#define td_dw_vert_px td_dw_vert_px_c
#endif

#endif /* TD_DSP_DW_VERT_H */
