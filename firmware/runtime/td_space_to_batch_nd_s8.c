/*
 * td_space_to_batch_nd_s8.c - SPACE_TO_BATCH_ND, int8 (3-D inputs as width 1).
 *
 * Output batch ob = (sh * block_w + sw) * in_batch + b: pixel (oh, ow) of it is input
 * pixel (oh * block_h + sh - pad_top, ow * block_w + sw - pad_left) of batch b, or
 * pad_value where that falls outside the input. Values are copied, never requantized.
 */
#include "td_kernels.h"

td_status td_space_to_batch_nd_s8(const td_space_to_batch_params *p, const int8_t *input,
                                  int8_t *output) {
  int32_t ob;
  int32_t oh;
  int32_t ow;
  int32_t c;
  if (p == NULL || input == NULL || output == NULL || p->in_batch < 1 || p->block_h < 1 ||
      p->block_w < 1 || p->out_batch != p->in_batch * p->block_h * p->block_w) {
    return TD_ERR_ARG;
  }
  for (ob = 0; ob < p->out_batch; ++ob) {
    const int32_t b = ob % p->in_batch;
    const int32_t sw = (ob / p->in_batch) % p->block_w;
    const int32_t sh = (ob / p->in_batch) / p->block_w;
    for (oh = 0; oh < p->out_h; ++oh) {
      const int32_t ih = oh * p->block_h + sh - p->pad_top;
      for (ow = 0; ow < p->out_w; ++ow) {
        const int32_t iw = ow * p->block_w + sw - p->pad_left;
        if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) {
          for (c = 0; c < p->depth; ++c) {
            *output++ = (int8_t)p->pad_value;
          }
        } else {
          const int8_t *src = input + ((b * p->in_h + ih) * p->in_w + iw) * p->depth;
          for (c = 0; c < p->depth; ++c) {
            *output++ = src[c];
          }
        }
      }
    }
  }
  return TD_OK;
}
