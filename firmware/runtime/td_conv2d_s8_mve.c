/*
 * td_conv2d_s8_mve.c - CONV_2D and FULLY_CONNECTED with Helium (Cortex-M55).
 *
 * An int8 matrix product, two output pixels at a time: their columns (the input row
 * itself for a 1x1 convolution without padding, else the window copied with the zero
 * point in the padding), then per block of four output channels and 16 bytes of depth
 * two input vectors against the four channels' weight vectors: eight VMLADAVA.S8 (an
 * assembly loop, td_mve_dots). The input offset is in the bias
 * (tinydeploy/compile/mve.py); the sums are requantized four channels to a vector
 * (td_mve.h) and stored as bytes. Without Helium (the host) the plain-C twins below
 * compute the same sums.
 */
#pragma GCC optimize("O2")
#include <string.h>

#include "td_kernels.h"
#include "td_mve.h"

/* The sums of two pixels' columns against every block of four channels (the plain-C
 * twin below says what it computes). */
typedef struct {
  const int8_t *x0;     /* the columns of the two pixels (the same one for a lone pixel) */
  const int8_t *x1;
  const int8_t *w;      /* td_conv_mve_params.weights */
  int32_t vecs;         /* whole 16-byte vectors of depth */
  int32_t tail;         /* depth % 16: one more vector, its input lanes past depth zero */
  int32_t blocks;       /* ceil(out_c / 4) */
  int32_t *sums0;       /* [4 * blocks] int32 sums of pixel 0 */
  int32_t *sums1;       /* [4 * blocks] pixel 1 */
} td_mve_dots_args;

#if TD_MVE

/* Eight accumulators (two pixels x four channels) in the eight even registers
 * VMLADAVA takes: per 16 bytes of depth two input vectors, four weight vectors and
 * eight VMLADAVA.S8 (128 multiply-accumulates in 16 instructions). Stack: the args
 * copied at [sp] (x0 x1 w vecs tail blocks). */
__attribute__((naked, noinline)) static void td_mve_dots(const td_mve_dots_args *a) {
#define TD_MVE_DOT16            \
  "vldrb.8 q0, [r1], #16\n\t"   \
  "vldrb.8 q1, [r3], #16\n\t"   \
  "vldrb.8 q2, [r5], #16\n\t"   \
  "vldrb.8 q3, [r5], #16\n\t"   \
  "vmladava.s8 r0, q0, q2\n\t"  \
  "vmladava.s8 r8, q1, q2\n\t"  \
  "vldrb.8 q2, [r5], #16\n\t"   \
  "vmladava.s8 r2, q0, q3\n\t"  \
  "vmladava.s8 r10, q1, q3\n\t" \
  "vldrb.8 q3, [r5], #16\n\t"   \
  "vmladava.s8 r4, q0, q2\n\t"  \
  "vmladava.s8 r12, q1, q2\n\t" \
  "vmladava.s8 r6, q0, q3\n\t"  \
  "vmladava.s8 lr, q1, q3\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "sub sp, sp, #24\n\t"
      "ldmia r0, {r1, r2, r3, r4, r5, r6, r7, r8}\n\t" /* x0 x1 w vecs tail blocks s0 s1 */
      "stmia sp, {r1, r2, r3, r4, r5, r6}\n\t"
      "mov r9, r7\n\t"
      "mov r11, r8\n\t"
      "mov r5, r3\n\t" /* the weight stream, read once */
      "1:\n\t"
      "ldr r1, [sp]\n\t"
      "ldr r3, [sp, #4]\n\t"
      "ldr r7, [sp, #12]\n\t"
      "movs r0, #0\n\t"
      "movs r2, #0\n\t"
      "movs r4, #0\n\t"
      "movs r6, #0\n\t"
      "mov r8, r0\n\t"
      "mov r10, r0\n\t"
      "mov r12, r0\n\t"
      "mov lr, r0\n\t"
      "cbz r7, 3f\n\t"
      "2:\n\t" TD_MVE_DOT16
      "subs r7, r7, #1\n\t"
      "bne 2b\n\t"
      "3:\n\t"
      "ldr r7, [sp, #16]\n\t"
      "cbz r7, 4f\n\t"
      "vctp.8 r7\n\t" /* the last vector: input lanes past depth zeroed, not read */
      "vpstt\n\t"
      "vldrbt.8 q0, [r1]\n\t"
      "vldrbt.8 q1, [r3]\n\t"
      "vldrb.8 q2, [r5], #16\n\t"
      "vldrb.8 q3, [r5], #16\n\t"
      "vmladava.s8 r0, q0, q2\n\t"
      "vmladava.s8 r8, q1, q2\n\t"
      "vldrb.8 q2, [r5], #16\n\t"
      "vmladava.s8 r2, q0, q3\n\t"
      "vmladava.s8 r10, q1, q3\n\t"
      "vldrb.8 q3, [r5], #16\n\t"
      "vmladava.s8 r4, q0, q2\n\t"
      "vmladava.s8 r12, q1, q2\n\t"
      "vmladava.s8 r6, q0, q3\n\t"
      "vmladava.s8 lr, q1, q3\n\t"
      "4:\n\t"
      "stmia r9!, {r0, r2, r4, r6}\n\t"
      "stmia r11!, {r8, r10, r12, lr}\n\t"
      "ldr r7, [sp, #20]\n\t"
      "subs r7, r7, #1\n\t"
      "str r7, [sp, #20]\n\t"
      "bne 1b\n\t"
      "add sp, sp, #24\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t" ::
          : "memory");
