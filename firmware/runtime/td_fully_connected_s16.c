/*
 * td_fully_connected_s16.c - FULLY_CONNECTED of 16x8 models: int16 activations (zero
 * point 0), int8 weights (zero point 0), int64 bias, per-tensor or per-channel.
 *
 * out[b][o] = clamp(mbqm64(sum_d w[o][d] * in[b][d] + bias[o])), as TFLite Micro's
 * reference FullyConnected / FullyConnectedPerChannel with an int64 accumulator. Each
 * product fits int32 (|w * x| <= 128 * 32768 = 2^22); the sum is kept in 64 bits.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_fully_connected_s16(const td_fc_s16_params *p, const int16_t *input, int16_t *output) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int16_t *in = input + b * p->accum_depth;
    int32_t o;
    for (o = 0; o < p->out_depth; ++o) {
      const int8_t *w = p->filter + o * p->accum_depth;
      const int32_t q = p->per_channel ? o : 0;
      int64_t acc = 0;
      int32_t d;
      for (d = 0; d < p->accum_depth; ++d) {
        acc += (int32_t)w[d] * (int32_t)in[d];
      }
      if (p->bias != NULL) {
        acc += p->bias[o];
      }
      output[b * p->out_depth + o] = (int16_t)td_clamp32(
          td_mbqm64(acc, p->multiplier[q], p->shift[q]), p->act_min, p->act_max);
    }
  }
  return TD_OK;
}
