/*
 * td_depthwise_conv2d_s8_dsp.c - DEPTHWISE_CONV_2D (multiplier 1, no dilation)
 * with the 16-bit SIMD multiply-accumulate.
 *
 * Each input row is widened once into per-channel planes (int16, input offset
 * added, zero columns for the padding) kept in a ring of filter_h rows. For an
 * output row, each channel runs along its planes: horizontally adjacent taps
 * are int16 pairs, so one SMLAD does two taps. The 3x3 stride-1 case computes
 * two outputs per step from two aligned words per filter row: with
 * Wa = (w0, w1), Wb = (w1, w2), P01 = (x0, x1), P23 = (x2, x3):
 *   out0 = Wa.P01 + w2 x2  (SMLAD + SMLATB)
 *   out1 = w0 x1 + Wb.P23  (SMLABT + SMLAD)
 * Other stride-1 filters compute two outputs a step the same way (td_dw_dual).
 * Output row oy is written after input rows 0 .. oy*stride_h - pad_h + filter_h - 1
 * have been widened into the ring, so it may overlap those input rows (the
 * compiler's in-place distance for this kernel, tinydeploy/compile/dsp.py).
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_kernels.h"

/* Widen input row iy of every channel into its ring slot. */
static void td_dw_load_row(const td_dwconv_dsp_params *p, const int8_t *row, int16_t *ring,
                           int32_t slot) {
  const int32_t ch = p->channels;
  const int32_t cstride = p->filter_h * p->plane_w;
  int16_t *base = ring + slot * p->plane_w + p->pad_w;
  int32_t x;
  if ((ch & 3) == 0) {
    const uint32_t off2 = td_pair(p->input_offset, p->input_offset);
    for (x = 0; x < p->in_w; ++x) {
      int16_t *dst = base + x;
      int32_t c;
      for (c = 0; c < ch; c += 4) {
        const uint32_t v = td_load32(row + c);
        const uint32_t even = td_sxtab16(off2, v);
        const uint32_t odd = td_sxtab16_ror8(off2, v);
        dst[0] = (int16_t)even;
        dst[cstride] = (int16_t)odd;
        dst[2 * cstride] = (int16_t)(even >> 16);
        dst[3 * cstride] = (int16_t)(odd >> 16);
        dst += 4 * cstride;
      }
      row += ch;
    }
    return;
  }
  for (x = 0; x < p->in_w; ++x) {
    int16_t *dst = base + x;
    int32_t c;
    for (c = 0; c < ch; ++c) {
      *dst = (int16_t)(row[c] + p->input_offset);
      dst += cstride;
    }
    row += ch;
  }
}

#define td_dw_finish(acc) \
  td_dsp_output((acc), rq, wide, p->output_offset, full, p->act_min, p->act_max)

/* Stride 1, any filter width (p->dual): the 3x3 trick generalised. With the row padded
 * to 2m + 1 taps, A_j = (w_2j, w_2j+1) for j = 0..m, B_j = (w_2j-1, w_2j) for j = 1..m
 * (stored A_0..A_m, B_1..B_m) and P_2j = (x_2j, x_2j+1):
 *   out0 = sum_j A_j.P_2j                  (SMLAD)
 *   out1 = w0 x1 + sum_{j>=1} B_j.P_2j     (SMLABT, SMLAD)
 * so m + 1 loads serve two outputs. Inlined with kh and m constant for 5x5. */
