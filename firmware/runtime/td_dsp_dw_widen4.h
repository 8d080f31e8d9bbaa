/*
 * td_dsp_dw_widen4.h - four channels of two input rows widened into the vertical
 * pairs of td_depthwise_conv2d_s8_dsp3x3's ring.
 *
 * td_dw_widen_pair4 (C only) reads rows pa, pb (masks ma, mb zero a row outside the
 * image); td_dw_widen4(pa, b_minus_a, d, a) is its unmasked case, row b at a fixed
 * offset from row a, a->n >= 1 columns: per column the words (a0, b0) .. (a3, b3) of
 * channels c .. c+3 at d, d + cs, d + 2 cs, d + 3 cs (cs = a->cs bytes), d advancing
 * by two words per column.
 * The C twin here, td_dsp_dw_widen4_m4.h holds the assembly; the dispatch at the end
 * picks it where it is built.
 */
#ifndef TD_DSP_DW_WIDEN4_H
#define TD_DSP_DW_WIDEN4_H

#include "td_dsp.h"

/* Four channels of rows a and b (masks ma, mb: zero for a row outside the image)
 * down the row: (a0 a2) (a1 a3) (b0 b2) (b1 b3) from SXTAB16, recombined into
 * (a0, b0) .. (a3, b3), one word per channel plane (planes cs words apart). */
TD_INLINE void td_dw_widen_pair4(const int8_t *pa, const int8_t *pb, uint32_t *d, int32_t n,
                                 int32_t ch, int32_t cs, uint32_t off2, uint32_t ma, uint32_t mb,
                                 int masked) {
  /* two plane pointers with cs as the offset, and a down-counter: few enough live
   * values that nothing is spilled in the loop */
  uint32_t *d2 = d + 2 * cs;
  for (; n > 0; --n) {
    const uint32_t va = td_load32(pa), vb = td_load32(pb);
    uint32_t ea = td_sxtab16(off2, va), oa = td_sxtab16_ror8(off2, va);
    uint32_t eb = td_sxtab16(off2, vb), ob = td_sxtab16_ror8(off2, vb);
    if (masked) {
      ea &= ma;
      oa &= ma;
      eb &= mb;
      ob &= mb;
    }
    d[cs] = td_pkhbt16(oa, ob);
    d[0] = td_pkhbt16(ea, eb);
    d2[cs] = td_pkhtb16(ob, oa);
    d2[0] = td_pkhtb16(eb, ea);
    d += 2;
    d2 += 2;
    pa += ch;
    pb += ch;
  }
}

/* What td_dw_widen4 needs besides the rows and the ring. */
typedef struct {
  int32_t n;      /* columns */
  int32_t ch;     /* bytes from one input column to the next */
  int32_t cs;     /* bytes from one channel plane to the next */
  uint32_t off2;  /* the input offset in both halves */
} td_widen4_args;

TD_TWIN void td_dw_widen4_c(const int8_t *pa, int32_t b_minus_a, uint32_t *d,
                            const td_widen4_args *a) {
  td_dw_widen_pair4(pa, pa + b_minus_a, d, a->n, a->ch, a->cs / 4, a->off2, 0xFFFFFFFFu,
                    0xFFFFFFFFu, 0);
}

#include "td_dsp_dw_widen4_m4.h"

#if TD_DSP_ASM
#define td_dw_widen4 td_dw_widen4_m4
#else
#define td_dw_widen4 td_dw_widen4_c
#endif

#endif /* TD_DSP_DW_WIDEN4_H */
