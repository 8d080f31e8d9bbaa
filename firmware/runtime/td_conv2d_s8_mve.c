/*
 * td_conv2d_s8_mve.c - CONV_2D and FULLY_CONNECTED with Helium (Cortex-M55).
 *
 * An int8 matrix product: per output pixel its column (the input row itself for a
 * 1x1 convolution without padding, else the window copied with the zero point in the
 * padding), then per block of four output channels one 16-byte input vector against
 * the four channels' weight vectors: four VMLADAVA.S8, 64 multiply-accumulates, per
 * five loads. The input offset is in the bias (tinydeploy/compile/mve.py); the four
 * sums are requantized as one vector (td_mve.h) and stored as four bytes.
 * Without Helium (the host) the plain-C twin below computes the same sums.
 */
#pragma GCC optimize("O2")
#include <string.h>

#include "td_kernels.h"
#include "td_mve.h"

#if TD_MVE

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

/* One pixel's out_c outputs from its column. */
static void td_mve_pixel(const td_conv_mve_params *p, const int8_t *col, int8_t *out) {
  const int32_t vecs = p->depth >> 4;
  const int32_t tail = p->depth & 15;
  const int8_t *w = p->weights;
  const int32_t *rec = p->requant;
  const int32_t zp = p->output_offset;
  const int32_t lo = p->act_min;
  const int32_t hi = p->act_max;
  int32_t c;
  for (c = 0; c < p->out_c; c += TD_MVE_BLOCK) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const int8_t *x = col;
    int32_t k;
    int32x4_t acc;
    for (k = 0; k < vecs; ++k) {
      const int8x16_t xv = vldrbq_s8(x);
      a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w));
      a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w + 16));
      a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w + 32));
      a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w + 48));
      x += 16;
      w += 64;
    }
    if (tail) { /* the weights past depth are zero; the input lanes are zeroed, not read */
      const int8x16_t xv = vldrbq_z_s8(x, vctp8q((uint32_t)tail));
      a0 = vmladavaq_s8(a0, xv, vldrbq_s8(w));
      a1 = vmladavaq_s8(a1, xv, vldrbq_s8(w + 16));
      a2 = vmladavaq_s8(a2, xv, vldrbq_s8(w + 32));
      a3 = vmladavaq_s8(a3, xv, vldrbq_s8(w + 48));
      w += 64;
    }
    acc = vdupq_n_s32(a0);
    acc = vsetq_lane_s32(a1, acc, 1);
    acc = vsetq_lane_s32(a2, acc, 2);
    acc = vsetq_lane_s32(a3, acc, 3);
    acc = td_mve_requant(acc, rec, zp, lo, hi);
    rec += TD_MVE_RECORD_WORDS;
    if (p->out_c - c >= TD_MVE_BLOCK) {
      vstrbq_s32(out + c, acc);
    } else {
      vstrbq_p_s32(out + c, acc, vctp32q((uint32_t)(p->out_c - c)));
    }
  }
}

#else /* the plain-C twin */

TD_MVE_INLINE void td_mve_copy(int8_t *dst, const int8_t *src, int32_t n) {
  memcpy(dst, src, (size_t)n);
}

TD_MVE_INLINE void td_mve_fill(int8_t *dst, int32_t value, int32_t n) {
  memset(dst, value, (size_t)n);
}

static void td_mve_pixel(const td_conv_mve_params *p, const int8_t *col, int8_t *out) {
  const int32_t depth = p->depth;
  const int32_t vecs = (depth + 15) >> 4;
  const int8_t *w = p->weights;
  const int32_t *rec = p->requant;
  int32_t c;
  for (c = 0; c < p->out_c; c += TD_MVE_BLOCK) {
    td_mve_v32 acc = {{0, 0, 0, 0}};
    int32_t k;
    int j;
    for (k = 0; k < vecs; ++k) {
      for (j = 0; j < TD_MVE_BLOCK; ++j) {
        int32_t i;
        for (i = 0; i < 16 && 16 * k + i < depth; ++i) {
          acc.v[j] += (int32_t)col[16 * k + i] * w[16 * j + i];
        }
      }
      w += 64;
    }
    acc = td_mve_requant(acc, rec, p->output_offset, p->act_min, p->act_max);
    rec += TD_MVE_RECORD_WORDS;
    for (j = 0; j < TD_MVE_BLOCK && c + j < p->out_c; ++j) {
      out[c + j] = (int8_t)acc.v[j];
    }
  }
}

#endif /* TD_MVE */

/* The window of output pixel (oy, ox) as one column of depth bytes: a filter row whose
 * taps are all inside the image is one run of the input row (no dilation). */
static void td_mve_column(const td_conv_mve_params *p, const int8_t *input, int32_t oy,
                          int32_t ox, int8_t *col) {
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  const int32_t in_c = p->in_c;
  const int32_t run = p->filter_w * in_c;
  const int whole = p->dilation_w == 1 && ix0 >= 0 && ix0 + p->filter_w <= p->in_w;
  int32_t fy;
  for (fy = 0; fy < p->filter_h; ++fy) {
    const int32_t iy = iy0 + fy * p->dilation_h;
    int32_t fx;
    if (iy < 0 || iy >= p->in_h) {
      td_mve_fill(col, p->pad_value, run);
    } else if (whole) {
      td_mve_copy(col, input + (iy * p->in_w + ix0) * in_c, run);
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

td_status td_conv2d_s8_mve(const td_conv_mve_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch) {
  int32_t oy;
  if (p == NULL || input == NULL || output == NULL || p->weights == NULL ||
      p->requant == NULL || (!p->direct && scratch == NULL) ||
      p->depth != p->filter_h * p->filter_w * p->in_c) {
    return TD_ERR_ARG;
  }
  for (oy = 0; oy < p->out_h; ++oy) {
    int32_t ox;
    for (ox = 0; ox < p->out_w; ++ox) {
      const int8_t *col;
      if (p->direct) {
        col = input + (oy * p->stride_h * p->in_w + ox * p->stride_w) * p->in_c;
      } else {
        td_mve_column(p, input, oy, ox, scratch);
        col = scratch;
      }
      td_mve_pixel(p, col, output);
      output += p->out_c;
    }
  }
  return TD_OK;
}
