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

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* td_dw_widen_pair4 without masks as one assembly routine (GCC spills the plane
 * pointers of the C loop): 17 instructions per column of four channels. Row b is
 * read at a fixed offset from row a. */
typedef struct {
  int32_t n;      /* columns */
  int32_t ch;     /* bytes from one input column to the next */
  int32_t cs;     /* bytes from one channel plane to the next */
  uint32_t off2;  /* the input offset in both halves */
} td_widen4_args;

__attribute__((naked, noinline)) static void td_dw_widen4_m4(TD_REG_ARG const int8_t *pa,
                                                             TD_REG_ARG int32_t b_minus_a,
                                                             TD_REG_ARG uint32_t *d,
                                                             TD_REG_ARG const td_widen4_args *a) {
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "ldmia r3, {r4, r5, r6, r7}\n\t" /* n ch cs off2 */
      "add r8, r2, r6, lsl #1\n\t"     /* planes c + 2, c + 3 */
      "1:\n\t"
      "ldr r9, [r0]\n\t"
      "ldr r10, [r0, r1]\n\t"
      "add r0, r0, r5\n\t"
      "sxtab16 r11, r7, r9\n\t"          /* (a0, a2) */
      "sxtab16 r9, r7, r9, ror #8\n\t"   /* (a1, a3) */
      "sxtab16 r12, r7, r10\n\t"         /* (b0, b2) */
      "sxtab16 r10, r7, r10, ror #8\n\t" /* (b1, b3) */
      "pkhbt lr, r11, r12, lsl #16\n\t"  /* (a0, b0) */
      "pkhtb r12, r12, r11, asr #16\n\t" /* (a2, b2) */
      "pkhbt r11, r9, r10, lsl #16\n\t"  /* (a1, b1) */
      "pkhtb r10, r10, r9, asr #16\n\t"  /* (a3, b3) */
      "str r11, [r2, r6]\n\t"
      "str lr, [r2], #8\n\t"
      "str r10, [r8, r6]\n\t"
      "str r12, [r8], #8\n\t"
      "subs r4, r4, #1\n\t"
      "bne 1b\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
}
#define TD_DW_HAVE_WIDEN4 1
#endif

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
#ifdef TD_DW_HAVE_WIDEN4
        const td_widen4_args wa = {p->in_w, ch, 4 * cs, off2};
        if (p->in_w > 0) {
          td_dw_widen4_m4(rowa + c, (int32_t)(rowb - rowa), base + c * cs, &wa);
        }
#else
        td_dw_widen_pair4(rowa + c, rowb + c, base + c * cs, p->in_w, ch, cs, off2, ma, mb, 0);
#endif
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

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* One channel per pass: LDM of bias and the column-0 weights, an LDRD of both ring
 * slots per filter column, twelve multiply-accumulates (18 MACs), four instructions
 * per requantization; 32 instructions for two outputs. P and Q name the registers
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
/* SMMLAR adds h to the rounded product; the accumulator's sign stands in for the
 * product's (m > 0, and a product that rounds to 0 gives the same result when e >= 1,
 * which the fast case guarantees): four instructions. */
#define TD_DW_REQUANT(A)                                                  \
  "smmlar r12, " A ", r5, r10\n\t"                                        \
  "add r12, r12, " A ", asr #31\n\t"                                      \
  "asr " A ", r12, r6\n\t"                                                \
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

/* What td_dw_vert22_m4 needs besides records, ring and output. */
typedef struct {
  const int32_t *end; /* past the last record */
  int32_t cs;         /* bytes from one channel's ring plane to the next */
  int32_t second;     /* bytes from output row oy to oy + 1 (0: a lone last row) */
  int32_t ch;         /* bytes from output column ox to ox + 1 (the channel count) */
} td_dw22_args;

