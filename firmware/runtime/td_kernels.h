/*
 * td_kernels.h - int8 kernels of the tinydeploy ahead-of-time runtime.
 *
 * The one public header of firmware/runtime. Every kernel is a plain C99
 * reference implementation whose arithmetic follows TensorFlow Lite (Micro)'s
 * integer definitions bit for bit: the double-rounding fixed-point multiply
 * (SaturatingRoundingDoublingHighMul then RoundingDivideByPOT), saturation to
 * the activation range, zero points as offsets.
 *
 * Contract shared by all kernels:
 *  - Prepare happens in the compiler: every shape, stride, padding, multiplier,
 *    shift and zero point arrives in a params struct that the generated code
 *    keeps as `static const` data (flash). Kernels only evaluate.
 *  - Tensors are dense, row-major (C order); images are NHWC.
 *  - Offsets: `input_offset` is minus the input zero point, `output_offset` is
 *    plus the output zero point (TFLite's convention).
 *  - Multipliers are Q0.31 values in [2^30, 2^31) (or 0); a shift > 0 is a left
 *    shift, < 0 a right shift with round-half-away-from-zero.
 *  - act_min/act_max: the clamp range of the output after requantization, which
 *    also implements the fused RELU / RELU6 / RELU_N1_TO_1 activations.
 *  - Output may overlap input: each kernel writes output elements in increasing
 *    address order and reads the inputs of an element before writing it; the
 *    compiler only overlaps buffers where that order makes it safe (see
 *    tinydeploy/compile/plan.py). No kernel allocates memory.
 *  - Every function returns TD_OK, or TD_ERR_ARG for a NULL or inconsistent
 *    argument.
 */
#ifndef TD_KERNELS_H
#define TD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "td_model.h" /* td_status */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TD_ALIGNED(n) __attribute__((aligned(n)))
#else
#define TD_ALIGNED(n)
#endif

/* Model weights go into their own .td_weights section on ELF targets, so that the
 * firmware's linker script places them in flash and size reports count them
 * (see firmware/templates/fw_linker.ld.j2). Define TD_NO_WEIGHTS_SECTION to keep
 * them in plain .rodata instead. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__ELF__) && \
    !defined(TD_NO_WEIGHTS_SECTION)
#define TD_WEIGHTS __attribute__((section(".td_weights")))
#else
#define TD_WEIGHTS
#endif

/* Maximum rank of broadcast / pad / mean shapes. */
#define TD_KMAX_DIMS 6

/* ---- CONV_2D ------------------------------------------------------------
 * input  [batches][in_h][in_w][in_c]        int8
 * filter [out_c][filter_h][filter_w][filter_c]  int8, filter_c = in_c / groups
 * bias   [out_c] int32 or NULL
 * output [batches][out_h][out_w][out_c]     int8
 * multiplier/shift: out_c entries if per_channel, else one entry. */
typedef struct {
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_h, filter_w, filter_c;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;            /* padding before the first row / column */
  int32_t input_offset;            /* -input zero point, in [-127, 128] */
  int32_t output_offset;           /* output zero point, in [-128, 127] */
  int32_t act_min, act_max;
  int32_t per_channel;             /* 1: multiplier/shift have out_c entries */
  const int8_t *filter;
  const int32_t *bias;
  const int32_t *multiplier;
  const int8_t *shift;          /* in [-31, 30]: one byte, not four */
  /* Optional (may be NULL): bias[oc] + input_offset * sum of filter oc's taps,
   * used for windows entirely inside the image, where
   * sum w * (x + input_offset) + bias == sum w * x + folded_bias exactly. */
  const int32_t *folded_bias;
} td_conv_params;

td_status td_conv2d_s8(const td_conv_params *p, const int8_t *input, int8_t *output);

/* Output rows [row_begin, row_end) of image 0 only (batches must be 1);
 * `output` points at row row_begin. Used to recompute a tensor row by row. */
td_status td_conv2d_s8_rows(const td_conv_params *p, const int8_t *input, int8_t *output,
                            int32_t row_begin, int32_t row_end);

/* ---- DEPTHWISE_CONV_2D ---------------------------------------------------
 * input  [batches][in_h][in_w][in_c]
 * filter [1][filter_h][filter_w][out_c], out_c = in_c * depth_multiplier
 * output channel oc = ic * depth_multiplier + m. */
typedef struct {
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t depth_multiplier;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  int32_t per_channel;
  const int8_t *filter;
  const int32_t *bias;
  const int32_t *multiplier;
  const int8_t *shift;          /* in [-31, 30]: one byte, not four */
} td_dwconv_params;

