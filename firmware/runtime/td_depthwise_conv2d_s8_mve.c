/*
 * td_depthwise_conv2d_s8_mve.c - DEPTHWISE_CONV_2D (depth multiplier 1) with Helium.
 *
 * Helium has no lane-by-lane multiply-accumulate of two vectors, but it has one of a
 * vector by a scalar (VMLA): so the output pixels go in the lanes and the weight of a
 * tap is the scalar. The input of a band of output rows is first transposed into
 * channel planes in scratch, padded with the zero point ([channel][row][plane_w]
 * bytes); then per channel, four output pixels at a time (consecutive in row-major
 * order, across row ends), each tap is one gather load of the four inputs (their
 * plane offsets computed once per call) and one VMLA: 2 instructions per 4
 * multiply-accumulates. The requantization (td_mve.h, the channel's multiplier and
 * shifts as scalars) ends in a scatter store of the four bytes. The input offset is
 * in the bias (tinydeploy/compile/mve.py), padded taps read the zero point.
 * Without Helium (the host) a plain-C twin computes the same sums.
 */
#pragma GCC optimize("O2")
#include <string.h>

#include "td_kernels.h"
#include "td_mve.h"

/* Offsets table: per group of four output pixels three vectors, the plane offsets of
 * their windows' first tap in filter rows 0, 1 and 2 (td_mve_dw_offsets). */
#define TD_MVE_DW_TABLE_WORDS 12
/* Words of a channel's record: bias folded with the input offset, m, -right shift,
 * output zero point, left shift (compile/mve.py). */
#define TD_MVE_DW_RECORD_WORDS 5

static void td_mve_dw_offsets(const td_dwconv_mve_params *p, uint32_t *offs) {
  const int32_t most = p->band_rows * p->out_w;
  const int32_t groups = (most + 3) / 4;
  const int32_t row = p->dilation_h * p->plane_w;
  int32_t i;
  for (i = 0; i < 4 * groups; ++i) {
    /* lanes past the band read offset 0 (inside the planes), never stored */
    const int32_t oy = i < most ? i / p->out_w : 0;
    const int32_t ox = i < most ? i - oy * p->out_w : 0;
    const uint32_t o = (uint32_t)(oy * p->stride_h * p->plane_w + ox * p->stride_w);
    uint32_t *g = offs + (i / 4) * TD_MVE_DW_TABLE_WORDS + i % 4;
    g[0] = o;
    g[4] = o + (uint32_t)row;
    g[8] = o + 2u * (uint32_t)row;
  }
}

#if TD_MVE

/* The band's input rows iy0 .. iy0 + band_in_rows - 1 as channel planes. */
static void td_mve_dw_planes(const td_dwconv_mve_params *p, const int8_t *input, int32_t iy0,
                             int8_t *planes) {
  const int32_t C = p->channels;
  const int32_t rows = p->band_in_rows;
  const int32_t pw = p->plane_w;
  const int32_t plane = rows * pw;
  const uint32x4_t offp = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)plane);
  const int8x16_t zp = vdupq_n_s8((int8_t)p->pad_value);
  int32_t n = C * rows * pw;
  int8_t *dst = planes;
  int32_t r;
  while (n > 0) { /* the zero point everywhere, then the image over it */
    vstrbq_p_s8(dst, zp, vctp8q((uint32_t)n));
    dst += 16;
    n -= 16;
  }
  for (r = 0; r < rows; ++r) { /* a pixel's channels at a time, scattered to their planes */
    const int32_t iy = iy0 + r;
    const int8_t *src = input + iy * p->in_w * C;
    int8_t *dst0 = planes + r * pw + p->pad_w;
    int32_t ix;
    if (iy < 0 || iy >= p->in_h) {
      continue;
    }
    for (ix = 0; ix < p->in_w; ++ix) {
      int8_t *dst = dst0 + ix;
      int32_t c;
      for (c = 0; c < C; c += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(C - c));
        vstrbq_scatter_offset_p_s32(dst, offp, vldrbq_z_s32(src, pr), pr);
        src += 4;
        dst += 4 * plane;
      }
      src -= (4 - C % 4) % 4; /* the last step's lanes past C */
    }
  }
}