#undef TD_MVE_DOT16
}

/* td_mve_dots for a lone pixel (x1 unused, sums1 untouched): four accumulators, per 16
 * bytes of depth one input vector, four weight vectors and four VMLADAVA.S8. */
__attribute__((naked, noinline)) static void td_mve_dots1(const td_mve_dots_args *a) {
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "ldmia r0, {r1, r2, r3, r4, r5, r6, r7}\n\t" /* x0 x1 w vecs tail blocks s0 */
      "mov r8, r1\n\t"  /* x0 */
      "mov r9, r7\n\t"  /* sums */
      "mov r10, r4\n\t" /* vecs */
      "mov r11, r5\n\t" /* tail */
      "mov r12, r6\n\t" /* blocks */
      "mov r5, r3\n\t"  /* the weight stream */
      "1:\n\t"
      "mov r1, r8\n\t"
      "movs r0, #0\n\t"
      "movs r2, #0\n\t"
      "movs r4, #0\n\t"
      "movs r6, #0\n\t"
      "movs r7, r10\n\t"
      "beq 3f\n\t"
      "2:\n\t"
      "vldrb.8 q0, [r1], #16\n\t"
      "vldrb.8 q1, [r5], #16\n\t"
      "vmladava.s8 r0, q0, q1\n\t"
      "vldrb.8 q2, [r5], #16\n\t"
      "vmladava.s8 r2, q0, q2\n\t"
      "vldrb.8 q1, [r5], #16\n\t"
      "vmladava.s8 r4, q0, q1\n\t"
      "vldrb.8 q2, [r5], #16\n\t"
      "vmladava.s8 r6, q0, q2\n\t"
      "subs r7, r7, #1\n\t"
      "bne 2b\n\t"
      "3:\n\t"
      "cmp r11, #0\n\t"
      "beq 4f\n\t"
      "vctp.8 r11\n\t" /* the last vector: input lanes past depth zeroed, not read */
      "vpst\n\t"
      "vldrbt.8 q0, [r1]\n\t"
      "vldrb.8 q1, [r5], #16\n\t"
      "vmladava.s8 r0, q0, q1\n\t"
      "vldrb.8 q2, [r5], #16\n\t"
      "vmladava.s8 r2, q0, q2\n\t"
      "vldrb.8 q1, [r5], #16\n\t"
      "vmladava.s8 r4, q0, q1\n\t"
      "vldrb.8 q2, [r5], #16\n\t"
      "vmladava.s8 r6, q0, q2\n\t"
      "4:\n\t"
      "stmia r9!, {r0, r2, r4, r6}\n\t"
      "subs r12, r12, #1\n\t"
      "bne 1b\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t" ::
          : "memory");
}

/* n bytes from src to dst, a vector at a time (the last one predicated). */
TD_MVE_INLINE void td_mve_copy(int8_t *dst, const int8_t *src, int32_t n) {
  while (n > 0) {
    const mve_pred16_t pr = vctp8q((uint32_t)n);
    vstrbq_p_s8(dst, vldrbq_z_s8(src, pr), pr);
    dst += 16;
    src += 16;
    n -= 16;
  }
}

TD_MVE_INLINE void td_mve_fill(int8_t *dst, int32_t value, int32_t n) {
  const int8x16_t v = vdupq_n_s8((int8_t)value);
  while (n > 0) {
    vstrbq_p_s8(dst, v, vctp8q((uint32_t)n));
    dst += 16;
    n -= 16;
  }
}

