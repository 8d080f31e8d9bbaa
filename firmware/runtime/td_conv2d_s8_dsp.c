/*
 * td_conv2d_s8_dsp.c - CONV_2D (and FULLY_CONNECTED as a 1x1 convolution) with
 * the 16-bit SIMD multiply-accumulate (SMLAD).
 *
 * Output pixels are computed two at a time: each pixel's input window is
 * widened once into an int16 column (im2col, input offset added, zeros in the
 * padding, quad-reordered: see td_dsp.h), then every pair of output channels
 * runs a 2x2 block - two channels by two pixels, four accumulators - over the
 * columns: per four inputs, an LDM of four weight words, an LDM of the two
 * columns' four words and eight SMLADs (16 MACs; td_records_m4, assembly on the
 * DSP cores). A 1x1 convolution widens its two input pixels directly; layers
 * with few input channels gather through zero-point padded bands (below).
 * td_features.h (td_dsp.h) leaves out the paths a model does not use.
 * Accumulators start at the pre-scaled bias; |accumulator| < 2^31 was checked
 * by the compiler, so SMLAD's wrap-around never happens.
 */
#include "td_dsp.h"
#include "td_kernels.h"

/* Columns of the two pixels are interleaved per quad: [q][pixel][2 words], so
 * one pointer walks both. */
#define TD_COL_STRIDE 4

/* Widen `quads` groups of four int8 (src) into int16 pairs (x0,x2) (x1,x3) + offset. */
TD_PATH_HELPER void td_widen(const int8_t *src, uint32_t *dst, int32_t quads, uint32_t off2) {
  while (quads >= 2) {
    const uint32_t a = td_load32(src);
    const uint32_t b = td_load32(src + 4);
    dst[0] = td_sxtab16(off2, a);
    dst[1] = td_sxtab16_ror8(off2, a);
    dst[TD_COL_STRIDE] = td_sxtab16(off2, b);
    dst[TD_COL_STRIDE + 1] = td_sxtab16_ror8(off2, b);
    src += 8;
    dst += 2 * TD_COL_STRIDE;
    quads -= 2;
  }
  if (quads) {
    const uint32_t a = td_load32(src);
    dst[0] = td_sxtab16(off2, a);
    dst[1] = td_sxtab16_ror8(off2, a);
  }
}

TD_PATH_HELPER void td_zero_quads(uint32_t *dst, int32_t quads) {
  while (quads-- > 0) {
    dst[0] = 0;
    dst[1] = 0;
    dst += TD_COL_STRIDE;
  }
}

/* Byte fill and copy a word at a time (the M4 allows unaligned LDR/STR): the int8
 * gather of small-channel layers (e.g. 3 or 1 input channels) is per pixel. */
TD_PATH_HELPER void td_fill8(int8_t *dst, int8_t v, int32_t n) {
  const uint32_t w = (uint32_t)(uint8_t)v * 0x01010101u;
  for (; n >= 4; n -= 4, dst += 4) {
    memcpy(dst, &w, 4);
  }
  while (n-- > 0) {
    *dst++ = v;
  }
}

TD_PATH_HELPER void td_copy8(int8_t *dst, const int8_t *src, int32_t n) {
  for (; n >= 4; n -= 4, dst += 4, src += 4) {
    const uint32_t w = td_load32(src);
    memcpy(dst, &w, 4);
  }
  while (n-- > 0) {
    *dst++ = *src++;
  }
}

/* Layers whose input channels are not a multiple of four (e.g. an image's 3 or an
 * MFCC map's 1) gather the int8 column byte-wise. Per output row the filter_h input
 * rows it reads are first copied into a band, padded with the zero point to the
 * whole window span, so every filter row of every pixel is one unchecked run. Two
 * bands (the rows of the two pixels of a pair) when out_w is odd; the compiler
 * sizes the scratch the same way (tinydeploy/compile/dsp.py). */
typedef struct {
  int8_t *buf[2];
  int32_t oy[2];
  int32_t row; /* bytes of one band row: the window span times in_c */
} td_bands;

