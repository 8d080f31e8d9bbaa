/*
 * td_broadcast_args_i32.c - BROADCAST_ARGS: the shape two int32 shape vectors broadcast to.
 *
 * TFLite's reference_ops::BroadcastArgs: the vectors are aligned at their ends, a
 * dimension past the start of a vector counts as 1, and the output (its own length)
 * takes the other dimension where one is 1. Unequal dimensions neither of which is 1
 * fail the inference with TD_ERR_INVOKE (TFLite Micro aborts, TFLITE_CHECK_EQ); the
 * elements after it are already written. The output is written from its end: it must
 * not overlap the inputs.
 */
#include "td_kernels.h"

static int32_t td_dim_from_end(const int32_t *shape, int32_t size, int32_t back) {
  return back < size ? shape[size - 1 - back] : 1;
}

td_status td_broadcast_args_i32(const td_broadcast_args_params *p, const int32_t *shape1,
                                const int32_t *shape2, int32_t *output) {
  int32_t back;
  if (p == NULL || shape1 == NULL || shape2 == NULL || output == NULL || p->size1 < 0 ||
      p->size2 < 0) {
    return TD_ERR_ARG;
  }
  for (back = 0; back < p->size; ++back) {
    const int32_t a = td_dim_from_end(shape1, p->size1, back);
    const int32_t b = td_dim_from_end(shape2, p->size2, back);
    if (a != 1 && b != 1 && a != b) {
      return TD_ERR_INVOKE;
    }
    output[p->size - 1 - back] = a == 1 ? b : a;
  }
  return TD_OK;
}
