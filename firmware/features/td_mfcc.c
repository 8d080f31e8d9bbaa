/*
 * td_mfcc.c - fixed-point MFCC front end (see td_mfcc.h). Each step names the
 * numpy line of examples/keyword_spotting/features.py it matches.
 */
#include "td_mfcc.h"

#include <math.h>
#include <stddef.h>

#include "td_mfcc_tables.h"

#define TD_MFCC_BINS (TD_MFCC_NFFT / 2 + 1)
#define TD_MFCC_WINDOW_SHIFT 11  /* windowed samples keep 4 fractional bits: < 2^19 */
#define TD_MFCC_POWER_SHIFT 10

/* Reverse the 9 bits of i (NFFT = 2^9). */
static uint32_t bitrev9(uint32_t i) {
  uint32_t r = 0, b;
  for (b = 0; b < 9u; b++) {
    r = (r << 1) | (i & 1u);
    i >>= 1;
  }
  return r;
}

/* In-place radix-2 decimation-in-time FFT (_fft_fixed). Magnitudes stay below
 * 2^28 (480 samples of at most 2^19), so int32 holds the data and int64 the
 * twiddle products; each product rounds half up before the shift. */
static void fft512(int32_t *re, int32_t *im) {
  uint32_t i, j, m, half, step, g;
  for (i = 0; i < TD_MFCC_NFFT; i++) {
    j = bitrev9(i);
    if (i < j) {
      int32_t t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (m = 2; m <= TD_MFCC_NFFT; m <<= 1) {
    half = m >> 1;
    step = TD_MFCC_NFFT / m;
    for (g = 0; g < TD_MFCC_NFFT; g += m) {
      for (j = 0; j < half; j++) {
        int64_t wr = td_mfcc_tw_re[j * step], wi = td_mfcc_tw_im[j * step];
        uint32_t a = g + j, b = a + half;
        int32_t tr = (int32_t)(((int64_t)re[b] * wr - (int64_t)im[b] * wi + (1 << 14)) >> 15);
        int32_t ti = (int32_t)(((int64_t)re[b] * wi + (int64_t)im[b] * wr + (1 << 14)) >> 15);
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/* log2(x) in Q16, x = 0 counts as 1 (_log2_q16): the top bit's position plus a
 * table of log2(1 + f) over the next 16 bits, interpolated on the low 8. */
static int32_t log2_q16(uint64_t x) {
  int32_t msb = 0, s;
  uint64_t v;
  uint32_t frac16, idx, rem;
  int32_t lo, hi;
  if (x == 0) x = 1;
  v = x;
  for (s = 32; s > 0; s >>= 1) {
    if (v >= ((uint64_t)1 << s)) {
      msb += s;
      v >>= s;
    }
  }
  frac16 = (uint32_t)((msb >= 16 ? x >> (msb - 16) : x << (16 - msb)) & 0xFFFFu);
  idx = frac16 >> 8;
  rem = frac16 & 0xFFu;
  lo = td_mfcc_log2_frac[idx];
  hi = td_mfcc_log2_frac[idx + 1u];
  return (msb << 16) + lo + (((hi - lo) * (int32_t)rem + 128) >> 8);
}

td_mfcc_status td_mfcc_frame(const int16_t *window, td_mfcc_work *work, int32_t *coeffs) {
  int32_t *re, *im;
  int32_t logmel[TD_MFCC_MEL];
  uint32_t i, b, k;
  if (window == NULL || work == NULL || coeffs == NULL) return TD_MFCC_BAD_ARG;
  re = work->re;
  im = work->im;
  /* xw = (x * window + 2^10) >> 11; x*w < 2^30 fits int32. Zero padding to 512. */
  for (i = 0; i < TD_MFCC_WINDOW; i++) {
    re[i] = ((int32_t)window[i] * td_mfcc_window[i] + (1 << (TD_MFCC_WINDOW_SHIFT - 1))) >>
            TD_MFCC_WINDOW_SHIFT;
    im[i] = 0;
  }
  for (; i < TD_MFCC_NFFT; i++) re[i] = im[i] = 0;
  fft512(re, im);
  /* mel = sum(power * weight) >> 10, as (power >> 10) * weight plus the low 10 bits
   * times the weight, shifted, per bin (quiet bins still count). Over all bins
   * sum(re^2 + im^2) = 512 * sum(xw^2) < 2^56 (Parseval), so mel < 2^61. */
  for (b = 0; b < TD_MFCC_MEL; b++) {
    uint32_t start = (uint32_t)td_mfcc_mel_start[b], len = (uint32_t)td_mfcc_mel_len[b];
    const int16_t *w = &td_mfcc_mel_weight[td_mfcc_mel_offset[b]];
    uint64_t acc = 0;
    for (k = 0; k < len; k++) {
      int64_t r = re[start + k], m = im[start + k];
      uint64_t p = (uint64_t)(r * r + m * m);
      uint64_t low = p & ((1u << TD_MFCC_POWER_SHIFT) - 1u);
      acc += (p >> TD_MFCC_POWER_SHIFT) * (uint64_t)w[k] +
             ((low * (uint64_t)w[k]) >> TD_MFCC_POWER_SHIFT);
    }
    logmel[b] = log2_q16(acc);
  }
  /* DCT: Q16 log x Q15 table = Q31, rounded to Q15. */
  for (k = 0; k < TD_MFCC_COEFFS; k++) {
    const int16_t *row = &td_mfcc_dct[k * TD_MFCC_MEL];
    int64_t acc = 0;
    for (b = 0; b < TD_MFCC_MEL; b++) acc += (int64_t)logmel[b] * row[b];
    coeffs[k] = (int32_t)((acc + (1 << 15)) >> 16);
  }
  return TD_MFCC_OK;
}

td_mfcc_status td_mfcc_quant_init(float scale, int32_t zero_point, td_mfcc_quant *q) {
  double real, mant;
  int exp;
  int64_t mult;
  int32_t shift;
  if (q == NULL) return TD_MFCC_BAD_ARG;
  if (!(scale > 0.0f) || !isfinite(scale)) return TD_MFCC_BAD_SCALE;
  /* As quant_params(): every operation here is exact or correctly rounded in
   * IEEE double, so host and device agree on the multiplier bit for bit. */
  real = 1.0 / ((double)scale * (double)(1L << TD_MFCC_FRAC_BITS));
  mant = frexp(real, &exp);
  mult = (int64_t)floor(mant * 2147483648.0 + 0.5);
  if (mult == ((int64_t)1 << 31)) {
    mult >>= 1;
    exp += 1;
  }
  shift = 31 - exp;
  if (shift < 1 || shift > 62) return TD_MFCC_BAD_SCALE;
  q->multiplier = (int32_t)mult;
  q->shift = shift;
  q->zero_point = zero_point;
  return TD_MFCC_OK;
}

int8_t td_mfcc_quantize(int32_t value, const td_mfcc_quant *q) {
  /* |value| < 2^27 and multiplier < 2^31: the product fits int64. */
  int64_t v = ((int64_t)value * q->multiplier + ((int64_t)1 << (q->shift - 1))) >> q->shift;
  v += q->zero_point;
  if (v < -128) v = -128;
  if (v > 127) v = 127;
  return (int8_t)v;
}

td_mfcc_status td_mfcc_compute(const int16_t *audio, int32_t n, const td_mfcc_quant *q,
                               td_mfcc_work *work, int8_t *features) {
  int32_t f, k;
  int32_t coeffs[TD_MFCC_COEFFS];
  if (audio == NULL || q == NULL || work == NULL || features == NULL) return TD_MFCC_BAD_ARG;
  if (n < TD_MFCC_CLIP_SAMPLES) return TD_MFCC_BAD_ARG;
  for (f = 0; f < TD_MFCC_FRAMES; f++) {
    td_mfcc_frame(&audio[f * TD_MFCC_HOP], work, coeffs);
    for (k = 0; k < TD_MFCC_COEFFS; k++)
      features[f * TD_MFCC_COEFFS + k] = td_mfcc_quantize(coeffs[k], q);
  }
  return TD_MFCC_OK;
}
