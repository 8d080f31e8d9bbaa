/*
 * td_fully_connected_s8_dsp.c - FULLY_CONNECTED with the 16-bit SIMD
 * multiply-accumulate (SMLAD), without a scratch buffer.
 *
 * The weights are the records of td_conv2d_s8_dsp (pre-widened, quad-reordered
 * pairs of output channels with their biases and requantization); the int8 input
 * row is widened on the fly: one LDR of four inputs, SXTAB16 and SXTAB16 with
 * ROR #8 give (x0, x2) (x1, x3) with the input offset added, and SMLADs fold them
 * into the channels (four channels per widening in td_fc_quad, td_dsp_fc_quad.h,
 * assembly on the DSP cores). Every row of the input (in_w rows of in_c values) is a
 * separate vector. |accumulator| < 2^31 was checked by the compiler
 * (tinydeploy/compile/dsp.py).
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_dsp_fc_quad.h"
#include "td_kernels.h"

/* Two channels over `quads` full input quads; acc = {channel c, channel c+1}. */
TD_INLINE void td_fc_pair(const uint32_t **wp, const int8_t *x, int32_t quads, uint32_t off2,
                          int32_t *a0p, int32_t *a1p) {
  const uint32_t *w = *wp;
  int32_t a0 = *a0p, a1 = *a1p;
  for (; quads > 0; --quads) {
    const uint32_t v = td_load32(x);
    const uint32_t even = td_sxtab16(off2, v);
    const uint32_t odd = td_sxtab16_ror8(off2, v);
    a0 = td_smlad(w[0], even, a0);
    a0 = td_smlad(w[1], odd, a0);
    a1 = td_smlad(w[2], even, a1);
    a1 = td_smlad(w[3], odd, a1);
    w += 4;
    x += 4;
  }
  *wp = w;
  *a0p = a0;
  *a1p = a1;
}

/* The same over int8 weights (two words per quad: c then c+1, in input order). */
TD_INLINE void td_fc_pair_w8(const uint32_t **wp, const int8_t *x, int32_t quads, uint32_t off2,
                             int32_t *a0p, int32_t *a1p) {
  const uint32_t *w = *wp;
  int32_t a0 = *a0p, a1 = *a1p;
  for (; quads > 0; --quads) {
    const uint32_t v = td_load32(x);
    const uint32_t even = td_sxtab16(off2, v);
    const uint32_t odd = td_sxtab16_ror8(off2, v);
    const uint32_t w0 = w[0], w1 = w[1];
    a0 = td_smlad(td_sxtb16(w0), even, a0);
    a0 = td_smlad(td_sxtb16_ror8(w0), odd, a0);
    a1 = td_smlad(td_sxtb16(w1), even, a1);
    a1 = td_smlad(td_sxtb16_ror8(w1), odd, a1);
    w += 2;
    x += 4;
  }
  *wp = w;
  *a0p = a0;
  *a1p = a1;
}

TD_INLINE void td_fc_rows(const td_conv_dsp_params *p, const int8_t *input, int8_t *output,
                          int wide, int full) {
  const int32_t k = p->in_c, oc = p->out_c;
  const int32_t quads = k >> 2, rest = k & 3;
  const uint32_t off2 = td_pair(p->input_offset, p->input_offset);
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
  int32_t row;
  for (row = 0; row < p->in_w; ++row) {
    const int8_t *x = input + row * k;
    const uint32_t *w = (const uint32_t *)(const void *)p->filter;
    uint32_t tail = 0;
    int8_t *o = output + row * oc;
    int32_t c;
    if (rest) { /* the last, partial quad; its padding weights are zero */
      int32_t i;
      for (i = 0; i < rest; ++i) {
        tail |= (uint32_t)(uint8_t)x[4 * quads + i] << (8 * i);
      }
    }
    c = 0;
    if ((p->w8 ? TD_FC_DSP_ASM_W8 : TD_FC_DSP_ASM) && !wide && full && p->pos && !rest &&
        quads > 0 && oc >= 4) {
      /* whole groups of four channels in td_fc_quad / td_fc_quad_w8 (assembly on the
       * DSP cores), the rest below; td_features.h leaves them out where the dense
       * layers are small */
      td_fc_args a;
      a.x = x;
      a.o = o;
      a.end = w + (oc >> 2) * 2 * ((p->w8 ? 2 : 4) * quads + 8);
      a.quads = quads;
      a.off2 = off2;
      if (p->w8) {
        td_fc_quad_w8(w, &a);
      } else {
        td_fc_quad(w, &a);
      }
      c = oc & ~3;
      w = a.end;
    }
    for (; c < oc; c += 2) {
      int32_t a0 = (int32_t)w[0], a1 = (int32_t)w[1];
      int32_t rq0[4], rq1[4];
      w += 2;
      if (p->w8) {
        td_fc_pair_w8(&w, x, quads, off2, &a0, &a1);
        if (rest) {
          const uint32_t even = td_sxtab16(off2, tail);
          const uint32_t odd = td_sxtab16_ror8(off2, tail);
          a0 = td_smlad(td_sxtb16(w[0]), even, a0);
          a0 = td_smlad(td_sxtb16_ror8(w[0]), odd, a0);
          a1 = td_smlad(td_sxtb16(w[1]), even, a1);
          a1 = td_smlad(td_sxtb16_ror8(w[1]), odd, a1);
          w += 2;
        }
        /* the accumulators of int8 weights are doubled here, as pre-scaled int16
         * weights would give them (the compiler checked that range); a wide layer's
         * weights are scaled by 1, so its accumulators stay as they are */
        if (!wide) {
          a0 = (int32_t)((uint32_t)a0 * 2u);
          a1 = (int32_t)((uint32_t)a1 * 2u);
        }
      } else {
        td_fc_pair(&w, x, quads, off2, &a0, &a1);
      }
      if (rest && !p->w8) {
        const uint32_t even = td_sxtab16(off2, tail);
        const uint32_t odd = td_sxtab16_ror8(off2, tail);
        a0 = td_smlad(w[0], even, a0);
        a0 = td_smlad(w[1], odd, a0);
        a1 = td_smlad(w[2], even, a1);
        a1 = td_smlad(w[3], odd, a1);
        w += 4;
      }
      td_dsp_rq4(rq0, (const int32_t *)(const void *)w);
      td_dsp_rq4(rq1, (const int32_t *)(const void *)w + 3);
      w += 6;
      o[c] = (int8_t)td_dsp_output(a0, rq0, wide, zp, full, lo, hi);
      if (c + 1 < oc) {
        o[c + 1] = (int8_t)td_dsp_output(a1, rq1, wide, zp, full, lo, hi);
      }
    }
  }
}

td_status td_fully_connected_s8_dsp(const td_conv_dsp_params *p, const int8_t *input,
                                    int8_t *output) {
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->in_c <= 0 ||
      p->depth != (p->in_c + 3) / 4 * 4) {
    return TD_ERR_ARG;
  }
  /* one copy with the flags read at run time: requantization is once per
   * in_c MACs here, and a second specialised copy would cost flash */
  td_fc_rows(p, input, output, p->wide, p->act_min <= -128 && p->act_max >= 127);
  return TD_OK;
}
