/*
 * td_mfcc.h - MFCC features for keyword spotting, in fixed point (C99, no malloc).
 *
 * The MLPerf Tiny KWS front end: 1 s of 16 kHz int16 audio, 30 ms Hann windows
 * every 20 ms (49 frames), 512-point FFT, 40 mel bands over 20-4000 Hz, log2,
 * DCT-II, first 10 coefficients -> 49x10 features, quantized to the model's int8
 * input with its scale and zero point.
 *
 * Bit-exact with examples/keyword_spotting/features.py (mfcc_fixed, quantize),
 * which computes the training features; tests/integration/test_kws_features.py
 * checks it on the host. Arithmetic: int32 data, int64 products, every rounding
 * is "add half, arithmetic shift right" (GCC and Clang shift signed values
 * arithmetically).
 *
 * Memory: the caller owns a td_mfcc_work (4 KB) and the output; nothing is
 * allocated and there is no static state, so one work area per thread.
 * Cost: one FFT of 512 complex points per frame.
 */
#ifndef TD_MFCC_H
#define TD_MFCC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TD_MFCC_SAMPLE_RATE 16000
#define TD_MFCC_CLIP_SAMPLES 16000   /* one clip: 1 s */
#define TD_MFCC_WINDOW 480           /* samples per frame (30 ms) */
#define TD_MFCC_HOP 320              /* samples between frames (20 ms) */
#define TD_MFCC_FRAMES 49
#define TD_MFCC_COEFFS 10
#define TD_MFCC_FEATURES (TD_MFCC_FRAMES * TD_MFCC_COEFFS)  /* 490, frame-major */
#define TD_MFCC_NFFT 512
#define TD_MFCC_FRAC_BITS 15         /* raw coefficients are in units of 2^-15 */

typedef enum {
  TD_MFCC_OK = 0,
  TD_MFCC_BAD_ARG = 1,     /* a null pointer or a short clip */
  TD_MFCC_BAD_SCALE = 2    /* the input scale cannot be represented (not finite, <= 0, extreme) */
} td_mfcc_status;

/* Quantizer of the model's int8 input, made once by td_mfcc_quant_init(). */
typedef struct {
  int32_t multiplier;  /* Q31 mantissa of 1 / (scale * 2^15), in [2^30, 2^31) */
  int32_t shift;       /* right shift after the 64-bit product, 1..62 */
  int32_t zero_point;  /* the input tensor's zero point */
} td_mfcc_quant;

/* Scratch for one frame: the FFT's real and imaginary parts. */
typedef struct {
  int32_t re[TD_MFCC_NFFT];
  int32_t im[TD_MFCC_NFFT];
} td_mfcc_work;

/* q from the model input's float scale and zero point (td_model_input_info()). */
td_mfcc_status td_mfcc_quant_init(float scale, int32_t zero_point, td_mfcc_quant *q);

/* One frame: TD_MFCC_WINDOW samples -> TD_MFCC_COEFFS raw coefficients (units 2^-15). */
td_mfcc_status td_mfcc_frame(const int16_t *window, td_mfcc_work *work, int32_t *coeffs);

/* A raw coefficient -> int8: zero_point + round(value * 2^-15 / scale), saturated. */
int8_t td_mfcc_quantize(int32_t value, const td_mfcc_quant *q);

/* A whole clip: n >= TD_MFCC_CLIP_SAMPLES samples (the first second is used) ->
 * TD_MFCC_FEATURES int8 values, frame after frame, ready for the model's input. */
td_mfcc_status td_mfcc_compute(const int16_t *audio, int32_t n, const td_mfcc_quant *q,
                               td_mfcc_work *work, int8_t *features);

#ifdef __cplusplus
}
#endif

#endif /* TD_MFCC_H */