TD_INLINE void td_dw_dual(const td_dwconv_dsp_params *p, const uint32_t *w,
                          const int16_t *const *rows, int8_t *o, const int32_t *rq, int32_t bias,
                          int wide, int full, const int32_t kh, const int32_t m) {
  const int32_t wpr = 2 * m + 1;
  int32_t ox, ky, j;
  for (ox = 0; ox < p->out_w; ox += 2) {
    int32_t a0 = bias, a1 = bias;
    for (ky = 0; ky < kh; ++ky) {
      const int16_t *r = rows[ky] + ox;
      const uint32_t *a = w + ky * wpr;
      uint32_t u = td_load32(r);
      a0 = td_smlad(a[0], u, a0);
      a1 = td_smlabt(a[0], u, a1);
      for (j = 1; j <= m; ++j) {
        u = td_load32(r + 2 * j);
        a0 = td_smlad(a[j], u, a0);
        a1 = td_smlad(a[m + j], u, a1);
      }
    }
    o[0] = (int8_t)td_dw_finish(a0);
    if (ox + 1 < p->out_w) {
      o[p->channels] = (int8_t)td_dw_finish(a1);
    }
    o += 2 * p->channels;
  }
}

/* One output row, every channel. Inlined twice: constant wide = 0, full = 1 (every
 * MLPerf Tiny layer), and with the flags read at run time. */
TD_INLINE void td_dw_row(const td_dwconv_dsp_params *p, const int16_t *const *rows,
                         const int32_t *cstep, int8_t *orow, int wide, int full) {
  const int32_t wpr = p->dual ? 2 * p->pairs - 1 : p->pairs; /* weight words per filter row */
  int32_t c, ky;
  for (c = 0; c < p->channels; ++c) {
    const uint32_t *w = (const uint32_t *)(const void *)p->filter + c * p->filter_h * wpr;
    const int32_t *rq = p->requant + 4 * c;
    const int32_t bias = p->bias[c];
    int8_t *o = orow + c;
    int32_t ox;
    if (p->fast3) {
      const uint32_t wa0 = w[0], wb0 = w[1], wa1 = w[2], wb1 = w[3], wa2 = w[4], wb2 = w[5];
      const int16_t *r0 = rows[0] + c * cstep[0];
      const int16_t *r1 = rows[1] + c * cstep[1];
      const int16_t *r2 = rows[2] + c * cstep[2];
      for (ox = 0; ox < p->out_w; ox += 2) {
        int32_t a0 = bias, a1 = bias;
        uint32_t u = td_load32(r0 + ox), v = td_load32(r0 + ox + 2);
        a0 = td_smlad(wa0, u, a0);
        a0 = td_smlatb(wb0, v, a0);
        a1 = td_smlabt(wa0, u, a1);
        a1 = td_smlad(wb0, v, a1);
        u = td_load32(r1 + ox);
        v = td_load32(r1 + ox + 2);
        a0 = td_smlad(wa1, u, a0);
        a0 = td_smlatb(wb1, v, a0);
        a1 = td_smlabt(wa1, u, a1);
        a1 = td_smlad(wb1, v, a1);
        u = td_load32(r2 + ox);
        v = td_load32(r2 + ox + 2);
        a0 = td_smlad(wa2, u, a0);
        a0 = td_smlatb(wb2, v, a0);
        a1 = td_smlabt(wa2, u, a1);
        a1 = td_smlad(wb2, v, a1);
        o[0] = (int8_t)td_dw_finish(a0);
        if (ox + 1 < p->out_w) {
          o[p->channels] = (int8_t)td_dw_finish(a1);
        }
        o += 2 * p->channels;
      }
      continue;
    }
    if (p->dual) {
      const int16_t *r[8];
      for (ky = 0; ky < p->filter_h; ++ky) {
        r[ky] = rows[ky] + c * cstep[ky];
      }
      if (p->filter_h == 5 && p->pairs == 3) {
        td_dw_dual(p, w, r, o, rq, bias, wide, full, 5, 2);
      } else {
        td_dw_dual(p, w, r, o, rq, bias, wide, full, p->filter_h, p->pairs - 1);
      }
      continue;
    }
    if (p->filter_h == 3 && p->filter_w == 3 && p->stride_w == 2 && p->pairs == 2) {
      /* 3x3 stride 2 (MobileNet's downsampling): per filter row (w0, w1).(x0, x1) and
       * (w2, 0).(x2, x3); the second word is the next output's first, so each output
       * loads one word per filter row */
      const uint32_t wa0 = w[0], wb0 = w[1], wa1 = w[2], wb1 = w[3], wa2 = w[4], wb2 = w[5];
      const int16_t *r0 = rows[0] + c * cstep[0];
      const int16_t *r1 = rows[1] + c * cstep[1];
      const int16_t *r2 = rows[2] + c * cstep[2];
      uint32_t u0 = td_load32(r0), u1 = td_load32(r1), u2 = td_load32(r2);
      for (ox = 0; ox < p->out_w; ++ox) {
        const uint32_t v0 = td_load32(r0 + 2), v1 = td_load32(r1 + 2), v2 = td_load32(r2 + 2);
        int32_t acc = td_smlad(wa0, u0, bias);
        acc = td_smlad(wb0, v0, acc);
        acc = td_smlad(wa1, u1, acc);
        acc = td_smlad(wb1, v1, acc);
        acc = td_smlad(wa2, u2, acc);
        acc = td_smlad(wb2, v2, acc);
        *o = (int8_t)td_dw_finish(acc);
        o += p->channels;
        u0 = v0;
        u1 = v1;
        u2 = v2;
        r0 += 2;
        r1 += 2;
        r2 += 2;
      }
      continue;
    }
    for (ox = 0; ox < p->out_w; ++ox) {
      int32_t acc = bias;
      for (ky = 0; ky < p->filter_h; ++ky) {
        const int16_t *r = rows[ky] + c * cstep[ky] + ox * p->stride_w;
        const uint32_t *wr = w + ky * p->pairs;
        int32_t j;
        for (j = 0; j < p->pairs; ++j) {
          acc = td_smlad(wr[j], td_load32(r + 2 * j), acc);
        }
      }
      *o = (int8_t)td_dw_finish(acc);
      o += p->channels;
    }
  }
}

