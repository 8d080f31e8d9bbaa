/*
 * td_remap.c - data movement of any element type: output element (i0, .., i{dims-1})
 * (C order) copies input element map0[i0] + map1[i1] + ... (offsets in elements).
 *
 * One kernel for every op whose source offset is a sum of one term per output
 * dimension: TRANSPOSE (strides permuted), SLICE / STRIDED_SLICE (a start in the
 * first table, strides and negative steps in all), GATHER with constant indices,
 * SPACE_TO_DEPTH / DEPTH_TO_SPACE (as 6-D transposes), MIRROR_PAD (reflected
 * indices), RESIZE_NEAREST_NEIGHBOR (scaled indices), REVERSE_V2 (descending
 * indices), BROADCAST_TO (zero terms), GATHER_ND, BATCH_TO_SPACE_ND and
 * SPACE_TO_BATCH_ND (no padding). The compiler builds the tables
 * (tinydeploy/compile/lower_move.py). Elements are itemsize bytes (int8 and bool 1,
 * int16 2, int32 and float32 4) copied as they are, never requantized, as TFLite Micro
 * copies them; the tensors are 4-byte aligned. PAD / PADV2 (int32, float32): a padded
 * position's table term is far below 0 (more negative than any sum of the others), so an
 * offset sum below 0 writes pad_value, an element's raw bits.
 */
#include "td_kernels.h"

td_status td_remap(const td_remap_params *p, const void *input, void *output) {
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  const int32_t *table[TD_KMAX_DIMS];
  int32_t partial[TD_KMAX_DIMS + 1]; /* partial[d]: sum of the terms of dimensions < d */
  int32_t i;
  int32_t d;
  const int32_t *t;
  if (p == NULL || input == NULL || output == NULL || p->map == NULL || p->dims < 1 ||
      p->dims > TD_KMAX_DIMS || (p->itemsize != 1 && p->itemsize != 2 && p->itemsize != 4)) {
    return TD_ERR_ARG;
  }
  t = p->map;
  for (d = 0; d < p->dims; ++d) {
    if (p->shape[d] <= 0) {
      return TD_ERR_ARG;
    }
    table[d] = t;
    t += p->shape[d];
  }
  partial[0] = 0;
  for (d = 0; d < p->dims; ++d) {
    partial[d + 1] = partial[d] + table[d][0];
  }
  for (i = 0; i < p->size; ++i) {
    const int32_t src = partial[p->dims];
    /* the element's own width: one load and one store, whatever the type */
    if (p->itemsize == 1) {
      ((int8_t *)output)[i] = src < 0 ? (int8_t)p->pad_value : ((const int8_t *)input)[src];
    } else if (p->itemsize == 2) {
      ((int16_t *)output)[i] = src < 0 ? (int16_t)p->pad_value : ((const int16_t *)input)[src];
    } else {
      ((int32_t *)output)[i] = src < 0 ? p->pad_value : ((const int32_t *)input)[src];
    }
    /* odometer: advance the innermost index, carry outward, refresh the sums */
    for (d = p->dims - 1; d >= 0; --d) {
      if (++idx[d] < p->shape[d]) {
        break;
      }
      idx[d] = 0;
    }
    if (d < 0) {
      break;
    }
    for (; d < p->dims; ++d) {
      partial[d + 1] = partial[d] + table[d][idx[d]];
    }
  }
  return TD_OK;
}
