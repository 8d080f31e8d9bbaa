/*
 * td_cast.c - CAST from int8, int16, int32 or bool to int8, int16, int32 or float32
 * (TFLite's static_cast).
 *
 * Raw values are converted, never requantized: TFLite Micro casts the stored integers.
 * A narrowing cast keeps the low byte(s) as two's complement (what static_cast does on
 * every core TFLite runs on), written out here without an implementation-defined
 * conversion; int to float32 rounds to nearest, as C's conversion does. bool (one byte)
 * reads as 0 or 1. Element i is read before it is written, in increasing order (the
 * compiler decides where output and input may overlap).
 */
#include "td_kernels.h"

static int32_t td_cast_read(const void *input, int32_t dtype, int32_t i) {
  if (dtype == TD_INT8) {
    return ((const int8_t *)input)[i];
  }
  if (dtype == TD_INT16) {
    return ((const int16_t *)input)[i];
  }
  if (dtype == TD_INT32) {
    return ((const int32_t *)input)[i];
  }
  return ((const uint8_t *)input)[i] != 0; /* TD_BOOL */
}

td_status td_cast(const td_cast_params *p, const void *input, void *output) {
  int32_t i;
  if (p == NULL || input == NULL || output == NULL ||
      (p->in_dtype != TD_INT8 && p->in_dtype != TD_INT16 && p->in_dtype != TD_INT32 &&
       p->in_dtype != TD_BOOL) ||
      (p->out_dtype != TD_INT8 && p->out_dtype != TD_INT16 && p->out_dtype != TD_INT32 &&
       p->out_dtype != TD_FLOAT32)) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t v = td_cast_read(input, p->in_dtype, i);
    if (p->out_dtype == TD_INT32) {
      ((int32_t *)output)[i] = v;
    } else if (p->out_dtype == TD_FLOAT32) {
      ((float *)output)[i] = (float)v;
    } else if (p->out_dtype == TD_INT16) {
      int32_t low = (int32_t)((uint32_t)v & 0xFFFFu);
      ((int16_t *)output)[i] = (int16_t)(low > 32767 ? low - 65536 : low);
    } else {
      int32_t low = (int32_t)((uint32_t)v & 0xFFu);
      ((int8_t *)output)[i] = (int8_t)(low > 127 ? low - 256 : low);
    }
  }
  return TD_OK;
}
