/*
 * td_fully_connected_s8_dsp.c - FULLY_CONNECTED with the 16-bit SIMD
 * multiply-accumulate (SMLAD), without a scratch buffer.
 *
 * The weights are the records of td_conv2d_s8_dsp (pre-widened, quad-reordered
 * pairs of output channels with their biases and requantization); the int8 input
 * row is widened on the fly: one LDR of four inputs, SXTAB16 and SXTAB16 with
 * ROR #8 give (x0, x2) (x1, x3) with the input offset added, and SMLADs fold them
 * into the channels (four channels per widening in td_fc_quad_m4, the assembly loop
 * on the DSP cores). Every row of the input (in_w rows of in_c values) is a
 * separate vector. |accumulator| < 2^31 was checked by the compiler
 * (tinydeploy/compile/dsp.py).
 */
#include "td_dsp.h"
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

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM) && TD_FC_DSP_ASM
/* What td_fc_quad_m4 needs besides the records. */
typedef struct {
  const int8_t *x;     /* the input row */
  int8_t *o;           /* output of the first channel */
  const uint32_t *end; /* past the last record handled here (an even number of them) */
  int32_t quads;       /* in_c / 4 (no partial quad) */
  uint32_t off2;       /* the input offset in both halves */
} td_fc_args;

/* Four output channels (two records) per pass as one assembly routine: per input quad
 * one LDR and two SXTAB16 widen four inputs once for both records, an LDM of each
 * record's four weight words and eight SMLADs (16 MACs in 13 instructions). Four quads
 * per loop pass, entered part-way for the remainder (the entry is computed once).
 * Requantization as td_records_m4 (fast case: e >= 1, not wide, full range).
 * Stack: [sp] x, [sp+4] x end, [sp+8] entry, [sp+12] record bytes - 8, [sp+16] o,
 * [sp+20] end. */
__attribute__((naked, noinline)) static void td_fc_quad_m4(TD_REG_ARG const uint32_t *w,
                                                           TD_REG_ARG const td_fc_args *a) {
#define TD_FC_QUAD                                  \
  "ldr.w r8, [r1], #4\n\t"                          \
  "sxtab16 r9, r7, r8, ror #8\n\t"                  \
  "sxtab16 r8, r7, r8\n\t"                          \
  "ldmia.w r0!, {r10, r11, r12, lr}\n\t"            \
  "smlad r2, r10, r8, r2\n\t"                       \
  "smlad r2, r11, r9, r2\n\t"                       \
  "smlad r3, r12, r8, r3\n\t"                       \
  "smlad r3, lr, r9, r3\n\t"                        \
  "ldmia.w r6!, {r10, r11, r12, lr}\n\t"            \
  "smlad r4, r10, r8, r4\n\t"                       \
  "smlad r4, r11, r9, r4\n\t"                       \
  "smlad r5, r12, r8, r5\n\t"                       \
  "smlad r5, lr, r9, r5\n\t"
#define TD_FC_RQ(A, M, E, H)                        \
  "smmlar r1, " A ", " M ", " H "\n\t"              \
  "add r1, r1, " A ", asr #31\n\t"                  \
  "asr " A ", r1, " E "\n\t"                        \
  "ssat " A ", #8, " A "\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "sub sp, sp, #24\n\t"
      "ldmia r1, {r2, r3, r4, r5, r7}\n\t" /* x o end quads off2 */
      "str r2, [sp]\n\t"
      "add r6, r2, r5, lsl #2\n\t"
      "str r6, [sp, #4]\n\t"
      "str r3, [sp, #16]\n\t"
      "str r4, [sp, #20]\n\t"
      "lsl r6, r5, #4\n\t" /* a record is 4 * quads + 8 words */
      "add r6, r6, #24\n\t"
      "str r6, [sp, #12]\n\t"
      "and r6, r5, #3\n\t" /* entry: the last quads % 4 blocks */
      "rsb r6, r6, #4\n\t"
      "and r6, r6, #3\n\t"
      "movs r8, #52\n\t" /* bytes per block: thirteen 32-bit instructions */
      "mul r6, r6, r8\n\t"
      "adr.w r8, 10f\n\t"
      "add r8, r8, r6\n\t"
      "orr r8, r8, #1\n\t" /* Thumb state */
      "str r8, [sp, #8]\n\t"
      "1:\n\t"
      "ldrd r2, r3, [r0], #8\n\t" /* record A's biases */
      "ldr r6, [sp, #12]\n\t"
      "add r6, r0, r6\n\t" /* record B */
      "ldrd r4, r5, [r6], #8\n\t"
      "ldr r1, [sp]\n\t"
      "ldr pc, [sp, #8]\n\t"
      ".p2align 2\n\t"
      "10:\n\t" TD_FC_QUAD "11:\n\t" TD_FC_QUAD TD_FC_QUAD TD_FC_QUAD
      ".if (11b - 10b) != 52\n\t"
      ".error \"td_fc_quad_m4: a quad block is not 52 bytes\"\n\t"
      ".endif\n\t"
      "ldr r8, [sp, #4]\n\t"
      "cmp r1, r8\n\t"
      "bne 10b\n\t"
      "ldmia.w r0!, {r8, r9, r10, r11, r12, lr}\n\t" /* m e h of channels c, c + 1 */
      TD_FC_RQ("r2", "r8", "r9", "r10") TD_FC_RQ("r3", "r11", "r12", "lr")
      "ldmia.w r6!, {r8, r9, r10, r11, r12, lr}\n\t" /* c + 2, c + 3 */
      TD_FC_RQ("r4", "r8", "r9", "r10") TD_FC_RQ("r5", "r11", "r12", "lr")
      "ldr r8, [sp, #16]\n\t"
      "strb r2, [r8], #1\n\t"
      "strb r3, [r8], #1\n\t"
      "strb r4, [r8], #1\n\t"
      "strb r5, [r8], #1\n\t"
      "str r8, [sp, #16]\n\t"
      "mov r0, r6\n\t" /* the next pair of records */
      "ldr r8, [sp, #20]\n\t"
      "cmp r0, r8\n\t"
      "bne 1b\n\t"
      "add sp, sp, #24\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
#undef TD_FC_QUAD
#undef TD_FC_RQ
}
#endif

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
#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM) && TD_FC_DSP_ASM
    if (!p->w8 && !wide && full && p->pos && !rest && quads > 0 && oc >= 4) {
      /* whole groups of four channels in assembly, the rest below */
      td_fc_args a;
      a.x = x;
      a.o = o;
      a.end = w + (oc >> 2) * 2 * (4 * quads + 8);
      a.quads = quads;
      a.off2 = off2;
      td_fc_quad_m4(w, &a);
      c = oc & ~3;
      w = a.end;
    }
#endif
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
         * weights would give them (the compiler checked that range) */
        a0 = (int32_t)((uint32_t)a0 * 2u);
        a1 = (int32_t)((uint32_t)a1 * 2u);
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