/* Two rows by two columns (ox, ox + 1) of every channel, as one assembly routine with
 * all fourteen registers: the four ring columns ox .. ox + 3 are loaded once and feed
 * both output columns, so a channel costs 58 instructions for four outputs (36 MACs)
 * instead of 64. LDRD loads both ring slots into r11, r12; P and Q name the one
 * holding the upper and the lower row pair (they swap with the slot). Stack: [sp]
 * end, [sp+4] cs, [sp+8] second, [sp+12] ch. */
#define TD_DW22_COL(P, Q, A, B, WA, WB)                                   \
  "smlad " A ", " WA ", " P ", " A "\n\t"                                 \
  "smlabt " B ", " WA ", " P ", " B "\n\t"                                \
  "smlatb " A ", " WB ", " Q ", " A "\n\t"                                \
  "smlad " B ", " WB ", " Q ", " B "\n\t"
#define TD_DW22_INIT(P, Q, A, B) /* bias r7, Wa0 r8, Wb0 r9 */          \
  "smlad " A ", r8, " P ", r7\n\t"                                        \
  "smlabt " B ", r8, " P ", r7\n\t"                                       \
  "smlatb " A ", r9, " Q ", " A "\n\t"                                    \
  "smlad " B ", r9, " Q ", " B "\n\t"
#define TD_DW22_RQ(A)                                                     \
  "smmlar r10, " A ", r7, r9\n\t"                                         \
  "add r10, r10, " A ", asr #31\n\t"                                      \
  "asr " A ", r10, r8\n\t"                                                \
  "ssat " A ", #8, " A "\n\t"
#define TD_DW22_BODY(P, Q)                                                \
  "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"                       \
  "sub sp, sp, #16\n\t"                                                   \
  "ldmia r3, {r4, r5, r6, r7}\n\t"                                        \
  "stmia sp, {r4, r5, r6, r7}\n\t"                                        \
  "1:\n\t"                                                                \
  "ldmia r0!, {r7, r8, r9}\n\t" /* bias Wa0 Wb0 */                        \
  "ldrd r11, r12, [r1]\n\t" /* column ox: A only */                   \
  TD_DW22_INIT(P, Q, "r3", "r4")                                          \
  "ldrd r11, r12, [r1, #8]\n\t" /* column ox + 1 */                   \
  TD_DW22_INIT(P, Q, "r5", "r6")                                          \
  "ldmia r0!, {r10, lr}\n\t" /* Wa1 Wb1 */                                \
  TD_DW22_COL(P, Q, "r3", "r4", "r10", "lr")                              \
  "ldrd r11, r12, [r1, #16]\n\t" /* column ox + 2 */                  \
  TD_DW22_COL(P, Q, "r5", "r6", "r10", "lr")                              \
  "ldmia r0!, {r7, r8}\n\t" /* Wa2 Wb2 */                                 \
  TD_DW22_COL(P, Q, "r3", "r4", "r7", "r8")                               \
  "ldrd r11, r12, [r1, #24]\n\t" /* column ox + 3: B only */          \
  TD_DW22_COL(P, Q, "r5", "r6", "r7", "r8")                               \
  "ldmia r0!, {r7, r8, r9}\n\t" /* m e h */                               \
  TD_DW22_RQ("r3") TD_DW22_RQ("r4") TD_DW22_RQ("r5") TD_DW22_RQ("r6")     \
  "ldrd r11, r12, [sp, #8]\n\t" /* second, ch */                          \
  "add lr, r11, r12\n\t" /* row oy + 1 last: it is row oy when second == 0 */ \
  "strb r6, [r2, lr]\n\t"                                                 \
  "strb r5, [r2, r12]\n\t"                                                \
  "strb r4, [r2, r11]\n\t"                                                \
  "strb r3, [r2], #1\n\t"                                                 \
  "ldrd r10, r11, [sp]\n\t" /* end, cs */                                 \
  "add r1, r1, r11\n\t"                                                   \
  "cmp r0, r10\n\t"                                                       \
  "bne 1b\n\t"                                                            \
  "add sp, sp, #16\n\t"                                                   \
  "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t"