/* Four channels of two pixels from their sums; left: some channel shifts left. */
TD_MVE_INLINE void td_mve_requant_block(const int32_t *rec, const int32_t *s0, const int32_t *s1,
                                        int32x4_t *x0, int32x4_t *x1, int32_t zp, int32x4_t lo,
                                        int32x4_t hi, int left) {
  const int32x4_t bias = vldrwq_s32(rec);
  const int32x4_t m = vldrwq_s32(rec + 4);
  const int32x4_t right = vldrwq_s32(rec + 12);
  const int32x4_t neg = vshrq_n_s32(right, 31); /* -1 where it shifts right */
  int32x4_t x = vaddq_s32(vldrwq_s32(s0), bias);
  int32x4_t y = vaddq_s32(vldrwq_s32(s1), bias);
  if (left) {
    const int32x4_t l = vldrwq_s32(rec + 8);
    x = vshlq_s32(x, l);
    y = vshlq_s32(y, l);
  }
  x = vqrdmulhq_s32(x, m);
  y = vqrdmulhq_s32(y, m);
  x = vrshlq_s32(vqaddq_s32(x, vandq_s32(vshrq_n_s32(x, 31), neg)), right);
  y = vrshlq_s32(vqaddq_s32(y, vandq_s32(vshrq_n_s32(y, 31), neg)), right);
  *x0 = vminq_s32(vmaxq_s32(vaddq_n_s32(x, zp), lo), hi);
  *x1 = vminq_s32(vmaxq_s32(vaddq_n_s32(y, zp), lo), hi);
}

TD_MVE_INLINE void td_mve_requant_pixels(const td_conv_mve_params *p, const int32_t *s0,
                                         const int32_t *s1, int8_t *out0, int8_t *out1, int left) {
  const int32_t *rec = p->requant;
  const int32_t zp = p->output_offset;
  const int32x4_t lo = vdupq_n_s32(p->act_min);
  const int32x4_t hi = vdupq_n_s32(p->act_max);
  const int32_t whole = p->out_c & ~3;
  int32_t c;
  for (c = 0; c < whole; c += TD_MVE_BLOCK) {
    int32x4_t x, y;
    td_mve_requant_block(rec, s0 + c, s1 + c, &x, &y, zp, lo, hi, left);
    vstrbq_s32(out0 + c, x);
    vstrbq_s32(out1 + c, y);
    rec += TD_MVE_RECORD_WORDS;
  }
  if (whole < p->out_c) {
    const mve_pred16_t pr = vctp32q((uint32_t)(p->out_c - whole));
    int32x4_t x, y;
    td_mve_requant_block(rec, s0 + c, s1 + c, &x, &y, zp, lo, hi, left);
    vstrbq_p_s32(out0 + c, x, pr);
    vstrbq_p_s32(out1 + c, y, pr);
  }
}

/* out_c outputs of two pixels from their sums; the records loaded once for both. */
static void td_mve_requant_pair(const td_conv_mve_params *p, const int32_t *s0, const int32_t *s1,
                                int8_t *out0, int8_t *out1) {
  if (p->left) {
    td_mve_requant_pixels(p, s0, s1, out0, out1, 1);
  } else {
    td_mve_requant_pixels(p, s0, s1, out0, out1, 0);
  }
}

#else /* the plain-C twin */

static void td_mve_dots(const td_mve_dots_args *a) {
  const int8_t *w = a->w;
  const int32_t depth = 16 * a->vecs + a->tail;
  const int32_t vecs = a->vecs + (a->tail > 0);
  int32_t b;
  for (b = 0; b < a->blocks; ++b) {
    int32_t k;
    int j;
    for (j = 0; j < TD_MVE_BLOCK; ++j) {
      a->sums0[4 * b + j] = 0;
      a->sums1[4 * b + j] = 0;
    }
    for (k = 0; k < vecs; ++k) {
      for (j = 0; j < TD_MVE_BLOCK; ++j) {
        int32_t i;
        for (i = 0; i < 16 && 16 * k + i < depth; ++i) {
          a->sums0[4 * b + j] += (int32_t)a->x0[16 * k + i] * w[16 * j + i];
          a->sums1[4 * b + j] += (int32_t)a->x1[16 * k + i] * w[16 * j + i];
        }
      }
      w += 64;
    }
  }
}

static void td_mve_dots1(const td_mve_dots_args *a) { td_mve_dots(a); }

TD_MVE_INLINE void td_mve_copy(int8_t *dst, const int8_t *src, int32_t n) {
  if (n > 0) {
    memcpy(dst, src, (size_t)n);
  }
}

TD_MVE_INLINE void td_mve_fill(int8_t *dst, int32_t value, int32_t n) {
  if (n > 0) {
    memset(dst, value, (size_t)n);
  }
}

static void td_mve_requant_pair(const td_conv_mve_params *p, const int32_t *s0, const int32_t *s1,
                                int8_t *out0, int8_t *out1) {
  const int32_t *rec = p->requant;
  int32_t c;
  for (c = 0; c < p->out_c; c += TD_MVE_BLOCK) {
    td_mve_v32 x, y;
    int j;
    for (j = 0; j < 4; ++j) {
      x.v[j] = s0[c + j];
      y.v[j] = s1[c + j];
    }
    x = td_mve_requant(x, rec, p->output_offset, p->act_min, p->act_max);
    y = td_mve_requant(y, rec, p->output_offset, p->act_min, p->act_max);
    for (j = 0; j < TD_MVE_BLOCK && c + j < p->out_c; ++j) {
      out0[c + j] = (int8_t)x.v[j];
      out1[c + j] = (int8_t)y.v[j];
    }
    rec += TD_MVE_RECORD_WORDS;
  }
}

