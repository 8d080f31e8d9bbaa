/*
 * td_fully_connected_s8.c - FULLY_CONNECTED, int8, per-tensor or per-channel.
 *
 * out[b][o] = clamp(mbqm(sum_d (w[o][d] + filter_offset) * (in[b][d] + input_offset)
 *                        + bias[o]) + output_offset).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

td_status td_fully_connected_s8(const td_fc_params *p, const int8_t *input, int8_t *output) {
  int32_t b;
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t *in = input + b * p->accum_depth;
    int32_t o;
    for (o = 0; o < p->out_depth; ++o) {
      const int8_t *w = p->filter + o * p->accum_depth;
      const int32_t q = p->per_channel ? o : 0;
      int32_t acc = 0;
      int32_t d;
      for (d = 0; d < p->accum_depth; ++d) {
        acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)in[d] + p->input_offset);
      }
      if (p->bias != NULL) {
        acc += p->bias[o];
      }
      acc = td_mbqm(acc, p->multiplier[q], p->shift[q]) + p->output_offset;
      output[b * p->out_depth + o] = (int8_t)td_clamp32(acc, p->act_min, p->act_max);
    }
  }
  return TD_OK;
}
