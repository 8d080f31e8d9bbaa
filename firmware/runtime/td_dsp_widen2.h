/*
 * td_dsp_widen2.h - the interleaved int16 columns of two pixels (td_conv2d_s8_dsp).
 *
 * td_widen2(a, b, col, quads, off2): `quads` (>= 1) groups of four int8 of runs a
 * and b, widened with the input offset (off2 in both halves) and quad-reordered
 * (td_dsp.h): per quad the words a:(x0,x2) a:(x1,x3) b:(x0,x2) b:(x1,x3), adjacent.
 * The C twin here; td_dsp_widen2_m4.h holds the assembly; the dispatch at the end
 * picks the assembly where it is built.
 */
#ifndef TD_DSP_WIDEN2_H
#define TD_DSP_WIDEN2_H

#include "td_dsp.h"

/* Columns of the two pixels are interleaved per quad: [q][pixel][2 words], so one
 * pointer walks both. */
#define TD_COL_STRIDE 4

TD_TWIN void td_widen2_c(const int8_t *a, const int8_t *b, uint32_t *col, int32_t quads,
                         uint32_t off2) {
  for (; quads > 0; --quads, a += 4, b += 4, col += TD_COL_STRIDE) {
    const uint32_t va = td_load32(a), vb = td_load32(b);
    col[0] = td_sxtab16(off2, va);
    col[1] = td_sxtab16_ror8(off2, va);
    col[2] = td_sxtab16(off2, vb);
    col[3] = td_sxtab16_ror8(off2, vb);
  }
}

#include "td_dsp_widen2_m4.h"

#if TD_DSP_ASM
#define td_widen2 td_widen2_m4
#else
#define td_widen2 td_widen2_c
#endif

#endif /* TD_DSP_WIDEN2_H */
