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
 */
#include "td_dsp.h"
#include "td_kernels.h"

/* Four channels of rows a and b (masks ma, mb: zero for a row outside the image)
 * down the row: (a0 a2) (a1 a3) (b0 b2) (b1 b3) from SXTAB16, recombined into
 * (a0, b0) .. (a3, b3), one word per channel plane (planes cs words apart). */
TD_INLINE void td_dw_widen_pair4(const int8_t *pa, const int8_t *pb, uint32_t *d, int32_t n,
                                 int32_t ch, int32_t cs, uint32_t off2, uint32_t ma,
                                 uint32_t mb, int masked) {
  uint32_t *d1 = d + cs, *d2 = d + 2 * cs, *d3 = d + 3 * cs;
  int32_t x;
  for (x = 0; x < n; ++x) {
    const uint32_t va = td_load32(pa), vb = td_load32(pb);
    uint32_t ea = td_sxtab16(off2, va), oa = td_sxtab16_ror8(off2, va);
    uint32_t eb = td_sxtab16(off2, vb), ob = td_sxtab16_ror8(off2, vb);
    if (masked) {
      ea &= ma;
      oa &= ma;
      eb &= mb;
      ob &= mb;
    }
    d[2 * x] = td_pkhbt16(ea, eb);
    d1[2 * x] = td_pkhbt16(oa, ob);
    d2[2 * x] = td_pkhtb16(eb, ea);
    d3[2 * x] = td_pkhtb16(ob, oa);
    pa += ch;
    pb += ch;
  }
}

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
        td_dw_widen_pair4(rowa + c, rowb + c, base + c * cs, p->in_w, ch, cs, off2, ma, mb, 0);
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

/* Per-channel record of the vert layout, 10 words: bias, then Wa, Wb of filter
 * columns 0, 1, 2, then m, e, h of the requantization. */
#define TD_DW_REC 10

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* One channel per pass: LDM of bias and the column-0 weights, an LDRD of both ring
 * slots per filter column, twelve multiply-accumulates (18 MACs), five instructions
 * per requantization; 34 instructions for two outputs. P and Q name the registers
 * holding the upper and lower row pair (they swap with the ring slot). */
#define TD_DW_COL(P, Q)                                                   \
  "smlad r8, r5, " P ", r4\n\t"   /* a0 = bias + Wa.P (first column) */   \
  "smlabt r4, r5, " P ", r4\n\t"  /* a1 = bias + w0 * x1 */               \
  "smlatb r8, r6, " Q ", r8\n\t"  /* a0 += w2 * x2 */                     \
  "smlad r4, r6, " Q ", r4\n\t"   /* a1 += Wb.Q */
#define TD_DW_COL_ACC(P, Q)                                               \
  "smlad r8, r5, " P ", r8\n\t"                                           \
  "smlabt r4, r5, " P ", r4\n\t"                                          \
  "smlatb r8, r6, " Q ", r8\n\t"                                          \
  "smlad r4, r6, " Q ", r4\n\t"
#define TD_DW_REQUANT(A)                                                  \
  "smmulr r12, " A ", r5\n\t"                                             \
  "add " A ", r10, r12, asr #31\n\t"                                      \
  "add " A ", " A ", r12\n\t"                                             \
  "asr " A ", " A ", r6\n\t"                                              \
  "ssat " A ", #8, " A "\n\t"
#define TD_DW_LOOP(P, Q)                                                  \
  "1:\n\t"                                                                \
  "ldm %[r]!, {r4, r5, r6}\n\t"                                           \
  "ldrd r10, r12, [%[q]]\n\t" TD_DW_COL(P, Q)                             \
  "ldm %[r]!, {r5, r6}\n\t"                                               \
  "ldrd r10, r12, [%[q], #8]\n\t" TD_DW_COL_ACC(P, Q)                     \
  "ldm %[r]!, {r5, r6}\n\t"                                               \
  "ldrd r10, r12, [%[q], #16]\n\t" TD_DW_COL_ACC(P, Q)                    \
  "add %[q], %[q], %[cs]\n\t"                                             \
  "ldm %[r]!, {r5, r6, r10}\n\t" /* m, e, h */                            \
  TD_DW_REQUANT("r8") TD_DW_REQUANT("r4")                                 \
  "strb r4, [%[o], %[second]]\n\t"                                        \
  "strb r8, [%[o]], #1\n\t"                                               \
  "cmp %[r], %[end]\n\t"                                                  \
  "bne 1b\n\t"

