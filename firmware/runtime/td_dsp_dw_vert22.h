/*
 * td_dsp_dw_vert22.h - two output columns (ox, ox + 1) of every channel of
 * td_depthwise_conv2d_s8_dsp3x3's fast case, rows oy and oy + 1.
 *
 * td_dw_vert22(r, q, o, a) and td_dw_vert22_flip (the upper row pair in the other
 * ring slot): the records of td_dsp_dw_vert.h from r up to a->end (at least one),
 * the ring words of column ox at q (the four columns ox .. ox + 3 feed both outputs;
 * a->cs bytes from one channel to the next), outputs at o (row oy, column ox),
 * o + a->ch (column ox + 1), o + a->second (row oy + 1; 0 for a lone last row, so
 * row oy is written last) and o + a->second + a->ch. Requantization
 * td_dsp_requant_mla, the assembly's four instructions.
 * The C twins here, td_dsp_dw_vert22_m4.h holds the assembly; the dispatch at the
 * end picks it where it is built.
 */
#ifndef TD_DSP_DW_VERT22_H
#define TD_DSP_DW_VERT22_H

#include "td_dsp.h"
#include "td_dsp_dw_vert.h" /* td_dw_taps, TD_DW_REC */

/* What td_dw_vert22 needs besides records, ring and output. */
typedef struct {
  const int32_t *end; /* past the last record */
  int32_t cs;         /* bytes from one channel's ring plane to the next */
  int32_t second;     /* bytes from output row oy to oy + 1 (0: a lone last row) */
  int32_t ch;         /* bytes from output column ox to ox + 1 (the channel count) */
} td_dw22_args;

TD_INLINE void td_dw_vert22_any(const int32_t *r, const uint32_t *q, int8_t *o,
                                const td_dw22_args *a, int flip) {
  const int32_t cs = a->cs / 4, second = a->second, ch = a->ch;
  do {
    int32_t a0, a1, b0, b1;
    td_dw_taps(r, q, flip, &a0, &a1);     /* column ox */
    td_dw_taps(r, q + 2, flip, &b0, &b1); /* column ox + 1 */
    o[second + ch] = (int8_t)td_dsp_requant_mla(b1, r[7], r[8], r[9]); /* the store order */
    o[ch] = (int8_t)td_dsp_requant_mla(b0, r[7], r[8], r[9]);
    o[second] = (int8_t)td_dsp_requant_mla(a1, r[7], r[8], r[9]);
    o[0] = (int8_t)td_dsp_requant_mla(a0, r[7], r[8], r[9]);
    r += TD_DW_REC;
    q += cs;
    ++o;
  } while (r != a->end);
}

TD_TWIN void td_dw_vert22_c(const int32_t *r, const uint32_t *q, int8_t *o, const td_dw22_args *a) {
  td_dw_vert22_any(r, q, o, a, 0);
}

TD_TWIN void td_dw_vert22_c_flip(const int32_t *r, const uint32_t *q, int8_t *o,
                                 const td_dw22_args *a) {
  td_dw_vert22_any(r, q, o, a, 1);
}

#include "td_dsp_dw_vert22_m4.h"

#if TD_DSP_ASM
#define td_dw_vert22 td_dw_vert22_m4
#define td_dw_vert22_flip td_dw_vert22_m4_flip
#else
#define td_dw_vert22 td_dw_vert22_c
#define td_dw_vert22_flip td_dw_vert22_c_flip
#endif

#endif /* TD_DSP_DW_VERT22_H */