TD_PATH_HELPER void td_bands_init(td_bands *b, const td_conv_dsp_params *p, int8_t *mem) {
  const int32_t span = (p->out_w - 1) * p->stride_w + (p->filter_w - 1) * p->dilation_w + 1;
  b->row = span * p->in_c;
  b->buf[0] = mem;
  b->buf[1] = (p->out_w & 1) ? mem + p->filter_h * b->row : mem;
  b->oy[0] = b->oy[1] = -1;
  /* a row-padded window reads up to 3 bytes past its row (into the next band or the
   * slack): zero everything once, so every byte the kernel reads is defined */
  memset(mem, 0, (size_t)(((p->out_w & 1) ? 2 : 1) * p->filter_h * b->row + 4));
}

TD_PATH_HELPER void td_band_build(const td_conv_dsp_params *p, const int8_t *input,
                                  const td_bands *b, int8_t *d, int32_t oy) {
  const int8_t zp = (int8_t)(-p->input_offset);
  const int32_t c = p->in_c, span = b->row / c;
  const int32_t x0 = -p->pad_w; /* input column of band column 0 */
  const int32_t left = x0 < 0 ? (-x0 < span ? -x0 : span) : 0;
  const int32_t end = x0 + span < p->in_w ? x0 + span : p->in_w; /* first column past */
  const int32_t inside = end > x0 + left ? end - (x0 + left) : 0;
  int32_t ky;
  for (ky = 0; ky < p->filter_h; ++ky, d += b->row) {
    const int32_t iy = oy * p->stride_h - p->pad_h + ky * p->dilation_h;
    if (iy < 0 || iy >= p->in_h || inside == 0) {
      td_fill8(d, zp, b->row);
      continue;
    }
    td_fill8(d, zp, left * c);
    td_copy8(d + left * c, input + (iy * p->in_w + x0 + left) * c, inside * c);
    td_fill8(d + (left + inside) * c, zp, (span - left - inside) * c);
  }
}

/* The band of output row oy (built on first use). */
TD_INLINE const int8_t *td_band(const td_conv_dsp_params *p, const int8_t *input, td_bands *b,
                                int32_t oy) {
  const int slot = (p->out_w & 1) ? (int)(oy & 1) : 0;
  if (b->oy[slot] != oy) {
    b->oy[slot] = oy;
    td_band_build(p, input, b, b->buf[slot], oy);
  }
  return b->buf[slot];
}

/* The interleaved columns of two pixels over `quads` quads (quads >= 1) widened from
 * int8 runs a and b: the four words of a quad are adjacent (TD_COL_STRIDE). */
#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* One LDR per run, four SXTAB16 and one STM per quad (GCC's code stores word by word). */
__attribute__((naked, noinline)) static void td_widen2(TD_REG_ARG const int8_t *a,
                                                       TD_REG_ARG const int8_t *b,
                                                       TD_REG_ARG uint32_t *col,
                                                       TD_REG_ARG int32_t quads,
                                                       TD_REG_ARG uint32_t off2) {
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, lr}\n\t"
      "ldr r8, [sp, #24]\n\t" /* off2, the fifth argument */
      "1:\n\t"
      "ldr r4, [r0], #4\n\t"
      "ldr r6, [r1], #4\n\t"
      "sxtab16 r5, r8, r4, ror #8\n\t"
      "sxtab16 r4, r8, r4\n\t"
      "sxtab16 r7, r8, r6, ror #8\n\t"
      "sxtab16 r6, r8, r6\n\t"
      "stmia r2!, {r4, r5, r6, r7}\n\t"
      "subs r3, r3, #1\n\t"
      "bne 1b\n\t"
      "pop {r4, r5, r6, r7, r8, pc}\n\t");
}
#else
static void td_widen2(const int8_t *a, const int8_t *b, uint32_t *col, int32_t quads,
                      uint32_t off2) {
  for (; quads > 0; --quads, a += 4, b += 4, col += TD_COL_STRIDE) {
    const uint32_t va = td_load32(a), vb = td_load32(b);
    col[0] = td_sxtab16(off2, va);
    col[1] = td_sxtab16_ror8(off2, va);
    col[2] = td_sxtab16(off2, vb);
    col[3] = td_sxtab16_ror8(off2, vb);
  }
}
#endif

