/*
 * td_conv2d_s8_dsp.c - CONV_2D (and FULLY_CONNECTED as a 1x1 convolution) with
 * the 16-bit SIMD multiply-accumulate (SMLAD).
 *
 * Output pixels are computed two at a time: each pixel's input window is
 * widened once into an int16 column (im2col, input offset added, zeros in the
 * padding, quad-reordered: see td_dsp.h), then every pair of output channels
 * runs a 2x2 block - two channels by two pixels, four accumulators - over the
 * columns: per four inputs, an LDM of four weight words, an LDM of the two
 * columns' four words and eight SMLADs (16 MACs). A 1x1 convolution widens its
 * two input pixels directly; layers with few input channels gather through
 * zero-point padded bands (below). td_features.h (td_params.h) leaves out the
 * paths a model does not use.
 * The inner routines are files of their own, each a plain-C twin (td_dsp_*.h) and
 * its assembly for the DSP cores (td_dsp_*_m4.h), the dispatch picking one:
 * td_widen2 (two pixels' columns), td_block2x2 (the 2x2 block), td_records (the
 * fast case's records, int16 weights), td_record2x2_w8 (one record, int8 weights).
 * Accumulators start at the pre-scaled bias; |accumulator| < 2^31 was checked
 * by the compiler, so SMLAD's wrap-around never happens.
 */
/* Speed-critical: -O2 even in an -Os firmware build (before td_dsp.h, so that its
 * inline helpers are compiled the same way). */
#if defined(__GNUC__) && !defined(__clang__) && !defined(TD_DSP_NO_O2)
#pragma GCC optimize("O2")
#endif
#include "td_dsp.h"
#include "td_dsp_block2x2.h"
#include "td_dsp_record2x2_w8.h"
#include "td_dsp_records.h"
#include "td_dsp_widen2.h"
#include "td_kernels.h"

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
  if (TD_CONV_DSP_BANDS) {
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
}

/* Every channel pair of two pixels (outputs o0, o1) in the fast case, int8 weights. */
TD_INLINE void td_records_w8(const uint32_t *w, const uint32_t *col, int32_t quads, int8_t *o0,
                             int8_t *o1, int32_t oc) {
  int32_t c;
  for (c = 0; c < oc; c += 2) {
    w = td_record2x2_w8(w, col, quads, &o0, &o1);
  }
}

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
  const int pointwise = p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
                        (p->in_c & 3) == 0 && p->in_c > 0;
  int32_t pix;
  if (TD_CONV_DSP_BANDS && (p->in_c & 3)) {
    td_bands_init(&bands, p, col8 + p->depth); /* the compiler gave no band space otherwise */
  }
  for (pix = begin; pix < end; pix += 2) {
    const int two = pix + 1 < end;
    const int32_t second = two ? pix + 1 : pix;
    const uint32_t *w = (const uint32_t *)(const void *)p->filter;
    int8_t *o0 = out + (pix - begin) * oc;
    int8_t *o1 = two ? o0 + oc : o0; /* a lone last pixel is computed twice */
    int32_t c;
    /* the columns: td_features.h may leave out the band and general paths */
    if (TD_CONV_DSP_BANDS && p->row_quads > 0) {
      const int32_t y0 = pix / p->out_w, x0 = pix - y0 * p->out_w;
      const int32_t y1 = second / p->out_w, x1 = second - y1 * p->out_w;
      const int32_t step = p->stride_w * p->in_c;
      const uint32_t off2 = td_pair(p->input_offset, p->input_offset);
      const int8_t *a = td_band(p, input, &bands, y0) + x0 * step;
      td_column_rows(p, a, td_band(p, input, &bands, y1) + x1 * step, bands.row, col, off2);
    } else if (pointwise) {
      /* a 1x1 convolution's columns are the two input pixels, widened */
      const int32_t y0 = pix / p->out_w, x0 = pix - y0 * p->out_w;
      const int32_t y1 = second / p->out_w, x1 = second - y1 * p->out_w;
      td_widen2(input + (y0 * p->stride_h * p->in_w + x0 * p->stride_w) * p->in_c,
                input + (y1 * p->stride_h * p->in_w + x1 * p->stride_w) * p->in_c, col,
                p->in_c >> 2, td_pair(p->input_offset, p->input_offset));
    } else if (TD_CONV_DSP_COLUMN) {
      td_column(p, input, pix / p->out_w, pix % p->out_w, col, col8, &bands);
      td_column(p, input, second / p->out_w, second % p->out_w, col + 2, col8, &bands);
    }
    if (fast) {
      if (TD_CONV_DSP_W8 && p->w8) {
        td_records_w8(w, col, quads, o0, o1, oc);
      } else {
        td_rec_args args;
        args.o0 = o0;
        args.o1 = o1;
        args.end = w + (oc >> 1) * (4 * quads + 8);
        td_records(w, col, quads, &args);
      }
      continue;
    }
#if TD_CONV_DSP_SLOW
    for (c = 0; c < oc; c += 2) {
      int32_t acc[4], rq0[4], rq1[4];
      acc[0] = acc[2] = (int32_t)w[0];
      acc[1] = acc[3] = (int32_t)w[1];
      if (p->w8) {
        td_block2x2_w8(w + 2, col, quads, acc, !p->wide);
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
    (void)c; /* td_features.h left the slow records out */
    (void)zp;
    (void)lo;
    (void)hi;
#endif
  }
}

/* A layer needing a code path this build left out (td_features.h) is refused. */
static int td_conv_dsp_missing(const td_conv_dsp_params *p) {
  const int fast =
      p->pos && !p->wide && p->act_min <= -128 && p->act_max >= 127 && (p->out_c & 1) == 0;
  const int pointwise = p->filter_h == 1 && p->filter_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
                        (p->in_c & 3) == 0 && p->in_c > 0;
  return (!TD_CONV_DSP_SLOW && !fast) || (!TD_CONV_DSP_W8 && p->w8) ||
         (!TD_CONV_DSP_COLUMN && p->row_quads == 0 && !pointwise) ||
         (!TD_CONV_DSP_BANDS && (p->in_c & 3) != 0);
}

static int td_conv_dsp_bad(const td_conv_dsp_params *p, const int8_t *input, const int8_t *output,
                           const int8_t *scratch) {
  return p == NULL || input == NULL || output == NULL || scratch == NULL || p->filter == NULL ||
         p->batches != 1 || td_conv_dsp_missing(p) ||
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

td_status td_conv2d_s8_dsp_rows(const td_conv_dsp_params *p, const int8_t *input, int8_t *output,
                                int32_t row_begin, int32_t row_end, int8_t *scratch) {
  if (td_conv_dsp_bad(p, input, output, scratch) || row_begin < 0 || row_end > p->out_h ||
      row_begin > row_end) {
    return TD_ERR_ARG;
  }
  td_conv_pixels(p, input, output, row_begin * p->out_w, row_end * p->out_w, scratch);
  return TD_OK;
}