TD_INLINE void td_dw_vert_px(const int32_t *r, const int32_t *end, const uint32_t *q, int32_t cs,
                             int8_t *o, int32_t second, int flip) {
  if (flip) {
    __asm__ volatile(TD_DW_LOOP("r12", "r10")
                     : [r] "+r"(r), [q] "+r"(q), [o] "+r"(o)
                     : [end] "r"(end), [cs] "r"(cs * 4), [second] "r"(second)
                     : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
  } else {
    __asm__ volatile(TD_DW_LOOP("r10", "r12")
                     : [r] "+r"(r), [q] "+r"(q), [o] "+r"(o)
                     : [end] "r"(end), [cs] "r"(cs * 4), [second] "r"(second)
                     : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
  }
}
#else
/* The same in C: channels of output column ox (records r .. end, ring words q with
 * cs words from one channel to the next), rows at o and o + second. */
static void td_dw_vert_px(const int32_t *r, const int32_t *end, const uint32_t *q, int32_t cs,
                          int8_t *o, int32_t second, int flip) {
  for (; r < end; r += TD_DW_REC, q += cs, ++o) {
    const uint32_t *w = (const uint32_t *)(const void *)r + 1;
    int32_t a0 = r[0], a1 = r[0], kx;
    for (kx = 0; kx < 3; ++kx) {
      const uint32_t u = q[2 * kx + flip], v = q[2 * kx + 1 - flip];
      a0 = td_smlad(w[2 * kx], u, a0);
      a1 = td_smlabt(w[2 * kx], u, a1);
      a0 = td_smlatb(w[2 * kx + 1], v, a0);
      a1 = td_smlad(w[2 * kx + 1], v, a1);
    }
    o[second] = (int8_t)td_dsp_requant_pos(a1, r[7], r[8], r[9]);
    o[0] = (int8_t)td_dsp_requant_pos(a0, r[7], r[8], r[9]);
  }
}
#endif

/* Any requantization (wide, e == 0, clamped activations): plain C over the records. */
static void td_dw_vert_px_any(const td_dwconv_dsp_params *p, const uint32_t *q, int8_t *o,
                              int32_t second, int flip) {
  const int32_t *r = p->filter;
  const int32_t cs = 2 * p->plane_w;
  const int32_t full = p->act_min <= -128 && p->act_max >= 127;
  int32_t c;
  for (c = 0; c < p->channels; ++c, r += TD_DW_REC, q += cs, ++o) {
    const uint32_t *w = (const uint32_t *)(const void *)r + 1;
    const int32_t rq[4] = {r[7], r[8], r[9], r[8] > 0 ? -1 : 0};
    int32_t a0 = r[0], a1 = r[0], kx;
    for (kx = 0; kx < 3; ++kx) {
      const uint32_t u = q[2 * kx + flip], v = q[2 * kx + 1 - flip];
      a0 = td_smlad(w[2 * kx], u, a0);
      a1 = td_smlabt(w[2 * kx], u, a1);
      a0 = td_smlatb(w[2 * kx + 1], v, a0);
      a1 = td_smlad(w[2 * kx + 1], v, a1);
    }
    o[second] = (int8_t)td_dsp_output(a1, rq, p->wide, p->output_offset, full, p->act_min,
                                      p->act_max);
    o[0] = (int8_t)td_dsp_output(a0, rq, p->wide, p->output_offset, full, p->act_min,
                                 p->act_max);
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
    for (ox = 0; ox < p->out_w; ++ox) {
      int8_t *o = output + (oy * p->out_w + ox) * p->channels;
      if (fast) {
        td_dw_vert_px(p->filter, p->filter + TD_DW_REC * p->channels, ring + 2 * ox,
                      2 * p->plane_w, o, second, flip);
      } else {
        td_dw_vert_px_any(p, ring + 2 * ox, o, second, flip);
      }
    }
  }
  return TD_OK;
}

td_status td_depthwise_conv2d_s8_dsp3x3(const td_dwconv_dsp_params *p, const int8_t *input,
                                        int8_t *output, int8_t *scratch) {
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->filter == NULL ||
      !p->vert || p->filter_h != 3 || p->filter_w != 3 || p->stride_h != 1 ||
      p->stride_w != 1 || p->plane_w < p->out_w + 2 || ((uintptr_t)scratch & 3u) != 0) {
    return TD_ERR_ARG;
  }
  return td_dw_vert(p, input, output, (uint32_t *)(void *)scratch);
}
