/*
 * td_batch_matmul_s8.c - BATCH_MATMUL, int8.
 *
 * out[b][i][j] = requantize(sum over k of (lhs(i, k) + lhs_offset) * (rhs(k, j) +
 * rhs_offset)), lhs(i, k) = lhs[b][i][k] (adj_x: lhs[b][k][i]), rhs(k, j) =
 * rhs[b][k][j] (adj_y: rhs[b][j][k]). TFLite Micro transposes the operands into
 * scratch memory first and sums in another order; the sums are the same integers,
 * so the result is bit-exact. A batch stride of 0 broadcasts that operand.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_batch_matmul_s8(const td_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                             int8_t *output) {
  int32_t b;
  int32_t i;
  int32_t j;
  int32_t k;
  if (p == NULL || lhs == NULL || rhs == NULL || output == NULL || p->shift > 30) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *a = lhs + (size_t)b * (size_t)p->lhs_batch_stride;
    const int8_t *m = rhs + (size_t)b * (size_t)p->rhs_batch_stride;
    /* element strides of (i, k) in lhs and of (k, j) in rhs */
    const int32_t ai = p->adj_x ? 1 : p->depth;
    const int32_t ak = p->adj_x ? p->rows : 1;
    const int32_t mk = p->adj_y ? 1 : p->cols;
    const int32_t mj = p->adj_y ? p->depth : 1;
    for (i = 0; i < p->rows; ++i) {
      for (j = 0; j < p->cols; ++j) {
        int32_t acc = 0;
        for (k = 0; k < p->depth; ++k) {
          acc += (a[i * ai + k * ak] + p->lhs_offset) * (m[k * mk + j * mj] + p->rhs_offset);
        }
        acc = td_mbqm(acc, p->multiplier, p->shift) + p->output_offset;
        *output++ = (int8_t)td_clamp32(acc, -128, 127);
      }
    }
  }
  return TD_OK;
}