td_status td_depthwise_conv2d_s8_dsp(const td_dwconv_dsp_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch) {
  int16_t *ring;
  int16_t *zero;
  int32_t ring_words, next = 0, oy;
  if (p == NULL || input == NULL || output == NULL || scratch == NULL || p->filter == NULL ||
      p->bias == NULL || p->requant == NULL || p->filter_h > 8 || p->vert ||
      (p->plane_w & 1) != 0 || ((uintptr_t)scratch & 3u) != 0) {
    return TD_ERR_ARG;
  }
  ring = (int16_t *)(void *)scratch;
  ring_words = p->filter_h * p->channels * p->plane_w / 2;
  zero = ring + 2 * ring_words;
  {
    uint32_t *z = (uint32_t *)(void *)ring;
    int32_t i;
    for (i = 0; i < ring_words + p->plane_w / 2; ++i) {
      z[i] = 0;
    }
  }
  for (oy = 0; oy < p->out_h; ++oy) {
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    const int16_t *rows[8];
    int32_t cstep[8];
    int32_t ky;
    for (; next < p->in_h && next <= iy0 + p->filter_h - 1; ++next) {
      td_dw_load_row(p, input + next * p->in_w * p->channels, ring, next % p->filter_h);
    }
    for (ky = 0; ky < p->filter_h; ++ky) {
      const int32_t iy = iy0 + ky;
      const int inside = iy >= 0 && iy < p->in_h;
      rows[ky] = inside ? ring + (iy % p->filter_h) * p->plane_w : zero;
      cstep[ky] = inside ? p->filter_h * p->plane_w : 0;
    }
    if (!p->wide && p->act_min <= -128 && p->act_max >= 127) {
      td_dw_row(p, rows, cstep, output + oy * p->out_w * p->channels, 0, 1);
    } else {
      td_dw_row(p, rows, cstep, output + oy * p->out_w * p->channels, p->wide,
                p->act_min <= -128 && p->act_max >= 127);
    }
  }
  return TD_OK;
}
