/*
 * td_dsp_records.h - every record of td_conv2d_s8_dsp's fast case with int16
 * weights: all channel pairs of two pixels.
 *
 * td_records(w, col, quads, args): records from w up to args->end (at least one;
 * each the two pre-scaled biases, 4 * quads weight words, m e h of both channels:
 * td_conv_dsp_params), col the interleaved columns of td_dsp_widen2.h over quads
 * (>= 1) quads; writes channels c, c+1 of the two pixels at args->o0 + c and
 * args->o1 + c. Requantization td_dsp_requant_mla (e >= 1, not wide, full range:
 * the caller's fast case), the assembly's four instructions.
 * The C twin here, td_dsp_records_m4.h holds the assembly; the dispatch at the end
 * picks it where it is built.
 */
#ifndef TD_DSP_RECORDS_H
#define TD_DSP_RECORDS_H

#include "td_dsp.h"
#include "td_dsp_block2x2.h" /* td_block2x2_c */

/* What td_records needs besides w, col and quads: the outputs of the two pixels and
 * where the records end. */
typedef struct {
  int8_t *o0, *o1;
  const uint32_t *end; /* past the last record */
} td_rec_args;

TD_TWIN void td_records_c(const uint32_t *w, const uint32_t *col, int32_t quads,
                          td_rec_args *args) {
  int8_t *o0 = args->o0, *o1 = args->o1;
  do {
    int32_t acc[4];
    const int32_t *rq;
    acc[0] = acc[2] = (int32_t)w[0];
    acc[1] = acc[3] = (int32_t)w[1];
    td_block2x2_c(w + 2, col, quads, acc);
    rq = (const int32_t *)(const void *)(w + 2 + 4 * quads);
    o0[1] = (int8_t)td_dsp_requant_mla(acc[1], rq[3], rq[4], rq[5]); /* the store order */
    o0[0] = (int8_t)td_dsp_requant_mla(acc[0], rq[0], rq[1], rq[2]);
    o1[1] = (int8_t)td_dsp_requant_mla(acc[3], rq[3], rq[4], rq[5]);
    o1[0] = (int8_t)td_dsp_requant_mla(acc[2], rq[0], rq[1], rq[2]);
    o0 += 2;
    o1 += 2;
    w += 8 + 4 * quads;
  } while (w != args->end);
}

#include "td_dsp_records_m4.h"

#if TD_DSP_ASM
#define td_records td_records_m4
#else
#define td_records td_records_c
#endif

#endif /* TD_DSP_RECORDS_H */
