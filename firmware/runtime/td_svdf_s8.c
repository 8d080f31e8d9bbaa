/*
 * td_svdf_s8.c - SVDF, int8 (TFLite Micro's reference EvalIntegerSvdfReference).
 *
 * One inference: the state [batches][num_filters][memory_size] (int8 or int16, as the
 * time weights) moves left by one element, as one flat buffer; each filter's newest
 * column (index memory_size - 1) becomes the input times its feature weights, rescaled
 * (multiplier_1, shift_1), clamped to the state type and stored with the state's zero
 * point added; then each unit's output is its bias plus, over its rank filters, the
 * state rows times the time weights (zero point removed), rescaled (multiplier_2,
 * shift_2), plus the output zero point, clamped to int8. TFLite Micro applies no fused
 * activation to the int8 SVDF; neither do we.
 *
 * The state must not overlap the input or the output; it persists between calls
 * (td_model_init fills it with its zero point once). No scratch: each unit's sum is
 * formed at once (integer sums, the same values as TFLite Micro's scratch buffers).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* The state element i (int8 or int16 storage). */
static int32_t svdf_state_get(const void *state, int32_t itemsize, int32_t i) {
  return itemsize == 2 ? (int32_t)((const int16_t *)state)[i] : (int32_t)((const int8_t *)state)[i];
}

/* Store v (the zero point plus a value clamped to the state type) as TFLite Micro's cast
 * does: an int8 state with a non-zero zero point may wrap (two's complement). */
static void svdf_state_set(void *state, int32_t itemsize, int32_t i, int32_t v) {
  if (itemsize == 2) {
    ((int16_t *)state)[i] = (int16_t)(uint16_t)((uint32_t)v & 0xFFFFu);
  } else {
    ((int8_t *)state)[i] = (int8_t)(uint8_t)((uint32_t)v & 0xFFu);
  }
}

td_status td_svdf_s8(const td_svdf_params *p, const int8_t *input, void *state, int8_t *output) {
  const int32_t size = p == NULL ? 0 : p->batches * p->num_filters * p->memory_size;
  int32_t state_min;
  int32_t state_max;
  int32_t b;
  int32_t f;
  int32_t i;
  int32_t u;
  int32_t m;
  if (p == NULL || input == NULL || state == NULL || output == NULL || p->weights_feature == NULL ||
      p->weights_time == NULL || p->bias == NULL || p->rank < 1 || p->memory_size < 1 ||
      p->num_filters != p->num_units * p->rank ||
      (p->state_itemsize != 1 && p->state_itemsize != 2)) {
    return TD_ERR_ARG;
  }
  state_min = p->state_itemsize == 2 ? INT16_MIN : INT8_MIN;
  state_max = p->state_itemsize == 2 ? INT16_MAX : INT8_MAX;
  /* shift the whole state left by one element (the last element is rewritten below) */
  for (i = 0; i + 1 < size; ++i) {
    svdf_state_set(state, p->state_itemsize, i, svdf_state_get(state, p->state_itemsize, i + 1));
  }
  /* feature matmul into each filter's newest column; |w (x + offset)| <= 128 * 255, so
   * an int32 sum holds inputs of up to 65793 values */
  for (b = 0; b < p->batches; ++b) {
    const int8_t *x = input + b * p->input_size;
    const int8_t *w = p->weights_feature;
    for (f = 0; f < p->num_filters; ++f) {
      int32_t acc = 0;
      for (i = 0; i < p->input_size; ++i) {
        acc += (int32_t)*w++ * ((int32_t)x[i] + p->input_offset);
      }
      acc = td_clamp32(td_mbqm(acc, p->multiplier_1, p->shift_1), state_min, state_max);
      svdf_state_set(state, p->state_itemsize,
                     (b * p->num_filters + f) * p->memory_size + p->memory_size - 1,
                     p->state_zero_point + acc);
    }
  }
  /* time weights, reduction over the rank, bias, rescale. TFLite Micro sums in int32 and
   * wraps on overflow; the sum is formed in 64 bits and wrapped the same way (no signed
   * overflow in C). */
  for (b = 0; b < p->batches; ++b) {
    for (u = 0; u < p->num_units; ++u) {
      int64_t acc = p->bias[u];
      int32_t v;
      for (f = u * p->rank; f < (u + 1) * p->rank; ++f) {
        const int32_t row = (b * p->num_filters + f) * p->memory_size;
        for (m = 0; m < p->memory_size; ++m) {
          const int32_t w =
              svdf_state_get(p->weights_time, p->state_itemsize, f * p->memory_size + m);
          acc += (int64_t)w *
                 (svdf_state_get(state, p->state_itemsize, row + m) - p->state_zero_point);
        }
      }
      v = (int32_t)(uint32_t)((uint64_t)acc & 0xFFFFFFFFu);
      v = td_mbqm(v, p->multiplier_2, p->shift_2) + p->output_offset;
      output[b * p->num_units + u] = (int8_t)td_clamp32(v, INT8_MIN, INT8_MAX);
    }
  }
  return TD_OK;
}