td_status td_depthwise_conv2d_s8(const td_dwconv_params *p, const int8_t *input,
                                 int8_t *output);

/* ---- FULLY_CONNECTED -----------------------------------------------------
 * input [batches][accum_depth], filter [out_depth][accum_depth],
 * bias [out_depth] or NULL, output [batches][out_depth]. */
typedef struct {
  int32_t batches, accum_depth, out_depth;
  int32_t input_offset;
  int32_t filter_offset;           /* -filter zero point (0 for int8 weights) */
  int32_t output_offset;
  int32_t act_min, act_max;
  int32_t per_channel;
  const int8_t *filter;
  const int32_t *bias;
  const int32_t *multiplier;
  const int8_t *shift;          /* in [-31, 30]: one byte, not four */
} td_fc_params;

td_status td_fully_connected_s8(const td_fc_params *p, const int8_t *input, int8_t *output);

/* ---- packed weights: 4-bit, lookup table (weight sharing), sparse ------------
 * A weight tensor of `count` int8 values in the int8 kernel's layout, stored as a
 * stream of values in one of three codecs:
 *   TD_CODEC_S8   one byte per value;
 *   TD_CODEC_S4   4-bit two's complement values in [-8, 7], two per byte, the
 *                 first value in the low nibble;
 *   TD_CODEC_LUT  `index_bits`-wide (1..8) indices into `table` (at most
 *                 2^index_bits int8 values), packed least significant bit first.
 * mask == NULL: the stream holds all `count` values. Otherwise `mask` is a bitmap
 * of ceil(count / 8) bytes, bit (i & 7) of byte (i >> 3) set when weight i is
 * non-zero, and the stream holds only the non-zero weights, in order.
 * The packed kernels decode the weights into a `scratch` buffer of `count` bytes
 * (planned by the compiler) and run the int8 kernel: bit-exact with it. */
#define TD_CODEC_S8 0
#define TD_CODEC_S4 1
#define TD_CODEC_LUT 2

typedef struct {
  int32_t count;                   /* decoded weights */
  int32_t codec;                   /* TD_CODEC_* of the value stream */
  int32_t index_bits;              /* TD_CODEC_LUT: bits per index, 1..8 */
  const int8_t *data;              /* the value stream (bytes) */
  const int8_t *table;             /* TD_CODEC_LUT: the shared values, else NULL */
  const int8_t *mask;              /* non-zero bitmap, or NULL for dense */
} td_packed_weights;

/* Decode all `count` weights into `out`. */
td_status td_unpack_weights(const td_packed_weights *w, int8_t *out);

/* The int8 params with filter == NULL (the kernel points it at the decoded weights). */
typedef struct {
  td_conv_params conv;
  td_packed_weights weights;
} td_conv_packed_params;

typedef struct {
  td_dwconv_params dw;
  td_packed_weights weights;
} td_dwconv_packed_params;

typedef struct {
  td_fc_params fc;
  td_packed_weights weights;
} td_fc_packed_params;

/* scratch: weights.count bytes */
td_status td_conv2d_packed(const td_conv_packed_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch);
td_status td_depthwise_conv2d_packed(const td_dwconv_packed_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch);
td_status td_fully_connected_packed(const td_fc_packed_params *p, const int8_t *input,
                                    int8_t *output, int8_t *scratch);

/* ---- SIMD variants (Cortex-M DSP extension; portable C elsewhere) ----------
 * Same results as the reference kernels, bit for bit, on the data layouts the
 * compiler prepares (tinydeploy/compile/dsp.py; the layouts are described in
 * td_dsp.h): weights pre-widened to int16 pairs and pre-scaled, bias pre-scaled,
 * requantization as {multiplier, right shift, rounding + zero point} per channel.
 * `scratch` is a 4-byte aligned work buffer of the size the compiler planned.
 * Batch size 1 only (FULLY_CONNECTED runs as a 1x1 convolution over its rows). */
typedef struct {
  int32_t batches;                 /* always 1 */
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;
  int32_t input_offset;
  int32_t depth;                   /* filter_h * filter_w * in_c rounded up to a multiple of 4 */
  int32_t act_min, act_max;
  int32_t wide;                    /* 1: accumulator scaled by 2^left only, 64-bit rounding
                                      multiply, output_offset added after the shift */
  int32_t output_offset;           /* used when wide */
  int32_t pos;                     /* 1: every channel has e >= 1 (five-instruction requant) */
  int32_t w8;                      /* 1: int8 weights (kernels double the accumulator) */
  int32_t row_quads;               /* > 0 (in_c not a multiple of 4, no dilation): each
                                      filter row's filter_w * in_c weights padded with
                                      zeros to row_quads quads; depth = filter_h * 4 * row_quads */
  /* one record of depth + 8 words per pair of output channels (c, c+1), out_c padded
   * to even with zeros: the two pre-scaled biases; per input quad q the words
   * c:(w0,w2) c:(w1,w3) c+1:(w0,w2) c+1:(w1,w3); then m, e, h of c and of c+1
   * (s of td_dsp.h is -1 when e > 0, else 0).
   * w8: depth / 2 + 8 words: the biases unscaled, per quad two words of int8
   * weights in input order (c: x0..x3, c+1: x0..x3), then m e h as above */
  const int32_t *filter;
} td_conv_dsp_params;