__attribute__((naked, noinline)) static void td_dw_vert22_m4(TD_REG_ARG const int32_t *r,
                                                             TD_REG_ARG const uint32_t *q,
                                                             TD_REG_ARG int8_t *o,
                                                             TD_REG_ARG const td_dw22_args *a) {
  __asm__ volatile(TD_DW22_BODY("r11", "r12"));
}
__attribute__((naked, noinline)) static void td_dw_vert22_m4_flip(
    TD_REG_ARG const int32_t *r, TD_REG_ARG const uint32_t *q, TD_REG_ARG int8_t *o,
    TD_REG_ARG const td_dw22_args *a) {
  __asm__ volatile(TD_DW22_BODY("r12", "r11"));
}
#define TD_DW_HAVE_22 1
#else
/* The same in C: channels of output column ox (records r .. end, ring words q with
 * cs words from one channel to the next), rows at o and o + second. */
static void td_dw_vert_px(const int32_t *r, const int32_t *end, const uint32_t *q, int32_t cs,
                          int8_t *o, int32_t second, int flip) {
  for (; r < end; r += TD_DW_REC, q += cs, ++o) {
    int32_t a0, a1;
    td_dw_taps(r, q, flip, &a0, &a1);
    o[second] = (int8_t)td_dsp_requant_pos(a1, r[7], r[8], r[9]);
    o[0] = (int8_t)td_dsp_requant_pos(a0, r[7], r[8], r[9]);
  }
}
#endif

/* Any requantization (wide, e == 0, clamped activations): plain C over the records. */
TD_PATH_HELPER void td_dw_vert_px_any(const td_dwconv_dsp_params *p, const uint32_t *q,
                                      int8_t *o, int32_t second, int flip) {
  const int32_t *r = p->filter;
  const int32_t cs = 2 * p->plane_w;
  const int32_t full = p->act_min <= -128 && p->act_max >= 127;
  int32_t c;
  for (c = 0; c < p->channels; ++c, r += TD_DW_REC, q += cs, ++o) {
    const int32_t rq[4] = {r[7], r[8], r[9], r[8] > 0 ? -1 : 0};
    int32_t a0, a1;
    td_dw_taps(r, q, flip, &a0, &a1);
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
    ox = 0;
#ifdef TD_DW_HAVE_22
    if (fast) {
      td_dw22_args a;
      a.end = p->filter + TD_DW_REC * p->channels;
      a.cs = 8 * p->plane_w;
      a.second = second;
      a.ch = p->channels;
      for (; ox + 1 < p->out_w; ox += 2) {
        int8_t *o = output + (oy * p->out_w + ox) * p->channels;
        if (flip) {
          td_dw_vert22_m4_flip(p->filter, ring + 2 * ox, o, &a);
        } else {
          td_dw_vert22_m4(p->filter, ring + 2 * ox, o, &a);
        }
      }
    }
#endif
    for (; ox < p->out_w; ++ox) {
      int8_t *o = output + (oy * p->out_w + ox) * p->channels;
      if (fast) {
        td_dw_vert_px(p->filter, p->filter + TD_DW_REC * p->channels, ring + 2 * ox,
                      2 * p->plane_w, o, second, flip);
      } else if (TD_DW_DSP_SLOW) {
        td_dw_vert_px_any(p, ring + 2 * ox, o, second, flip);
      }
    }
  }
  return TD_OK;
}

td_status td_depthwise_conv2d_s8_dsp3x3(const td_dwconv_dsp_params *p, const int8_t *input,
                                        int8_t *output, int8_t *scratch) {
  /* a layer needing the slow path that td_features.h left out is refused */
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->filter == NULL ||
      !p->vert || p->filter_h != 3 || p->filter_w != 3 || p->stride_h != 1 ||
      p->stride_w != 1 || p->plane_w < p->out_w + 2 || ((uintptr_t)scratch & 3u) != 0 ||
      (!TD_DW_DSP_SLOW && !(p->pos && !p->wide && p->act_min <= -128 && p->act_max >= 127))) {
    return TD_ERR_ARG;
  }
  return td_dw_vert(p, input, output, (uint32_t *)(void *)scratch);
}