/* The columns of a row-padded layer (row_quads > 0): each filter row's quads widened
 * straight from the bands at the two pixels' windows a and b (bytes past the row
 * meet zero weights). */
TD_PATH_HELPER void td_column_rows(const td_conv_dsp_params *p, const int8_t *a, const int8_t *b,
                           int32_t row, uint32_t *col, uint32_t off2) {
  const int32_t rows = p->filter_h, quads = p->row_quads;
  int32_t ky;
  for (ky = 0; ky < rows; ++ky, a += row, b += row, col += quads * TD_COL_STRIDE) {
    td_widen2(a, b, col, quads, off2);
  }
}

/* The int16 column of output pixel (oy, ox). */
TD_PATH_HELPER void td_column(const td_conv_dsp_params *p, const int8_t *input, int32_t oy,
                             int32_t ox, uint32_t *col, int8_t *col8, td_bands *bands) {
  const uint32_t off2 = td_pair(p->input_offset, p->input_offset);
  const int32_t c = p->in_c;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  int32_t ky;
  if ((c & 3) == 0) {
    /* every (ky, kx) chunk of the column starts on a quad: widen in place; a filter
     * row wholly inside the image is one contiguous run */
    const int row_inside = p->dilation_w == 1 && ix0 >= 0 && ix0 + p->filter_w <= p->in_w;
    for (ky = 0; ky < p->filter_h; ++ky) {
      const int32_t iy = iy0 + ky * p->dilation_h;
      int32_t kx;
      if (row_inside && iy >= 0 && iy < p->in_h) {
        td_widen(input + (iy * p->in_w + ix0) * c, col, (p->filter_w * c) >> 2, off2);
        col += ((p->filter_w * c) >> 2) * TD_COL_STRIDE;
        continue;
      }
      for (kx = 0; kx < p->filter_w; ++kx) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
          td_zero_quads(col, c >> 2);
        } else {
          td_widen(input + (iy * p->in_w + ix) * c, col, c >> 2, off2);
        }
        col += (c >> 2) * TD_COL_STRIDE;
      }
    }
    return;
  }
#if TD_CONV_DSP_BANDS
  {
    /* other channel counts: gather the int8 column from the output row's band (one
     * contiguous run per filter row, the zero point standing in for padding), then
     * widen it */
    const int8_t zp = (int8_t)(-p->input_offset);
    const int8_t *band = td_band(p, input, bands, oy) + ox * p->stride_w * c;
    const int32_t run = p->filter_w * c;
    int8_t *dst = col8;
    for (ky = 0; ky < p->filter_h; ++ky) {
      const int8_t *src = band + ky * bands->row;
      if (p->dilation_w == 1) {
        td_copy8(dst, src, run);
        dst += run;
      } else {
        int32_t kx;
        for (kx = 0; kx < p->filter_w; ++kx) {
          td_copy8(dst, src + kx * p->dilation_w * c, c);
          dst += c;
        }
      }
    }
    td_fill8(dst, zp, p->depth - (int32_t)(dst - col8));
    td_widen(col8, col, p->depth >> 2, off2);
  }
#else
  (void)col8;
  (void)bands;
#endif
}

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* The 16 MACs of one input quad of the 2x2 block, the weights of both channels in
 * r4 r5 (channel 0) and r6 r8 (channel 1): two LDRDs of the columns, eight SMLADs. */
#define TD_QUAD_MACS                              \
  "ldrd r10, r12, [%[x]], #8\n\t"                \
  "smlad %[a00], r4, r10, %[a00]\n\t"            \
  "smlad %[a00], r5, r12, %[a00]\n\t"            \
  "smlad %[a01], r6, r10, %[a01]\n\t"            \
  "smlad %[a01], r8, r12, %[a01]\n\t"            \
  "ldrd r10, r12, [%[x]], #8\n\t"                \
  "smlad %[a10], r4, r10, %[a10]\n\t"            \
  "smlad %[a10], r5, r12, %[a10]\n\t"            \
  "smlad %[a11], r6, r10, %[a11]\n\t"            \
  "smlad %[a11], r8, r12, %[a11]\n\t"