/* scratch: 5 * depth bytes (two int16 columns and one int8 column) */
td_status td_conv2d_s8_dsp(const td_conv_dsp_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch);
td_status td_conv2d_s8_dsp_rows(const td_conv_dsp_params *p, const int8_t *input,
                                int8_t *output, int32_t row_begin, int32_t row_end,
                                int8_t *scratch);

/* FULLY_CONNECTED on the weights of td_conv2d_s8_dsp (in_c inputs, out_c outputs,
 * in_w rows); the int8 input is widened on the fly: no scratch. */
td_status td_fully_connected_s8_dsp(const td_conv_dsp_params *p, const int8_t *input,
                                    int8_t *output);

/* DEPTHWISE_CONV_2D, depth multiplier 1, no dilation: channel planes of kh input
 * rows widened to int16 (+ input offset, zeros in the padding), one output row at
 * a time. */
typedef struct {
  int32_t in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;
  int32_t input_offset;
  int32_t act_min, act_max;
  int32_t wide;                    /* as in td_conv_dsp_params */
  int32_t output_offset;
  int32_t plane_w;                 /* int16 columns of a plane row (even) */
  int32_t pairs;                   /* words of weights per filter row */
  int32_t fast3;                   /* 1: 3x3 stride 1, rows stored as (w0,w1) (w1,w2) */
  int32_t vert;                    /* 1: 3x3 stride 1 over vertical pairs (see below) */
  int32_t pos;                     /* 1: every channel has e >= 1 (five-instruction requant) */
  const int32_t *filter;           /* [channels][filter_h][pairs] int16 pairs;
                                      vert: [channels][kx][(w0,w1) (w1,w2)] of column kx */
  const int32_t *bias;             /* [channels], pre-scaled */
  const int32_t *requant;          /* [channels][4] */
} td_dwconv_dsp_params;

/* scratch: (filter_h * channels + 1) * plane_w * 2 bytes. vert == 0 only. */
td_status td_depthwise_conv2d_s8_dsp(const td_dwconv_dsp_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch);
/* The 3x3 stride-1 case (vert == 1, pos set by the compiler): two output rows at a
 * time from input row pairs widened into words [channels][plane_w columns][2 ring
 * slots]; filter holds per-channel records {bias, (w0,w1) (w1,w2) of columns 0..2,
 * m, e, h}. scratch: 8 * channels * plane_w bytes. */
td_status td_depthwise_conv2d_s8_dsp3x3(const td_dwconv_dsp_params *p, const int8_t *input,
                                        int8_t *output, int8_t *scratch);

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D ---------------------------------------
 * input [batches][in_h][in_w][channels] -> output [batches][out_h][out_w][channels];
 * the window is clipped to the image (padding is never averaged in).
 * Input and output share scale and zero point. */
typedef struct {
  int32_t batches, in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;
  int32_t act_min, act_max;
} td_pool_params;

td_status td_avg_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output);
td_status td_max_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output);
/* AVERAGE_POOL_2D over the whole image (filter = input size, no padding, 1 x 1
 * output), batch 1, channels a multiple of 4, at most 255 pixels: SIMD sums. */
td_status td_avg_pool2d_s8_dsp(const td_pool_params *p, const int8_t *input, int8_t *output);

/* ---- SOFTMAX (int8 -> int8, output scale 1/256, zero point -128) ----------
 * Rows of `depth` elements; gemmlowp fixed-point exp and reciprocal. */
typedef struct {
  int32_t outer, depth;
  int32_t input_multiplier;        /* beta * input_scale * 2^26, quantized */
  int32_t input_left_shift;
  int32_t diff_min;                /* differences below this give exp() == 0 */
} td_softmax_params;

td_status td_softmax_s8(const td_softmax_params *p, const int8_t *input, int8_t *output);

/* ---- element-wise binary ops with broadcasting ----------------------------
 * dims == 0: both inputs hold `size` elements like the output.
 * dims > 0: the output has shape[0..dims-1] (outermost first); stride1/stride2
 * give each input's element stride per output dimension, 0 where it broadcasts. */