/* What the 3x3 assembly loop reads; the offsets of fields are in its loads. */
typedef struct {
  const int32_t *w;      /* 0: the channel's nine weights */
  const int32_t *rq;     /* 4: the channel's record (its first four words) */
  int32_t step;          /* 8: 4 * channels: the next group's output */
  const uint32_t *end;   /* 12: the offsets table past the last whole group */
  const uint32_t *offs;  /* 16 */
  const int8_t *plane;   /* 20 */
  int32_t col;           /* 24: dilation_w */
  int8_t *out;           /* 28: output of the channel's first pixel */
  int32_t lo_hi_c[3];    /* 32: act_min, act_max, channels */
  int32_t rest;          /* 44: pixels of a last, partial group after end (0: none) */
} td_mve_dw_args;

/* The groups of four pixels of one channel, 3x3, no left shift: per group an LDM of
 * the nine weights, three offset vectors, nine gathers and VMLAs (VMUL first), the
 * requantization and a scatter store (predicated in a last, partial group); 39
 * instructions for 36 multiply-accumulates. */
__attribute__((naked, noinline)) static void td_mve_dw3x3_groups(const td_mve_dw_args *a) {
#define TD_MVE_DW_ROW(Q, W0, W1, W2) \
  "vldrb.s32 q4, [r9, " Q            \
  "]\n\t"                            \
  "vmla.s32 q3, q4, " W0             \
  "\n\t"                             \
  "vldrb.s32 q4, [r10, " Q           \
  "]\n\t"                            \
  "vmla.s32 q3, q4, " W1             \
  "\n\t"                             \
  "vldrb.s32 q4, [r11, " Q           \
  "]\n\t"                            \
  "vmla.s32 q3, q4, " W2 "\n\t"
/* one group's sums and requantization into q3 (labels 2 and 4: one use each) */
#define TD_MVE_DW_GROUP(L) \
  "ldr r0, [sp]\n\t"                                          \
  "ldm r0, {r0, r1, r2, r3, r4, r5, r6, r7, r8}\n\t"          \
  "vldrw.u32 q1, [r12, #16]\n\t"                              \
  "vldrw.u32 q2, [r12, #32]\n\t"                              \
  "vldrw.u32 q0, [r12], #48\n\t"                              \
  "vldrb.s32 q4, [r9, q0]\n\t"                                \
  "vmul.i32 q3, q4, r0\n\t"                                   \
  "vldrb.s32 q4, [r10, q0]\n\t"                               \
  "vmla.s32 q3, q4, r1\n\t"                                   \
  "vldrb.s32 q4, [r11, q0]\n\t"                               \
  "vmla.s32 q3, q4, r2\n\t"                                   \
  TD_MVE_DW_ROW("q1", "r3", "r4", "r5")                       \
  TD_MVE_DW_ROW("q2", "r6", "r7", "r8")                       \
  "ldr r0, [sp, #4]\n\t"                                      \
  "ldm r0, {r0, r1, r2, r3}\n\t" /* bias m -right zp */       \
  "vadd.i32 q3, q3, r0\n\t"                                   \
  "vqrdmulh.s32 q3, q3, r1\n\t"                               \
  "cbz r2, " L "f\n\t"                                        \
  "vshr.s32 q4, q3, #31\n\t" /* negatives lose 1, saturating */ \
  "vqadd.s32 q3, q3, q4\n\t"                                  \
  "vrshl.s32 q3, r2\n\t"                                      \
  L ":\n\t"                                                   \
  "vadd.i32 q3, q3, r3\n\t"                                   \
  "vmax.s32 q3, q3, q5\n\t"                                   \
  "vmin.s32 q3, q3, q6\n\t"
  __asm__ volatile(
      "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
      "vpush {d8-d15}\n\t"
      "sub sp, sp, #24\n\t"
      "ldmia r0, {r1, r2, r3, r4}\n\t" /* w rq step end */
      "stmia sp, {r1, r2, r3, r4}\n\t"
      "ldr r1, [r0, #44]\n\t" /* pixels of the last, partial group (0: none) */
      "str r1, [sp, #16]\n\t"
      "ldr r12, [r0, #16]\n\t"
      "ldr r9, [r0, #20]\n\t"
      "ldr r1, [r0, #24]\n\t"
      "add r10, r9, r1\n\t"
      "add r11, r10, r1\n\t"
      "ldr lr, [r0, #28]\n\t"
      "ldr r1, [r0, #32]\n\t"
      "vdup.32 q5, r1\n\t"
      "ldr r1, [r0, #36]\n\t"
      "vdup.32 q6, r1\n\t"
      "ldr r1, [r0, #40]\n\t"
      "movs r2, #0\n\t"
      "vidup.u32 q7, r2, #1\n\t" /* 0 1 2 3 */
      "vmul.i32 q7, q7, r1\n\t" /* the scatter offsets 0, C, 2C, 3C */
      "cmp r12, r4\n\t"
      "beq 3f\n\t"
      "1:\n\t" TD_MVE_DW_GROUP("2")
      "vstrb.32 q3, [lr, q7]\n\t"
      "ldrd r0, r1, [sp, #8]\n\t"
      "add lr, lr, r0\n\t"
      "cmp r12, r1\n\t"
      "bne 1b\n\t"
      "3:\n\t"
      "ldr r0, [sp, #16]\n\t"
      "cmp r0, #0\n\t"
      "beq.w 5f\n\t" TD_MVE_DW_GROUP("4")
      "ldr r0, [sp, #16]\n\t"
      "vctp.32 r0\n\t"
      "vpst\n\t"
      "vstrbt.32 q3, [lr, q7]\n\t"
      "5:\n\t"
      "add sp, sp, #24\n\t"
      "vpop {d8-d15}\n\t"
      "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t" ::: "memory");
#undef TD_MVE_DW_ROW
#undef TD_MVE_DW_GROUP
}

