/*
 * td_dsp_block2x2.h - the 2x2 multiply-accumulate block of td_conv2d_s8_dsp: two
 * output channels by two pixels over `quads` (>= 0) input quads.
 *
 * td_block2x2(w, x, quads, acc): w holds per quad the words c:(w0,w2) c:(w1,w3)
 * c+1:(w0,w2) c+1:(w1,w3), x the interleaved columns of td_dsp_widen2.h; acc is
 * a00 a01 a10 a11 (pixel, channel), accumulated with SMLAD's wrap-around.
 * td_block2x2_w8 is the same over int8 weight words (two per quad: c then c+1, in
 * input order, widened with SXTB16), the accumulators shifted left by dbl at the
 * end: 1 doubles them as the pre-scaled int16 weights would give them (the compiler
 * checked that range), 0 leaves them as a wide layer's weights scaled by 1 give
 * them. The C twins here, td_dsp_block2x2_m4.h holds the assembly; the dispatch at
 * the end picks it where it is built.
 */
#ifndef TD_DSP_BLOCK2X2_H
#define TD_DSP_BLOCK2X2_H

#include "td_dsp.h"
#include "td_dsp_widen2.h" /* TD_COL_STRIDE */

TD_INLINE void td_block2x2_c(const uint32_t *w, const uint32_t *x, int32_t quads, int32_t *acc) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  for (; quads > 0; --quads) {
    const uint32_t w0a = w[0], w0b = w[1], w1a = w[2], w1b = w[3];
    uint32_t xa = x[0], xb = x[1];
    a00 = td_smlad(w0a, xa, a00);
    a00 = td_smlad(w0b, xb, a00);
    a01 = td_smlad(w1a, xa, a01);
    a01 = td_smlad(w1b, xb, a01);
    xa = x[2];
    xb = x[3];
    a10 = td_smlad(w0a, xa, a10);
    a10 = td_smlad(w0b, xb, a10);
    a11 = td_smlad(w1a, xa, a11);
    a11 = td_smlad(w1b, xb, a11);
    w += 4;
    x += TD_COL_STRIDE;
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

TD_TWIN void td_block2x2_w8_c(const uint32_t *w, const uint32_t *x, int32_t quads, int32_t *acc,
                              int32_t dbl) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  for (; quads > 0; --quads) {
    const uint32_t w0a = td_sxtb16(w[0]), w0b = td_sxtb16_ror8(w[0]);
    const uint32_t w1a = td_sxtb16(w[1]), w1b = td_sxtb16_ror8(w[1]);
    a00 = td_smlad(w0a, x[0], a00);
    a00 = td_smlad(w0b, x[1], a00);
    a01 = td_smlad(w1a, x[0], a01);
    a01 = td_smlad(w1b, x[1], a01);
    a10 = td_smlad(w0a, x[2], a10);
    a10 = td_smlad(w0b, x[3], a10);
    a11 = td_smlad(w1a, x[2], a11);
    a11 = td_smlad(w1b, x[3], a11);
    w += 2;
    x += TD_COL_STRIDE;
  }
  acc[0] = (int32_t)((uint32_t)a00 << dbl);
  acc[1] = (int32_t)((uint32_t)a01 << dbl);
  acc[2] = (int32_t)((uint32_t)a10 << dbl);
  acc[3] = (int32_t)((uint32_t)a11 << dbl);
}

#include "td_dsp_block2x2_m4.h"

#if TD_DSP_ASM
#define td_block2x2 td_block2x2_m4
#define td_block2x2_w8 td_block2x2_w8_m4
#else
#define td_block2x2 td_block2x2_c
#define td_block2x2_w8 td_block2x2_w8_c
#endif

#endif /* TD_DSP_BLOCK2X2_H */