typedef struct {
  int32_t size;
  int32_t dims;
  int32_t shape[TD_KMAX_DIMS];
  int32_t stride1[TD_KMAX_DIMS];
  int32_t stride2[TD_KMAX_DIMS];
} td_broadcast;

/* ADD: both inputs rescaled to a common scale with 20 bits of headroom. */
typedef struct {
  td_broadcast bc;
  int32_t input1_offset, input2_offset;
  int32_t left_shift;              /* 20 for int8 */
  int32_t input1_multiplier, input1_shift;   /* shifts <= 0 */
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t output_offset;
  int32_t act_min, act_max;
} td_add_params;

td_status td_add_s8(const td_add_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* ADD of same-shape inputs with per-input lookup tables (tinydeploy/compile/dsp.py):
 * table1/table2 hold, for int8 x = -128..127 at index x + 128, twice the input's
 * rescaled value; the output is ssat8((SMMULR(t1 + t2, m) + h + (sum < 0 ? neg : 0))
 * >> e) clamped to the activation range, h = 2^(e-1) + output zero point * 2^e,
 * neg = -1 when e > 0. bc.dims must be 0. */
typedef struct {
  td_broadcast bc;
  int32_t output_multiplier, e, h, neg;
  int32_t act_min, act_max;
  const int32_t *table1, *table2;
} td_add_dsp_params;

td_status td_add_s8_dsp(const td_add_dsp_params *p, const int8_t *input1,
                        const int8_t *input2, int8_t *output);

/* MUL: (in1 + off1) * (in2 + off2) requantized with one multiplier. */
typedef struct {
  td_broadcast bc;
  int32_t input1_offset, input2_offset;
  int32_t output_multiplier, output_shift;
  int32_t output_offset;
  int32_t act_min, act_max;
} td_mul_params;

td_status td_mul_s8(const td_mul_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* ---- CONCATENATION (inputs share the output's scale and zero point) --------
 * outer: product of the dimensions before the axis; for input i,
 * copy_bytes[i] = axis_size_i * (product of the dimensions after the axis). */
typedef struct {
  int32_t outer;
  int32_t num_inputs;
  const int32_t *copy_bytes;
} td_concat_params;

td_status td_concat_s8(const td_concat_params *p, const int8_t *const *inputs, int8_t *output);

/* ---- PAD (4-D, constant value) ------------------------------------------ */
typedef struct {
  int32_t in_shape[4];
  int32_t before[4];
  int32_t out_shape[4];
  int32_t pad_value;               /* int8 value written in the padding */
} td_pad_params;

td_status td_pad_s8(const td_pad_params *p, const int8_t *input, int8_t *output);

/* ---- MEAN over some axes (4-D) -------------------------------------------
 * Output element (i0,i1,i2,i3) over the kept dimensions (reduced ones are 0)
 * averages input[i + r] for r over the reduced dimensions. */
typedef struct {
  int32_t in_shape[4];
  int32_t reduced[4];              /* 1 where the dimension is reduced */
  int32_t count;                   /* elements averaged per output */
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier, shift;       /* input_scale / output_scale / count */
} td_mean_params;

td_status td_mean_s8(const td_mean_params *p, const int8_t *input, int8_t *output);

/* ---- LOGISTIC (output scale 1/256, zp -128) and TANH (scale 1/128, zp 0) ---
 * input rescaled to Q4.27, gemmlowp fixed-point logistic / tanh. */
typedef struct {
  int32_t size;
  int32_t input_zero_point;
  int32_t input_range_radius;      /* |q - zp| >= radius saturates */
  int32_t input_multiplier, input_left_shift;
} td_unary_params;

td_status td_logistic_s8(const td_unary_params *p, const int8_t *input, int8_t *output);
td_status td_tanh_s8(const td_unary_params *p, const int8_t *input, int8_t *output);

/* ---- QUANTIZE / DEQUANTIZE at the model's edges ----------------------------
 * float -> int8: q = clamp(round(x / scale) + zero_point), round half away
 * from zero, float arithmetic (the op's definition).
 * int8 -> float: x = scale * (q - zero_point).
 * int8 -> int8 (requantize): integer multiplier and shift. */
typedef struct {
  int32_t size;
  float scale;
  int32_t zero_point;
} td_affine_params;

td_status td_quantize_f32_s8(const td_affine_params *p, const float *input, int8_t *output);
td_status td_dequantize_s8_f32(const td_affine_params *p, const int8_t *input, float *output);

typedef struct {
  int32_t size;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
} td_requantize_params;

td_status td_requantize_s8(const td_requantize_params *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TD_KERNELS_H */
