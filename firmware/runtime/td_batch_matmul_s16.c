/*
 * td_batch_matmul_s16.c - BATCH_MATMUL of 16x8 models: int16 operands and output, all
 * with zero point 0 (TFLite Micro's Prepare requires it; the offsets are not read).
 *
 * out[b][i][j] = requantize(sum over k of lhs(i, k) * rhs(k, j)) with the operands'
 * layouts of td_batch_matmul_s8 (adj_x, adj_y, a batch stride of 0 broadcasting). TFLite
 * Micro's BatchMatMul<int16_t, int64_t> sums in 64 bits and requantizes with the 64-bit
 * MultiplyByQuantizedMultiplier (td_mbqm64); the sums are the same integers.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_batch_matmul_s16(const td_batch_matmul_params *p, const int16_t *lhs,
                              const int16_t *rhs, int16_t *output) {
  int32_t b;
  int32_t i;
  int32_t j;
  int32_t k;
  if (p == NULL || lhs == NULL || rhs == NULL || output == NULL || p->shift > 7) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int16_t *a = lhs + (size_t)b * (size_t)p->lhs_batch_stride;
    const int16_t *m = rhs + (size_t)b * (size_t)p->rhs_batch_stride;
    /* element strides of (i, k) in lhs and of (k, j) in rhs */
    const int32_t ai = p->adj_x ? 1 : p->depth;
    const int32_t ak = p->adj_x ? p->rows : 1;
    const int32_t mk = p->adj_y ? 1 : p->cols;
    const int32_t mj = p->adj_y ? p->depth : 1;
    for (i = 0; i < p->rows; ++i) {
      for (j = 0; j < p->cols; ++j) {
        int64_t acc = 0;
        for (k = 0; k < p->depth; ++k) {
          acc += (int32_t)a[i * ai + k * ak] * (int32_t)m[k * mk + j * mj];
        }
        *output++ = (int16_t)td_clamp32(td_mbqm64(acc, p->multiplier, p->shift), -32768, 32767);
      }
    }
  }
  return TD_OK;
}
