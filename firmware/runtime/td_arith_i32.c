/*
 * td_arith_i32.c - ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE of int32 tensors (p->op), with
 * broadcasting: TFLite Micro's unquantized int32 arithmetic.
 *
 * Sums, differences and products wrap modulo 2^32 as TFLite's do (done in unsigned
 * arithmetic here, where the wrap is defined), DIV truncates toward zero (C's /), then
 * the result is clamped to [act_min, act_max] (the fused activation; the full range
 * where TFLite Micro applies none). A zero divisor and INT32_MIN / -1 are
 * TD_ERR_INVOKE: TFLite leaves them undefined (the host traps).
 */
#include "td_broadcast.h"
#include "td_kernels.h"

static int td_arith_one(int32_t op, int32_t a, int32_t b, int32_t *out) {
  const uint32_t ua = (uint32_t)a;
  const uint32_t ub = (uint32_t)b;
  uint32_t d;
  switch (op) {
    case TD_ARITH_ADD:
      *out = (int32_t)(ua + ub);
      return 1;
    case TD_ARITH_SUB:
      *out = (int32_t)(ua - ub);
      return 1;
    case TD_ARITH_MUL:
      *out = (int32_t)(ua * ub);
      return 1;
    case TD_ARITH_DIV:
      if (b == 0 || (a == INT32_MIN && b == -1)) {
        return 0;
      }
      *out = a / b;
      return 1;
    default: /* TD_ARITH_SQUARED_DIFFERENCE (the kernel checks the range) */
      d = ua - ub;
      *out = (int32_t)(d * d);
      return 1;
  }
}

td_status td_arith_i32(const td_arith_params *p, const int32_t *input1, const int32_t *input2,
                       int32_t *output) {
  int32_t i;
  int32_t idx[TD_KMAX_DIMS] = {0, 0, 0, 0, 0, 0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  if (p == NULL || input1 == NULL || input2 == NULL || output == NULL || p->op < 0 ||
      p->op > TD_ARITH_SQUARED_DIFFERENCE || p->bc.dims < 0 || p->bc.dims > TD_KMAX_DIMS) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->bc.size; ++i) {
    int32_t v;
    if (p->bc.dims == 0) {
      o1 = o2 = i;
    }
    if (!td_arith_one(p->op, input1[o1], input2[o2], &v)) {
      return TD_ERR_INVOKE;
    }
    output[i] = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
    td_bc_next(&p->bc, idx, &o1, &o2);
  }
  return TD_OK;
}
