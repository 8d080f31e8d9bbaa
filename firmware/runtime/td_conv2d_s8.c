/*
 * td_conv2d_s8.c - CONV_2D, int8 activations and weights, int32 bias.
 *
 * Per-channel or per-tensor requantization, SAME/VALID padding (as pad_h/pad_w),
 * strides, dilation and grouped filters. Reference loops: for each output
 * pixel and channel, sum filter * (input + input_offset) over the part of the
 * window inside the image (zero padding contributes nothing), add the bias,
 * requantize, add the output zero point and clamp. The int32 accumulator
 * cannot overflow for filter_h * filter_w * filter_c < 2^16 taps.
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"

/* First filter tap whose input coordinate origin + tap * dilation is >= 0,
 * and one past the last tap whose coordinate is < size. */
static void td_valid_taps(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
                          int32_t *first, int32_t *last) {
  int32_t f = 0;
  int32_t l = taps;
  while (f < taps && origin + f * dilation < 0) {
    ++f;
  }
  while (l > f && origin + (l - 1) * dilation >= size) {
    --l;
  }
  *first = f;
  *last = l;
}

static void td_conv_image_rows(const td_conv_params *p, const int8_t *input, int8_t *output,
                               int32_t row_begin, int32_t row_end) {
  const int32_t groups = p->in_c / p->filter_c;
  const int32_t per_group = p->out_c / groups;
  const int32_t filter_row = p->filter_w * p->filter_c;
  const int32_t filter_size = p->filter_h * filter_row;
  int32_t out_y;
  for (out_y = row_begin; out_y < row_end; ++out_y) {
    const int32_t in_y0 = out_y * p->stride_h - p->pad_h;
    int32_t fy0;
    int32_t fy1;
    int32_t out_x;
    td_valid_taps(in_y0, p->dilation_h, p->filter_h, p->in_h, &fy0, &fy1);
    for (out_x = 0; out_x < p->out_w; ++out_x) {
      const int32_t in_x0 = out_x * p->stride_w - p->pad_w;
      int32_t fx0;
      int32_t fx1;
      int32_t oc;
      td_valid_taps(in_x0, p->dilation_w, p->filter_w, p->in_w, &fx0, &fx1);
      const int full = p->folded_bias != NULL && fy0 == 0 && fy1 == p->filter_h && fx0 == 0 &&
                       fx1 == p->filter_w;
      for (oc = 0; oc < p->out_c; ++oc) {
        const int32_t group = oc / per_group;
        const int8_t *filter = p->filter + oc * filter_size;
        const int32_t q = p->per_channel ? oc : 0;
        int32_t acc = 0;
        int32_t fy;
        if (full) {
          /* Whole window inside the image: the input offset is folded into the bias
           * at compile time, the inner loop is a plain dot product. */
          for (fy = 0; fy < p->filter_h; ++fy) {
            const int8_t *in = input + ((in_y0 + fy * p->dilation_h) * p->in_w + in_x0) * p->in_c +
                               group * p->filter_c;
            const int8_t *w = filter + fy * filter_row;
            int32_t fx;
            for (fx = 0; fx < p->filter_w; ++fx) {
              const int8_t *px = in + fx * p->dilation_w * p->in_c;
              const int8_t *wx = w + fx * p->filter_c;
              int32_t ic;
              for (ic = 0; ic < p->filter_c; ++ic) {
                acc += (int32_t)wx[ic] * (int32_t)px[ic];
              }
            }
          }
          acc += p->folded_bias[oc];
          acc = td_mbqm(acc, p->multiplier[q], p->shift[q]) + p->output_offset;
          *output++ = (int8_t)td_clamp32(acc, p->act_min, p->act_max);
          continue;
        }
        for (fy = fy0; fy < fy1; ++fy) {
          const int32_t in_y = in_y0 + fy * p->dilation_h;
          int32_t fx;
          for (fx = fx0; fx < fx1; ++fx) {
            const int32_t in_x = in_x0 + fx * p->dilation_w;
            const int8_t *in = input + (in_y * p->in_w + in_x) * p->in_c + group * p->filter_c;
            const int8_t *w = filter + fy * filter_row + fx * p->filter_c;
            int32_t ic;
            for (ic = 0; ic < p->filter_c; ++ic) {
              acc += (int32_t)w[ic] * ((int32_t)in[ic] + p->input_offset);
            }
          }
        }
        if (p->bias != NULL) {
          acc += p->bias[oc];
        }
        acc = td_mbqm(acc, p->multiplier[q], p->shift[q]) + p->output_offset;
        *output++ = (int8_t)td_clamp32(acc, p->act_min, p->act_max);
      }
    }
  }
}

td_status td_conv2d_s8_rows(const td_conv_params *p, const int8_t *input, int8_t *output,
                            int32_t row_begin, int32_t row_end) {
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL || p->filter_c <= 0 || p->in_c % p->filter_c != 0 || p->batches != 1 ||
      row_begin < 0 || row_end > p->out_h || row_begin > row_end) {
    return TD_ERR_ARG;
  }
  td_conv_image_rows(p, input, output, row_begin, row_end);
  return TD_OK;
}

td_status td_conv2d_s8(const td_conv_params *p, const int8_t *input, int8_t *output) {
  const int32_t in_image = p != NULL ? p->in_h * p->in_w * p->in_c : 0;
  const int32_t out_image = p != NULL ? p->out_h * p->out_w * p->out_c : 0;
  int32_t b;
  if (p == NULL || input == NULL || output == NULL || p->filter == NULL || p->multiplier == NULL ||
      p->shift == NULL || p->filter_c <= 0 || p->in_c % p->filter_c != 0 ||
      (p->out_c % (p->in_c / p->filter_c)) != 0) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    td_conv_image_rows(p, input + b * in_image, output + b * out_image, 0, p->out_h);
  }
  return TD_OK;
}