#endif /* TD_MVE */

/* The window of output pixel (oy, ox) as one column of depth bytes. Without dilation a
 * filter row is at most three runs: zero-point padding, a run of the input row, padding. */
static void td_mve_column(const td_conv_mve_params *p, const int8_t *input, int32_t oy, int32_t ox,
                          int8_t *col) {
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  const int32_t in_c = p->in_c;
  const int32_t run = p->filter_w * in_c;
  /* the taps inside the image: fx in [lo, hi) */
  const int32_t lo = ix0 < 0 ? -ix0 : 0;
  const int32_t hi = p->in_w - ix0 < p->filter_w ? p->in_w - ix0 : p->filter_w;
  int32_t fy;
  for (fy = 0; fy < p->filter_h; ++fy) {
    const int32_t iy = iy0 + fy * p->dilation_h;
    int32_t fx;
    if (iy < 0 || iy >= p->in_h || (p->dilation_w == 1 && hi <= lo)) {
      td_mve_fill(col, p->pad_value, run);
    } else if (p->dilation_w == 1) {
      td_mve_fill(col, p->pad_value, lo * in_c);
      td_mve_copy(col + lo * in_c, input + (iy * p->in_w + ix0 + lo) * in_c, (hi - lo) * in_c);
      td_mve_fill(col + hi * in_c, p->pad_value, run - hi * in_c);
    } else {
      for (fx = 0; fx < p->filter_w; ++fx) {
        const int32_t ix = ix0 + fx * p->dilation_w;
        if (ix < 0 || ix >= p->in_w) {
          td_mve_fill(col + fx * in_c, p->pad_value, in_c);
        } else {
          td_mve_copy(col + fx * in_c, input + (iy * p->in_w + ix) * in_c, in_c);
        }
      }
    }
    col += run;
  }
}

/* Where the column of pixel number i (row-major over the output) is: the input row
 * itself (direct) or col, filled here. */
static const int8_t *td_mve_pixel_column(const td_conv_mve_params *p, const int8_t *input,
                                         int32_t i, int8_t *col) {
  const int32_t oy = i / p->out_w;
  const int32_t ox = i - oy * p->out_w;
  if (p->direct) {
    return input + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_c;
  }
  td_mve_column(p, input, oy, ox, col);
  return col;
}

td_status td_conv2d_s8_mve(const td_conv_mve_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch) {
  const int32_t pixels = p->out_h * p->out_w;
  const int32_t blocks = (p->out_c + TD_MVE_BLOCK - 1) / TD_MVE_BLOCK;
  /* scratch: the two pixels' sums, then their columns (whole vectors apart) */
  int32_t *const sums = (int32_t *)(void *)scratch;
  int8_t *const col0 = scratch + 2 * 4 * TD_MVE_BLOCK * blocks;
  int8_t *const col1 = col0 + (p->depth + 15) / 16 * 16;
  td_mve_dots_args a;
  int32_t i;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->weights == NULL ||
      p->requant == NULL || p->depth != p->filter_h * p->filter_w * p->in_c) {
    return TD_ERR_ARG;
  }
  a.w = p->weights;
  /* a column in scratch is whole vectors (the weights past depth are zero, whatever
   * the bytes there); an input row (direct) ends at depth: its last vector predicated */
  a.vecs = p->direct ? p->depth >> 4 : (p->depth + 15) >> 4;
  a.tail = p->direct ? p->depth & 15 : 0;
  a.blocks = blocks;
  a.sums0 = sums;
  a.sums1 = sums + TD_MVE_BLOCK * blocks;
  for (i = 0; i < pixels; i += 2) {
    const int pair = i + 1 < pixels;
    a.x0 = td_mve_pixel_column(p, input, i, col0);
    if (pair) {
      a.x1 = td_mve_pixel_column(p, input, i + 1, col1);
      td_mve_dots(&a);
    } else { /* a lone pixel (FULLY_CONNECTED): sums1 = sums0 for the paired requant */
      a.x1 = a.x0;
      td_mve_dots1(&a);
      memcpy(a.sums1, a.sums0, (size_t)(4 * TD_MVE_BLOCK * blocks));
    }
    td_mve_requant_pair(p, a.sums0, a.sums1, output, pair ? output + p->out_c : output);
    output += 2 * p->out_c;
  }
  return TD_OK;
}
