/*
 * td_model.h - the device model interface.
 *
 * One small C interface that every runtime implements (the ahead-of-time
 * compiled model, and the TFLite Micro wrapper), so the firmware application,
 * the tdlink protocol server and the measurements never know which runtime is
 * inside. Single input and single output tensor: int8, int16 (the 16x8 quantization
 * mode: int16 activations, int8 weights), float32, int32 (class indices of ARG_MAX) or
 * bool (one byte, 0 or 1: comparisons).
 */
#ifndef TD_MODEL_H
#define TD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this interface; bumped whenever a declaration below changes meaning. */
/* 2: TD_INT32 and TD_BOOL tensors, td_dtype_bytes(); 3: TD_INT16 tensors (16x8 models),
 * td_quantize16()/td_dequantize16() */
#define TD_MODEL_API_VERSION 3

typedef enum {
  TD_OK = 0,
  TD_ERR_ARG = 1,      /* bad argument (NULL, out of range) */
  TD_ERR_INIT = 2,     /* the runtime failed to initialise (arena too small, op missing) */
  TD_ERR_INVOKE = 3,   /* an op failed during inference */
  TD_ERR_UNSUPPORTED = 4,
  TD_ERR_CORRUPT =
      5   /* a guard word around the arena was overwritten: outputs are not trustworthy */
} td_status;

/* Element types of the I/O tensors (values fixed: the tdlink protocol names them). */
typedef enum { TD_INT8 = 0, TD_FLOAT32 = 1, TD_INT32 = 2, TD_BOOL = 3, TD_INT16 = 4 } td_dtype;

/* Bytes of one element: a tensor holds bytes / td_dtype_bytes(dtype) elements. TD_BOOL is
 * TFLite's bool, one byte holding 0 or 1. */
static inline int32_t td_dtype_bytes(td_dtype t) {
  return t == TD_FLOAT32 || t == TD_INT32 ? 4 : t == TD_INT16 ? 2 : 1;
}

#define TD_MAX_DIMS 5

/* Shape, type and quantization of one I/O tensor. real = scale * (q - zero_point). */
typedef struct {
  td_dtype dtype;
  int32_t dims;
  int32_t shape[TD_MAX_DIMS];
  int32_t bytes;       /* total size of the buffer in bytes */
  float scale; /* 0 for float, int32 and bool tensors; td_quantize()/td_dequantize() (int8)
                  and td_quantize16()/td_dequantize16() (int16) use it */
  int32_t zero_point;
} td_tensor_info;

/* Prepare the model: set up the arena / bind buffers. Idempotent. */
td_status td_model_init(void);

/* Buffers for the input and output tensor; valid after td_model_init(). */
void *td_model_input(void);
void *td_model_output(void);
const td_tensor_info *td_model_input_info(void);
const td_tensor_info *td_model_output_info(void);

/* Run one inference on the current input buffer. */
td_status td_model_invoke(void);

/* Check the guard words around the runtime's arena (set by td_model_init()): TD_OK, or
 * TD_ERR_CORRUPT once anything wrote past either end of it. Cheap (a few word reads);
 * the server calls it after every block of inferences and reports a failure as an
 * e-[...] line instead of the results. Sticky: a corrupted guard stays corrupted. */
td_status td_model_check(void);

/* Memory figures: bytes of the activation arena actually used, and total static RAM
 * the runtime owns (arena + runtime state). */
uint32_t td_model_arena_bytes(void);
uint32_t td_model_static_bytes(void);

/* Identification: model name, first 16 hex chars of the .tflite sha256, runtime name
 * ("aot" or "tflm"). */
const char *td_model_name(void);
const char *td_model_hash(void);
const char *td_model_runtime(void);

/* A real value as an int8 tensor holds it (TFLite's QUANTIZE: q = round(real / scale)
 * + zero_point, rounding half away from zero, clamped to [-128, 127]). For int8
 * tensors only; the double keeps the rounding exact for every float. */
static inline int8_t td_quantize(const td_tensor_info *t, float real) {
  const float x = real / t->scale;
  double r;
  int32_t q;
  if (x != x) return (int8_t)t->zero_point; /* NaN: TFLite leaves it undefined */
  if (x > 1e6f) return 127; /* also keeps the conversion to int32_t defined */
  if (x < -1e6f) return -128;
  r = (double)x;
  q = (int32_t)(r < 0.0 ? r - 0.5 : r + 0.5) + t->zero_point;
  return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

/* The real value of an int8 tensor element: scale * (q - zero_point), computed as
 * TFLite's DEQUANTIZE does (in double, then rounded to float). */
static inline float td_dequantize(const td_tensor_info *t, int8_t q) {
  return (float)((double)t->scale * (double)((int32_t)q - t->zero_point));
}

/* A real value as an int16 tensor (16x8 models) holds it: td_quantize()'s rounding,
 * clamped to [-32768, 32767] (the zero point of TFLite's int16 tensors is 0). */
static inline int16_t td_quantize16(const td_tensor_info *t, float real) {
  const float x = real / t->scale;
  double r;
  int32_t q;
  if (x != x) return (int16_t)t->zero_point; /* NaN: TFLite leaves it undefined */
  if (x > 1e6f) return 32767;
  if (x < -1e6f) return -32768;
  r = (double)x;
  q = (int32_t)(r < 0.0 ? r - 0.5 : r + 0.5) + t->zero_point;
  return (int16_t)(q < -32768 ? -32768 : q > 32767 ? 32767 : q);
}

/* The real value of an int16 tensor element: scale * (q - zero_point), as td_dequantize(). */
static inline float td_dequantize16(const td_tensor_info *t, int16_t q) {
  return (float)((double)t->scale * (double)((int32_t)q - t->zero_point));
}

#ifdef __cplusplus
}
#endif

#endif /* TD_MODEL_H */