/* One input quad: LDM of the four weight words, then the MACs. */
#define TD_QUAD                                   \
  "ldm %[w]!, {r4, r5, r6, r8}\n\t"               \
  TD_QUAD_MACS

#endif

/* Two channels x two pixels over `quads` input quads of the interleaved columns x.
 * acc: a00 a01 a10 a11 (pixel, channel). */
TD_INLINE void td_block2x2(const uint32_t *w, const uint32_t *x, int32_t quads, int32_t *acc) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
  /* Per quad one LDM of the four weight words, two LDRDs of the columns, eight
   * SMLADs (16 MACs); two quads per pass (an odd first quad is done alone), so
   * the loop test costs one instruction per quad. */
  __asm__ volatile(
      "lsrs %[n], %[n], #1\n\t"
      "bcc 2f\n\t" TD_QUAD
      "2:\n\t"
      "cmp %[n], #0\n\t"
      "beq 3f\n\t"
      "1:\n\t" TD_QUAD TD_QUAD
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      "3:\n\t"
      : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [w] "+r"(w),
        [x] "+r"(x), [n] "+r"(quads)
      :
      : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
#else
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
#endif
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* td_block2x2 over int8 weight words (two per quad: c then c+1, input order),
 * widened with SXTB16; the accumulators come out doubled, as the pre-scaled
 * int16 weights would give them (the compiler checked that range). */
TD_PATH_HELPER void td_block2x2_w8(const uint32_t *w, const uint32_t *x, int32_t quads,
                                   int32_t *acc) {
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
  acc[0] = (int32_t)((uint32_t)a00 * 2u);
  acc[1] = (int32_t)((uint32_t)a01 * 2u);
  acc[2] = (int32_t)((uint32_t)a10 * 2u);
  acc[3] = (int32_t)((uint32_t)a11 * 2u);
}

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* The same quad from int8 weights: LDRD of the two channels' words, four SXTB16
 * into the registers TD_QUAD loads (15 instructions for 16 MACs). */
#define TD_QUAD8                                  \
  "ldrd r4, r6, [%[w]], #8\n\t"                  \
  "sxtb16 r5, r4, ror #8\n\t"                    \
  "sxtb16 r4, r4\n\t"                            \
  "sxtb16 r8, r6, ror #8\n\t"                    \
  "sxtb16 r6, r6\n\t"                            \
  TD_QUAD_MACS

/* Requantize accumulator A with m, e, h in registers M, E, H (n is free by then). */
#define TD_RQ5(A, M, E, H)                        \
  "smmulr " A ", " A ", " M "\n\t"               \
  "add %[n], " H ", " A ", asr #31\n\t"          \
  "add " A ", " A ", %[n]\n\t"                   \
  "asr " A ", " A ", " E "\n\t"                  \
  "ssat " A ", #8, " A "\n\t"

/* A whole record of the fast case (e >= 1, no wide, full range): LDRD of the two
 * biases, the 2x2 block over the quads, LDM of m e h of both channels, five
 * instructions per requantization (DBL doubles the accumulators of int8 weights
 * first). */
#define TD_RECORD2X2_ASM(QUAD, DBL)                                      \
  __asm__ volatile(                                                       \
      "ldrd %[a00], %[a01], [%[w]], #8\n\t"                              \
      "mov %[a10], %[a00]\n\t"                                          \
      "mov %[a11], %[a01]\n\t"                                          \
      "lsrs %[n], %[n], #1\n\t" /* an odd quad first */                 \
      "bcc 2f\n\t" QUAD                                                 \
      "2:\n\t"                                                          \
      "lsrs %[n], %[n], #1\n\t" /* then a pair, then groups of four */  \
      "bcc 4f\n\t" QUAD QUAD                                            \
      "4:\n\t"                                                          \
      "cmp %[n], #0\n\t"                                                \
      "beq 3f\n\t"                                                      \
      "1:\n\t" QUAD QUAD QUAD QUAD                                      \
      "subs %[n], %[n], #1\n\t"                                         \
      "bne 1b\n\t"                                                      \
      "3:\n\t" DBL                                                      \
      "ldm %[w]!, {r4, r5, r6, r8, r10, r12}\n\t" /* m0 e0 h0 m1 e1 h1 */ \
      TD_RQ5("%[a00]", "r4", "r5", "r6") TD_RQ5("%[a10]", "r4", "r5", "r6")      \
      TD_RQ5("%[a01]", "r8", "r10", "r12") TD_RQ5("%[a11]", "r8", "r10", "r12")  \
      /* the four int8 outputs; o0, o1 live in memory and advance by 2 */         \
      "ldr r4, %[o0]\n\t"                                                        \
      "ldr r5, %[o1]\n\t"                                                        \
      "strb %[a01], [r4, #1]\n\t"                                                \
      "strb %[a00], [r4], #2\n\t"                                                \
      "strb %[a11], [r5, #1]\n\t"                                                \
      "strb %[a10], [r5], #2\n\t"                                                \
      "str r4, %[o0]\n\t"                                                        \
      "str r5, %[o1]\n\t"                                                        \
      : [a00] "=&r"(a00), [a01] "=&r"(a01), [a10] "=&r"(a10), [a11] "=&r"(a11),  \
        [w] "+r"(w), [x] "+r"(x), [n] "+r"(quads), [o0] "+m"(*o0), [o1] "+m"(*o1) \
      :                                                                          \
      : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory")

#define TD_DBL4                                                                  \
  "add %[a00], %[a00], %[a00]\n\tadd %[a01], %[a01], %[a01]\n\t"                \
  "add %[a10], %[a10], %[a10]\n\tadd %[a11], %[a11], %[a11]\n\t"

/* Stores channels (c, c+1) of the two pixels at *o0 and *o1 and advances both by 2;
 * returns the next record. w8: int8 weights. */
TD_INLINE const uint32_t *td_record2x2(const uint32_t *w, const uint32_t *x, int32_t quads,
                                       int8_t **o0, int8_t **o1, int w8) {
  int32_t a00, a01, a10, a11;
  if (w8) {
    TD_RECORD2X2_ASM(TD_QUAD8, TD_DBL4);
  } else {
    TD_RECORD2X2_ASM(TD_QUAD, "");
  }
  return w;
}
#else
static const uint32_t *td_record2x2(const uint32_t *w, const uint32_t *x, int32_t quads,
                                    int8_t **o0, int8_t **o1, int w8) {
  int32_t acc[4], y[4];
  const int32_t *rq;
  acc[0] = acc[2] = (int32_t)w[0];
  acc[1] = acc[3] = (int32_t)w[1];
  if (w8) {
    td_block2x2_w8(w + 2, x, quads, acc);
  } else {
    td_block2x2(w + 2, x, quads, acc);
  }
  rq = (const int32_t *)(const void *)(w + 2 + (w8 ? 2 : 4) * quads);
  y[0] = td_dsp_requant_pos(acc[0], rq[0], rq[1], rq[2]);
  y[1] = td_dsp_requant_pos(acc[1], rq[3], rq[4], rq[5]);
  y[2] = td_dsp_requant_pos(acc[2], rq[0], rq[1], rq[2]);
  y[3] = td_dsp_requant_pos(acc[3], rq[3], rq[4], rq[5]);
  (*o0)[0] = (int8_t)y[0];
  (*o0)[1] = (int8_t)y[1];
  (*o1)[0] = (int8_t)y[2];
  (*o1)[1] = (int8_t)y[3];
  *o0 += 2;
  *o1 += 2;
  return w + 8 + (w8 ? 2 : 4) * quads;
}
#endif

/* Every channel pair of two pixels (outputs o0, o1) in the fast case; inlined with
 * constant w8. */
TD_INLINE void td_records(const uint32_t *w, const uint32_t *col, int32_t quads, int8_t *o0,
                          int8_t *o1, int32_t oc, int w8) {
  int32_t c;
  for (c = 0; c < oc; c += 2) {
    w = td_record2x2(w, col, quads, &o0, &o1, w8);
  }
}

#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
/* What td_records_m4 needs besides w, col and quads: the outputs of the two pixels
 * and where the records end. */
typedef struct {
  int8_t *o0, *o1;
  const uint32_t *end; /* past the last record */
} td_rec_args;

/* td_records for int16 weights as one assembly routine, which can use all fourteen
 * registers: four accumulators, four weight words and the four column words of a quad
 * (LDM each), so a quad is ten instructions for 16 MACs. Sixteen quads per loop pass
 * (a KWS pointwise record has no loop test at all); a count that is not a multiple
 * of sixteen enters the loop part-way (the entry address is chosen once per call, a
 * record jumps there with one LDR to PC). The
 * requantization is four instructions: SMMLAR adds h to the rounded product, and the
 * accumulator's sign stands in for the product's (m > 0; a product that rounds to 0
 * gives the same result either way when e >= 1, which the fast case guarantees).
 * Stack: [sp] column end, [sp+4] column, [sp+8] entry, [sp+16] o0, [sp+20] o1,
 * [sp+24] end of the records. */
__attribute__((naked, noinline)) static void td_records_m4(TD_REG_ARG const uint32_t *w,
                                                           TD_REG_ARG const uint32_t *col,
                                                           TD_REG_ARG int32_t quads,
                                                           TD_REG_ARG td_rec_args *args) {
#define TD_M4_QUAD                                  \
  "ldmia.w r0!, {r6, r7, r8, r9}\n\t"               \
  "ldmia.w r1!, {r10, r11, r12, lr}\n\t"            \
  "smlad r2, r6, r10, r2\n\t"                       \
  "smlad r2, r7, r11, r2\n\t"                       \
  "smlad r3, r8, r10, r3\n\t"                       \
  "smlad r3, r9, r11, r3\n\t"                       \
  "smlad r4, r6, r12, r4\n\t"                       \
  "smlad r4, r7, lr, r4\n\t"                        \
  "smlad r5, r8, r12, r5\n\t"                       \
  "smlad r5, r9, lr, r5\n\t"
#define TD_M4_RQ(A, M, E, H)                        \
  "smmlar r12, " A ", " M ", " H "\n\t"             \
  "add r12, r12, " A ", asr #31\n\t"                \
  "asr " A ", r12, " E "\n\t"                       \
  "ssat " A ", #8, " A "\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "sub sp, sp, #28\n\t"
      "add r4, r1, r2, lsl #4\n\t" /* column end: 16 bytes per quad */
      "str r4, [sp]\n\t"
      "str r1, [sp, #4]\n\t"
      "ldmia r3, {r4, r5, r6}\n\t" /* o0, o1, end */
      "add r7, sp, #16\n\t"
      "stmia r7, {r4, r5, r6}\n\t"
      /* entry: the last quads % 16 blocks of the 16 before the loop test */
      "and r6, r2, #15\n\t"
      "rsb r6, r6, #16\n\t"
      "and r6, r6, #15\n\t"
      "movs r7, #40\n\t" /* bytes per block: ten 32-bit instructions */
      "mul r6, r6, r7\n\t"
      "adr.w r7, 10f\n\t"
      "add r7, r7, r6\n\t"
      "orr r7, r7, #1\n\t" /* Thumb state */
      "str r7, [sp, #8]\n\t"
      "1:\n\t" /* one record: channels c, c + 1 of both pixels */
      "ldrd r2, r3, [r0]\n\t" /* the two biases, for both pixels */
      "ldrd r4, r5, [r0], #8\n\t"
      "ldr r1, [sp, #4]\n\t"
      "ldr pc, [sp, #8]\n\t"
      ".p2align 2\n\t"
      "10:\n\t" TD_M4_QUAD "11:\n\t" TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD
      TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD
      TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD TD_M4_QUAD
      ".if (11b - 10b) != 40\n\t"
      ".error \"td_records_m4: a quad block is not 40 bytes\"\n\t"
      ".endif\n\t"
      "ldr r6, [sp]\n\t"
      "cmp r1, r6\n\t"
      "bne 10b\n\t"
      "ldmia.w r0!, {r6, r7, r8, r9, r10, r11}\n\t" /* m0 e0 h0 m1 e1 h1 */
      TD_M4_RQ("r2", "r6", "r7", "r8") TD_M4_RQ("r4", "r6", "r7", "r8")
      TD_M4_RQ("r3", "r9", "r10", "r11") TD_M4_RQ("r5", "r9", "r10", "r11")
      "ldrd r6, r7, [sp, #16]\n\t" /* o0, o1 */
      "strb r3, [r6, #1]\n\t"
      "strb r2, [r6], #2\n\t"
      "strb r5, [r7, #1]\n\t"
      "strb r4, [r7], #2\n\t"
      "strd r6, r7, [sp, #16]\n\t"
      "ldr r6, [sp, #24]\n\t" /* past the last record? */
      "cmp r0, r6\n\t"
      "bne 1b\n\t"
      "add sp, sp, #28\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t");
#undef TD_M4_QUAD
#undef TD_M4_RQ
}
#endif

/* Output pixels [begin, end) (row-major over out_h x out_w) into out (pixel begin). */
static void td_conv_pixels(const td_conv_dsp_params *p, const int8_t *input, int8_t *out,
                           int32_t begin, int32_t end, int8_t *scratch) {
  uint32_t *col = (uint32_t *)(void *)scratch; /* two interleaved int16 columns */
  int8_t *col8 = (int8_t *)(col + p->depth);
  td_bands bands = {{NULL, NULL}, {-1, -1}, 0};
  const int32_t oc = p->out_c;
  const int32_t quads = p->depth >> 2;
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int full = p->act_min <= -128 && p->act_max >= 127;
  const int fast = p->pos && !p->wide && full && (oc & 1) == 0;
  const int pointwise = p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 &&
                        p->pad_w == 0 && (p->in_c & 3) == 0 && p->in_c > 0;
  int32_t pix;
  (void)col8; /* unused when td_features.h leaves out the column and band paths */
  (void)bands;
#if TD_CONV_DSP_BANDS
  if (p->in_c & 3) {
    td_bands_init(&bands, p, col8 + p->depth); /* the compiler gave no band space otherwise */
  }
#endif
  for (pix = begin; pix < end; pix += 2) {
    const int two = pix + 1 < end;
    const int32_t second = two ? pix + 1 : pix;
    const uint32_t *w = (const uint32_t *)(const void *)p->filter;
    int8_t *o0 = out + (pix - begin) * oc;
    int8_t *o1 = two ? o0 + oc : o0; /* a lone last pixel is computed twice */
    int32_t c;
    if (0) {
#if TD_CONV_DSP_BANDS
    } else if (p->row_quads > 0) {
      const int32_t y0 = pix / p->out_w, x0 = pix - y0 * p->out_w;
      const int32_t y1 = second / p->out_w, x1 = second - y1 * p->out_w;
      const int32_t step = p->stride_w * p->in_c;
      const uint32_t off2 = td_pair(p->input_offset, p->input_offset);
      const int8_t *a = td_band(p, input, &bands, y0) + x0 * step;
      td_column_rows(p, a, td_band(p, input, &bands, y1) + x1 * step, bands.row, col, off2);
#endif
    } else if (pointwise) {
      /* a 1x1 convolution's columns are the two input pixels, widened */
      const int32_t y0 = pix / p->out_w, x0 = pix - y0 * p->out_w;
      const int32_t y1 = second / p->out_w, x1 = second - y1 * p->out_w;
      td_widen2(input + (y0 * p->stride_h * p->in_w + x0 * p->stride_w) * p->in_c,
                input + (y1 * p->stride_h * p->in_w + x1 * p->stride_w) * p->in_c, col,
                p->in_c >> 2, td_pair(p->input_offset, p->input_offset));
#if TD_CONV_DSP_COLUMN
    } else {
      td_column(p, input, pix / p->out_w, pix % p->out_w, col, col8, &bands);
      td_column(p, input, second / p->out_w, second % p->out_w, col + 2, col8, &bands);
#endif
    }
    if (fast) {
      if (TD_CONV_DSP_W8 && p->w8) {
        td_records(w, col, quads, o0, o1, oc, 1);
      } else {
#if TD_HAVE_DSP && defined(__thumb2__) && !defined(TD_DSP_NO_ASM)
        td_rec_args args;
        args.o0 = o0;
        args.o1 = o1;
        args.end = w + (oc >> 1) * (4 * quads + 8);
        td_records_m4(w, col, quads, &args);
#else
        td_records(w, col, quads, o0, o1, oc, 0);
#endif
      }
      continue;
    }
#if TD_CONV_DSP_SLOW
    for (c = 0; c < oc; c += 2) {
      int32_t acc[4], rq0[4], rq1[4];
      acc[0] = acc[2] = (int32_t)w[0];
      acc[1] = acc[3] = (int32_t)w[1];
      if (p->w8) {
        td_block2x2_w8(w + 2, col, quads, acc);
        w += 2 + 2 * quads;
      } else {
        td_block2x2(w + 2, col, quads, acc);
        w += 2 + 4 * quads;
      }
      td_dsp_rq4(rq0, (const int32_t *)(const void *)w);
      td_dsp_rq4(rq1, (const int32_t *)(const void *)w + 3);
      w += 6;
      o0[c] = (int8_t)td_dsp_output(acc[0], rq0, p->wide, zp, full, lo, hi);
      o1[c] = (int8_t)td_dsp_output(acc[2], rq0, p->wide, zp, full, lo, hi);
      if (c + 1 < oc) {
        o0[c + 1] = (int8_t)td_dsp_output(acc[1], rq1, p->wide, zp, full, lo, hi);
        o1[c + 1] = (int8_t)td_dsp_output(acc[3], rq1, p->wide, zp, full, lo, hi);
      }
    }
#else
    (void)c;
    (void)zp;
    (void)lo;
    (void)hi;
#endif
  }
}

/* A layer needing a code path this build left out (td_features.h) is refused. */
static int td_conv_dsp_missing(const td_conv_dsp_params *p) {
  const int fast = p->pos && !p->wide && p->act_min <= -128 && p->act_max >= 127 &&
                   (p->out_c & 1) == 0;
  const int pointwise = p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 &&
                        p->pad_w == 0 && (p->in_c & 3) == 0 && p->in_c > 0;
  return (!TD_CONV_DSP_SLOW && !fast) || (!TD_CONV_DSP_W8 && p->w8) ||
         (!TD_CONV_DSP_COLUMN && p->row_quads == 0 && !pointwise) ||
         (!TD_CONV_DSP_BANDS && (p->in_c & 3) != 0);
}

static int td_conv_dsp_bad(const td_conv_dsp_params *p, const int8_t *input,
                           const int8_t *output, const int8_t *scratch) {
  return p == NULL || input == NULL || output == NULL || scratch == NULL ||
         p->filter == NULL || p->batches != 1 || td_conv_dsp_missing(p) ||
         (p->row_quads > 0 && (p->depth != p->filter_h * 4 * p->row_quads ||
                               4 * p->row_quads < p->filter_w * p->in_c)) ||
         p->depth < p->filter_h * p->filter_w * p->in_c || (p->depth & 3) != 0 || p->depth == 0 ||
         ((uintptr_t)scratch & 3u) != 0;
}

td_status td_conv2d_s8_dsp(const td_conv_dsp_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch) {
  if (td_conv_dsp_bad(p, input, output, scratch)) {
    return TD_ERR_ARG;
  }
  td_conv_pixels(p, input, output, 0, p->out_h * p->out_w, scratch);
  return TD_OK;
}

td_status td_conv2d_s8_dsp_rows(const td_conv_dsp_params *p, const int8_t *input,
                                int8_t *output, int32_t row_begin, int32_t row_end,
                                int8_t *scratch) {
  if (td_conv_dsp_bad(p, input, output, scratch) || row_begin < 0 || row_end > p->out_h ||
      row_begin > row_end) {
    return TD_ERR_ARG;
  }
  td_conv_pixels(p, input, output, row_begin * p->out_w, row_end * p->out_w, scratch);
  return TD_OK;
}