/* Groups g0 .. of one channel in C (any filter, left shifts, the last partial group). */
static void td_mve_dw_channel(const td_dwconv_mve_params *p, const int8_t *plane,
                              const uint32_t *offs, int32_t g0, int32_t pixels, const int32_t *w,
                              const int32_t *rec, int8_t *out) {
  const uint32x4_t offc = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)p->channels);
  const int32_t row = p->dilation_h * p->plane_w;
  const int32_t col = p->dilation_w;
  int32_t g;
  out += g0 * p->channels;
  for (g = g0; g < pixels; g += 4) {
    const uint32x4_t o = vldrwq_u32(offs + g / 4 * TD_MVE_DW_TABLE_WORDS);
    int32x4_t acc = vdupq_n_s32(0);
    int32_t ky, kx, t = 0;
    for (ky = 0; ky < p->filter_h; ++ky) {
      for (kx = 0; kx < p->filter_w; ++kx) {
        acc = vmlaq_n_s32(acc, vldrbq_gather_offset_s32(plane + ky * row + kx * col, o), w[t++]);
      }
    }
    acc = vshlq_r_s32(vaddq_n_s32(acc, rec[0]), rec[4]);
    acc = vqrdmulhq_n_s32(acc, rec[1]);
    if (rec[2] < 0) { /* negatives lose 1 first (td_mve.h) */
      acc = vrshlq_n_s32(vqaddq_s32(acc, vshrq_n_s32(acc, 31)), rec[2]);
    }
    acc = vaddq_n_s32(acc, rec[3]);
    acc = vminq_s32(vmaxq_s32(acc, vdupq_n_s32(p->act_min)), vdupq_n_s32(p->act_max));
    vstrbq_scatter_offset_p_s32(out, offc, acc, vctp32q((uint32_t)(pixels - g)));
    out += 4 * p->channels;
  }
}

