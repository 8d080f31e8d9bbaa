/*
 * td_dynamic_update_slice.c - DYNAMIC_UPDATE_SLICE of int8, int16, int32 or float32 tensors
 * (raw values).
 *
 * The output is the operand with the update written over the box that starts at the
 * start indices. Each start index is clamped to [0, shape - update_shape] as TFLite
 * Micro clamps it (an out-of-range start moves the box, never fails). The operand is
 * copied first, in increasing order, so the output may be the operand's own buffer; the
 * update and the start indices must not overlap the output.
 */
#include "td_kernels.h"

td_status td_dynamic_update_slice(const td_dynamic_update_slice_params *p, const void *operand,
                                  const void *update, const int32_t *start, void *output) {
  const uint8_t *src = (const uint8_t *)operand;
  const uint8_t *upd = (const uint8_t *)update;
  uint8_t *out = (uint8_t *)output;
  int32_t stride[TD_KMAX_DIMS];
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t total = 1;
  int32_t count = 1;
  int32_t offset = 0;
  int32_t d;
  int32_t i;
  int32_t k;
  if (p == NULL || operand == NULL || update == NULL || start == NULL || output == NULL ||
      p->dims < 1 || p->dims > TD_KMAX_DIMS ||
      (p->itemsize != 1 && p->itemsize != 2 && p->itemsize != 4)) {
    return TD_ERR_ARG;
  }
  for (d = p->dims - 1; d >= 0; --d) {
    if (p->update_shape[d] < 0 || p->update_shape[d] > p->shape[d]) {
      return TD_ERR_ARG;
    }
    stride[d] = total;
    total *= p->shape[d];
    count *= p->update_shape[d];
  }
  /* the box's first element, from the clamped starts (read before the output is written) */
  for (d = 0; d < p->dims; ++d) {
    const int32_t hi = p->shape[d] - p->update_shape[d];
    const int32_t s = start[d] < 0 ? 0 : (start[d] > hi ? hi : start[d]);
    offset += s * stride[d];
  }
  for (i = 0; i < total * p->itemsize; ++i) {
    out[i] = src[i];
  }
  for (i = 0; i < count; ++i) {
    for (k = 0; k < p->itemsize; ++k) {
      out[offset * p->itemsize + k] = *upd++;
    }
    /* odometer over the update's dimensions, moving the output offset along */
    for (d = p->dims - 1; d >= 0; --d) {
      offset += stride[d];
      if (++idx[d] < p->update_shape[d]) {
        break;
      }
      offset -= stride[d] * p->update_shape[d];
      idx[d] = 0;
    }
  }
  return TD_OK;
}
