/*
 * td_dsp_record2x2_w8.h - one record of td_conv2d_s8_dsp's fast case with int8
 * weights (dsp-small): channels c, c+1 of two pixels.
 *
 * td_record2x2_w8(w, x, quads, o0, o1): w is the record (the two biases, two int8
 * weight words per quad, m e h of both channels: td_conv_dsp_params), x the
 * interleaved columns; stores the four outputs at (*o0)[0..1], (*o1)[0..1], advances
 * both by 2 and returns the next record. Requantization td_dsp_requant_pos (e >= 1,
 * not wide, full range: the caller's fast case). quads >= 0.
 * The C twin here, td_dsp_record2x2_w8_m4.h holds the assembly; the dispatch at the
 * end picks it where it is built.
 */
#ifndef TD_DSP_RECORD2X2_W8_H
#define TD_DSP_RECORD2X2_W8_H

#include "td_dsp.h"
#include "td_dsp_block2x2.h" /* td_block2x2_w8 */

TD_TWIN const uint32_t *td_record2x2_w8_c(const uint32_t *w, const uint32_t *x, int32_t quads,
                                          int8_t **o0, int8_t **o1) {
  int32_t acc[4], y[4];
  const int32_t *rq;
  acc[0] = acc[2] = (int32_t)w[0];
  acc[1] = acc[3] = (int32_t)w[1];
  td_block2x2_w8(w + 2, x, quads, acc, 1);
  rq = (const int32_t *)(const void *)(w + 2 + 2 * quads);
  y[0] = td_dsp_requant_pos(acc[0], rq[0], rq[1], rq[2]);
  y[1] = td_dsp_requant_pos(acc[1], rq[3], rq[4], rq[5]);
  y[2] = td_dsp_requant_pos(acc[2], rq[0], rq[1], rq[2]);
  y[3] = td_dsp_requant_pos(acc[3], rq[3], rq[4], rq[5]);
  (*o0)[1] = (int8_t)y[1]; /* the assembly's store order */
  (*o0)[0] = (int8_t)y[0];
  (*o1)[1] = (int8_t)y[3];
  (*o1)[0] = (int8_t)y[2];
  *o0 += 2;
  *o1 += 2;
  return w + 8 + 2 * quads;
}

#include "td_dsp_record2x2_w8_m4.h"

#if TD_DSP_ASM
#define td_record2x2_w8 td_record2x2_w8_m4
#else
#define td_record2x2_w8 td_record2x2_w8_c
#endif

#endif /* TD_DSP_RECORD2X2_W8_H */
