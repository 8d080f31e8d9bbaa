/*
 * td_broadcast.h - internal: walk the output of a broadcasting binary op.
 *
 * td_bc_next advances the per-dimension counters of a td_broadcast after one
 * output element and updates the two input element offsets.
 */
#ifndef TD_BROADCAST_H
#define TD_BROADCAST_H

#include "td_kernels.h"

static inline void td_bc_next(const td_broadcast *bc, int32_t *idx, int32_t *o1, int32_t *o2) {
  int32_t d;
  for (d = bc->dims - 1; d >= 0; --d) {
    ++idx[d];
    *o1 += bc->stride1[d];
    *o2 += bc->stride2[d];
    if (idx[d] < bc->shape[d]) {
      return;
    }
    *o1 -= bc->stride1[d] * bc->shape[d];
    *o2 -= bc->stride2[d] * bc->shape[d];
    idx[d] = 0;
  }
}

#endif /* TD_BROADCAST_H */