td_status td_depthwise_conv2d_s8_mve(const td_dwconv_mve_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch) {
  const int32_t C = p->channels;
  const int32_t taps = p->filter_h * p->filter_w;
  const int fast = p->filter_h == 3 && p->filter_w == 3 && !p->left;
  uint32_t *const offs = (uint32_t *)(void *)scratch;
  const int32_t groups = (p->band_rows * p->out_w + 3) / 4;
  int8_t *const planes = scratch + 4 * TD_MVE_DW_TABLE_WORDS * groups;
  td_mve_dw_args a;
  int32_t oy0;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->weights == NULL ||
      p->requant == NULL || p->band_rows < 1) {
    return TD_ERR_ARG;
  }
  td_mve_dw_offsets(p, offs);
  a.step = 4 * C;
  a.offs = offs;
  a.col = p->dilation_w;
  a.lo_hi_c[0] = p->act_min;
  a.lo_hi_c[1] = p->act_max;
  a.lo_hi_c[2] = C;
  for (oy0 = 0; oy0 < p->out_h; oy0 += p->band_rows) {
    const int32_t rows = p->out_h - oy0 < p->band_rows ? p->out_h - oy0 : p->band_rows;
    const int32_t pixels = rows * p->out_w;
    const int32_t whole = fast ? pixels / 4 * 4 : 0;
    a.rest = fast ? pixels - whole : 0;
    int8_t *out = output + oy0 * p->out_w * C;
    int32_t c;
    td_mve_dw_planes(p, input, oy0 * p->stride_h - p->pad_h, planes);
    a.end = offs + whole / 4 * TD_MVE_DW_TABLE_WORDS;
    for (c = 0; c < C; ++c) {
      const int8_t *plane = planes + c * p->band_in_rows * p->plane_w;
      const int32_t *w = p->weights + c * taps;
      const int32_t *rec = p->requant + TD_MVE_DW_RECORD_WORDS * c;
      if (fast) {
        a.w = w;
        a.rq = rec;
        a.plane = plane;
        a.out = out + c;
        td_mve_dw3x3_groups(&a);
      }
      if (!fast) {
        td_mve_dw_channel(p, plane, offs, whole, pixels, w, rec, out + c);
      }
    }
  }
  return TD_OK;
}

#else /* the plain-C twin: the same planes and sums, one output at a time */

td_status td_depthwise_conv2d_s8_mve(const td_dwconv_mve_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch) {
  const int32_t C = p->channels;
  const int32_t taps = p->filter_h * p->filter_w;
  const int32_t groups = (p->band_rows * p->out_w + 3) / 4;
  uint32_t *const offs = (uint32_t *)(void *)scratch;
  int8_t *const planes = scratch + 4 * TD_MVE_DW_TABLE_WORDS * groups;
  int32_t oy0;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->weights == NULL ||
      p->requant == NULL || p->band_rows < 1) {
    return TD_ERR_ARG;
  }
  td_mve_dw_offsets(p, offs);
  for (oy0 = 0; oy0 < p->out_h; oy0 += p->band_rows) {
    const int32_t rows = p->out_h - oy0 < p->band_rows ? p->out_h - oy0 : p->band_rows;
    const int32_t iy0 = oy0 * p->stride_h - p->pad_h;
    int32_t r, c, i;
    /* the band's planes first: the output may overwrite the input (in place) */
    memset(planes, p->pad_value, (size_t)(C * p->band_in_rows * p->plane_w));
    for (r = 0; r < p->band_in_rows; ++r) {
      if (iy0 + r < 0 || iy0 + r >= p->in_h) {
        continue;
      }
      for (c = 0; c < C; ++c) {
        int32_t ix;
        for (ix = 0; ix < p->in_w; ++ix) {
          planes[(c * p->band_in_rows + r) * p->plane_w + p->pad_w + ix] =
              input[((iy0 + r) * p->in_w + ix) * C + c];
        }
      }
    }
    for (i = 0; i < rows * p->out_w; ++i) {
      const uint32_t o = offs[i / 4 * TD_MVE_DW_TABLE_WORDS + i % 4];
      for (c = 0; c < C; ++c) {
        const int8_t *plane = planes + c * p->band_in_rows * p->plane_w + o;
        const int32_t *w = p->weights + c * taps;
        const int32_t *rec = p->requant + TD_MVE_DW_RECORD_WORDS * c;
        int32_t ky, kx, j, rq[16];
        td_mve_v32 acc = {{0, 0, 0, 0}};
        for (ky = 0; ky < p->filter_h; ++ky) {
          for (kx = 0; kx < p->filter_w; ++kx) {
            acc.v[0] += plane[ky * p->dilation_h * p->plane_w + kx * p->dilation_w] *
                        w[ky * p->filter_w + kx];
          }
        }
        for (j = 0; j < 4; ++j) { /* the channel's record as a conv block of one lane */
          rq[j] = rec[0];
          rq[4 + j] = rec[1];
          rq[8 + j] = rec[4];
          rq[12 + j] = rec[2];
        }
        acc = td_mve_requant(acc, rq, rec[3], p->act_min, p->act_max);
        output[(oy0 * p->out_w + i) * C + c] = (int8_t)acc.v[0];
      }
    }
  }
  return TD_OK;
}

#endif /* TD_MVE */
