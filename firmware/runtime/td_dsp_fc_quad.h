/*
 * td_dsp_fc_quad.h - four output channels at a time of td_fully_connected_s8_dsp's
 * fast case (int16 weights, e >= 1, not wide, full range).
 *
 * td_fc_quad(w, a): the records from w up to a->end (an even number, at least two;
 * the records of td_conv_dsp_params, 4 * quads + 8 words each) in pairs A, B: the
 * input row a->x (a->quads >= 1 whole quads, widened with a->off2) against both,
 * four int8 outputs per pair at a->o, a->o + 1, ... (A's c, c+1, then B's).
 * Requantization td_dsp_requant_mla, the assembly's four instructions.
 * td_fc_quad_w8 the same over records of int8 weights (2 * quads + 8 words: per quad
 * c's word, then c+1's, in input order, widened with SXTB16), the accumulators
 * doubled before the requantization (the compiler checked that range).
 * The C twins here, td_dsp_fc_quad_m4.h holds the assembly; the dispatch at the end
 * picks it where it is built.
 */
#ifndef TD_DSP_FC_QUAD_H
#define TD_DSP_FC_QUAD_H

#include "td_dsp.h"

/* What td_fc_quad needs besides the records. */
typedef struct {
  const int8_t *x;     /* the input row */
  int8_t *o;           /* output of the first channel */
  const uint32_t *end; /* past the last record handled here (an even number of them) */
  int32_t quads;       /* in_c / 4 (no partial quad) */
  uint32_t off2;       /* the input offset in both halves */
} td_fc_args;

TD_TWIN void td_fc_quad_c(const uint32_t *w, const td_fc_args *a) {
  const int32_t rec = 4 * a->quads + 8; /* words per record */
  int8_t *o = a->o;
  do {
    const uint32_t *wa = w + 2, *wb = w + rec + 2;
    const int8_t *x = a->x;
    int32_t acc[4], q, k;
    acc[0] = (int32_t)w[0];
    acc[1] = (int32_t)w[1];
    acc[2] = (int32_t)w[rec];
    acc[3] = (int32_t)w[rec + 1];
    for (q = 0; q < a->quads; ++q, x += 4, wa += 4, wb += 4) {
      const uint32_t v = td_load32(x);
      const uint32_t even = td_sxtab16(a->off2, v), odd = td_sxtab16_ror8(a->off2, v);
      acc[0] = td_smlad(wa[1], odd, td_smlad(wa[0], even, acc[0]));
      acc[1] = td_smlad(wa[3], odd, td_smlad(wa[2], even, acc[1]));
      acc[2] = td_smlad(wb[1], odd, td_smlad(wb[0], even, acc[2]));
      acc[3] = td_smlad(wb[3], odd, td_smlad(wb[2], even, acc[3]));
    }
    for (k = 0; k < 4; ++k) { /* m e h of A's two channels, then B's */
      const int32_t *rq = (const int32_t *)(const void *)((k < 2 ? wa : wb)) + 3 * (k & 1);
      o[k] = (int8_t)td_dsp_requant_mla(acc[k], rq[0], rq[1], rq[2]);
    }
    o += 4;
    w = wb + 6;
  } while (w != a->end);
}

TD_TWIN void td_fc_quad_w8_c(const uint32_t *w, const td_fc_args *a) {
  const int32_t rec = 2 * a->quads + 8; /* words per record */
  int8_t *o = a->o;
  do {
    const uint32_t *wa = w + 2, *wb = w + rec + 2;
    const int8_t *x = a->x;
    int32_t acc[4], q, k;
    acc[0] = (int32_t)w[0];
    acc[1] = (int32_t)w[1];
    acc[2] = (int32_t)w[rec];
    acc[3] = (int32_t)w[rec + 1];
    for (q = 0; q < a->quads; ++q, x += 4, wa += 2, wb += 2) {
      const uint32_t v = td_load32(x);
      const uint32_t even = td_sxtab16(a->off2, v), odd = td_sxtab16_ror8(a->off2, v);
      acc[0] = td_smlad(td_sxtb16_ror8(wa[0]), odd, td_smlad(td_sxtb16(wa[0]), even, acc[0]));
      acc[1] = td_smlad(td_sxtb16_ror8(wa[1]), odd, td_smlad(td_sxtb16(wa[1]), even, acc[1]));
      acc[2] = td_smlad(td_sxtb16_ror8(wb[0]), odd, td_smlad(td_sxtb16(wb[0]), even, acc[2]));
      acc[3] = td_smlad(td_sxtb16_ror8(wb[1]), odd, td_smlad(td_sxtb16(wb[1]), even, acc[3]));
    }
    for (k = 0; k < 4; ++k) { /* m e h of A's two channels, then B's */
      const int32_t *rq = (const int32_t *)(const void *)((k < 2 ? wa : wb)) + 3 * (k & 1);
      o[k] = (int8_t)td_dsp_requant_mla((int32_t)((uint32_t)acc[k] * 2u), rq[0], rq[1], rq[2]);
    }
    o += 4;
    w = wb + 6;
  } while (w != a->end);
}

#include "td_dsp_fc_quad_m4.h"

#if TD_DSP_ASM
#define td_fc_quad td_fc_quad_m4
#define td_fc_quad_w8 td_fc_quad_w8_m4
#else
#define td_fc_quad td_fc_quad_c
#define td_fc_quad_w8 td_fc_quad_w8_c
#endif

#endif /* TD_DSP_FC_QUAD_H */
