/*
 * td_params.h - the params structs of the kernels, the weight codec ids and the
 * defaults of the td_features.h code paths.
 *
 * GENERATED from tinydeploy/compile/kernels.py (the kernel registry): do not edit.
 * Regenerate with `python -m tinydeploy.compile.kernels --write`; a unit test checks
 * that this file is what the registry generates. Included by td_kernels.h, which
 * documents the kernels and their contract.
 */
#ifndef TD_PARAMS_H
#define TD_PARAMS_H

#include <stdint.h>

/* Maximum rank of broadcast / pad / mean shapes. */
#define TD_KMAX_DIMS 6

/* Weight codecs of td_packed_weights (see td_kernels.h). */
#define TD_CODEC_S8 0
#define TD_CODEC_S4 1
#define TD_CODEC_LUT 2

/* Comparisons of td_compare_params.cmp, ops of td_logical_params.op. */
#define TD_CMP_EQUAL 0
#define TD_CMP_NOT_EQUAL 1
#define TD_CMP_LESS 2
#define TD_CMP_LESS_EQUAL 3
#define TD_CMP_GREATER 4
#define TD_CMP_GREATER_EQUAL 5
#define TD_LOGICAL_AND 0
#define TD_LOGICAL_OR 1
#define TD_LOGICAL_NOT 2

/* Ops of td_minmax_params.op and td_arith_params.op. */
#define TD_MINMAX_MAXIMUM 0
#define TD_MINMAX_MINIMUM 1
#define TD_ARITH_ADD 0
#define TD_ARITH_SUB 1
#define TD_ARITH_MUL 2
#define TD_ARITH_DIV 3
#define TD_ARITH_SQUARED_DIFFERENCE 4

/* Words per channel record of td_depthwise_conv2d_s8_dsp3x3. */
#define TD_DW3X3_RECORD_WORDS 10

/* Optional code paths of the SIMD kernels: a compiled model comes with
 * td_features.h (tinydeploy/compile/emit.py), setting each to 0 or 1 so that a
 * build leaves out the paths its layers do not use; without the file every
 * path is built. */
#if defined(__has_include)
#if __has_include("td_features.h")
#include "td_features.h"
#endif
#endif
#ifndef TD_CONV_DSP_SLOW
#define TD_CONV_DSP_SLOW 1 /* records that are not the fast case (td_conv2d_s8_dsp.c) */
#endif
#ifndef TD_CONV_DSP_W8
#define TD_CONV_DSP_W8 1 /* int8 weights (dsp-small) */
#endif
#ifndef TD_CONV_DSP_COLUMN
#define TD_CONV_DSP_COLUMN 1 /* the general im2col column (not 1x1, not row-padded) */
#endif
#ifndef TD_CONV_DSP_BANDS
#define TD_CONV_DSP_BANDS 1 /* input channels not a multiple of 4 */
#endif
#ifndef TD_DW_DSP_SLOW
#define TD_DW_DSP_SLOW 1 /* 3x3 depthwise rows that are not the fast case */
#endif
#ifndef TD_FC_DSP_ASM
#define TD_FC_DSP_ASM 1 /* the assembly FULLY_CONNECTED loop (flash for speed) */
#endif
#ifndef TD_FC_DSP_ASM_W8
#define TD_FC_DSP_ASM_W8 1 /* the same over int8 weights (dsp-small, auto) */
#endif

/* CONV_2D (td_conv2d_s8, td_conv2d_s8_rows). */
typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t filter_h;
  int32_t filter_w;
  int32_t filter_c;  /* in_c / groups */
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;  /* padding before the first row */
  int32_t pad_w;  /* padding before the first column */
  int32_t input_offset;  /* -input zero point, in [-127, 128] */
  int32_t output_offset;  /* output zero point, in [-128, 127] */
  int32_t act_min;
  int32_t act_max;
  int32_t per_channel;  /* 1: multiplier/shift have out_c entries */
  const int8_t *filter;
  const int32_t *bias;
  const int32_t *multiplier;
  const int8_t *shift;  /* in [-31, 30]: one byte, not four */
  /* optional (may be NULL): bias[oc] + input_offset times the sum of filter oc's taps,
   * used for windows entirely inside the image, where the sum of w (x + input_offset)
   * plus bias equals the sum of w x plus folded_bias exactly
   */
  const int32_t *folded_bias;
} td_conv_params;

/* DEPTHWISE_CONV_2D (td_depthwise_conv2d_s8). */
typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t depth_multiplier;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t input_offset;
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t per_channel;
  const int8_t *filter;
  const int32_t *bias;
  const int32_t *multiplier;
  const int8_t *shift;  /* in [-31, 30]: one byte, not four */
} td_dwconv_params;

/* FULLY_CONNECTED (td_fully_connected_s8). */
typedef struct {
  int32_t batches;
  int32_t accum_depth;
  int32_t out_depth;
  int32_t input_offset;
  int32_t filter_offset;  /* -filter zero point (0 for int8 weights) */
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t per_channel;
  const int8_t *filter;
  const int32_t *bias;
  const int32_t *multiplier;
  const int8_t *shift;  /* in [-31, 30]: one byte, not four */
} td_fc_params;

/* A packed weight stream (td_unpack_weights; codecs TD_CODEC_*). */
typedef struct {
  int32_t count;  /* decoded weights */
  int32_t codec;  /* TD_CODEC_* of the value stream */
  int32_t index_bits;  /* TD_CODEC_LUT: bits per index, 1..8 */
  const int8_t *data;  /* the value stream (bytes) */
  const int8_t *table;  /* TD_CODEC_LUT: the shared values, else NULL */
  const int8_t *mask;  /* non-zero bitmap, or NULL for dense */
} td_packed_weights;

/* CONV_2D with packed weights: the int8 params with filter == NULL. */
typedef struct {
  td_conv_params conv;
  td_packed_weights weights;
} td_conv_packed_params;

/* DEPTHWISE_CONV_2D with packed weights. */
typedef struct {
  td_dwconv_params dw;
  td_packed_weights weights;
} td_dwconv_packed_params;

/* FULLY_CONNECTED with packed weights. */
typedef struct {
  td_fc_params fc;
  td_packed_weights weights;
} td_fc_packed_params;

/* CONV_2D and FULLY_CONNECTED with SIMD (td_conv2d_s8_dsp, td_fully_connected_s8_dsp).
 * filter: one record of depth + 8 words per pair of output channels (c, c+1), out_c
 * padded to even with zeros: the two pre-scaled biases; per input quad q the words
 * c:(w0,w2) c:(w1,w3) c+1:(w0,w2) c+1:(w1,w3); then m, e, h of c and of c+1 (s of
 * td_dsp.h is -1 when e > 0, else 0). w8: depth / 2 + 8 words: the biases unscaled, per
 * quad two words of int8 weights in input order (c: x0..x3, c+1: x0..x3), then m e h as
 * above; the kernel doubles the accumulators unless wide (tinydeploy/compile/dsp.py).
 */
typedef struct {
  int32_t batches;  /* always 1 */
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t input_offset;
  int32_t depth;  /* filter_h * filter_w * in_c rounded up to a multiple of 4 */
  int32_t act_min;
  int32_t act_max;
  /* 1: accumulator scaled by 2^left only, 64-bit rounding multiply, output_offset added
   * after the shift
   */
  int32_t wide;
  int32_t output_offset;  /* used when wide */
  int32_t pos;  /* 1: every channel has e >= 1 (five-instruction requant) */
  int32_t w8;  /* 1: int8 weights (kernels double the accumulator) */
  /* > 0 (in_c not a multiple of 4, no dilation): each filter row's filter_w * in_c
   * weights padded with zeros to row_quads quads; depth = filter_h * 4 * row_quads
   */
  int32_t row_quads;
  const int32_t *filter;  /* the records (above) */
} td_conv_dsp_params;

/* DEPTHWISE_CONV_2D with SIMD (td_depthwise_conv2d_s8_dsp, _dsp3x3). */
typedef struct {
  int32_t in_h;
  int32_t in_w;
  int32_t channels;
  int32_t out_h;
  int32_t out_w;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t input_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t wide;  /* as in td_conv_dsp_params */
  int32_t output_offset;
  int32_t plane_w;  /* int16 columns of a plane row (even) */
  int32_t pairs;  /* words of weights per filter row */
  int32_t fast3;  /* 1: 3x3 stride 1, rows stored as (w0,w1) (w1,w2) */
  /* 1: stride 1, two outputs a step; a row is pairs + pairs - 1 words (td_dw_dual) */
  int32_t dual;
  int32_t vert;  /* 1: 3x3 stride 1 over vertical pairs (td_depthwise_conv2d_s8_dsp3x3) */
  int32_t pos;  /* 1: every channel has e >= 1 (five-instruction requant) */
  /* [channels][filter_h][pairs] int16 pairs ([2 * pairs - 1] if dual); vert:
   * DW3X3_RECORD_WORDS records
   */
  const int32_t *filter;
  const int32_t *bias;  /* [channels], pre-scaled */
  const int32_t *requant;  /* [channels][4] */
} td_dwconv_dsp_params;

/* AVERAGE_POOL_2D / MAX_POOL_2D. */
typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t channels;
  int32_t out_h;
  int32_t out_w;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t act_min;
  int32_t act_max;
} td_pool_params;

/* SOFTMAX (int8 -> int8, output scale 1/256, zero point -128). */
typedef struct {
  int32_t outer;
  int32_t depth;
  int32_t input_multiplier;  /* beta * input_scale * 2^26, quantized */
  int32_t input_left_shift;
  int32_t diff_min;  /* differences below this give exp() == 0 */
} td_softmax_params;

/* Element-wise shapes: dims == 0 for same-shape inputs of size elements. */
typedef struct {
  int32_t size;
  int32_t dims;
  int32_t shape[TD_KMAX_DIMS];  /* the output shape, outermost first */
  /* input 1's element stride per output dimension, 0 where it broadcasts */
  int32_t stride1[TD_KMAX_DIMS];
  int32_t stride2[TD_KMAX_DIMS];  /* the same for input 2 */
} td_broadcast;

/* ADD: both inputs rescaled to a common scale with 20 bits of headroom. */
typedef struct {
  td_broadcast bc;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t left_shift;  /* 20 for int8, 15 for int16 (td_add_s16) */
  int32_t input1_multiplier;
  int32_t input1_shift;  /* <= 0 */
  int32_t input2_multiplier;
  int32_t input2_shift;  /* <= 0 */
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
} td_add_params;

/* ADD of same-shape inputs with per-input lookup tables (td_add_s8_dsp). */
typedef struct {
  td_broadcast bc;
  int32_t output_multiplier;
  int32_t e;
  int32_t h;
  int32_t neg;
  int32_t act_min;
  int32_t act_max;
  const int32_t *table1;
  const int32_t *table2;
} td_add_dsp_params;

/* MUL: (in1 + off1) * (in2 + off2) requantized with one multiplier. */
typedef struct {
  td_broadcast bc;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
} td_mul_params;

/* CONCATENATION (int8: inputs share the output's scale and zero point; int16: zero
 * points of 0, scales as they are) and PACK, of any type: bytes copied as they are.
 */
typedef struct {
  int32_t outer;  /* product of the dimensions before the axis */
  int32_t num_inputs;
  /* per input: its axis size times the product of the dimensions after the axis */
  const int32_t *copy_bytes;
} td_concat_params;

/* PAD / PADV2 of int8 and int16 tensors (4-D, constant value; the output may start
 * before the input in one buffer: each element is read before a later one is written).
 */
typedef struct {
  int32_t in_shape[4];
  int32_t before[4];
  int32_t out_shape[4];
  int32_t pad_value;  /* the value written in the padding */
  int32_t itemsize;  /* bytes of an element: 1 (int8) or 2 (int16) */
} td_pad_params;

/* MEAN over some axes (4-D). */
typedef struct {
  int32_t in_shape[4];  /* right shifts */
  int32_t reduced[4];  /* 1 where the dimension is reduced */
  int32_t count;  /* elements averaged per output */
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;  /* input_scale / output_scale / count */
  int32_t shift;
} td_mean_params;

/* LOGISTIC and TANH: input rescaled to Q4.27. */
typedef struct {
  int32_t size;
  int32_t input_zero_point;
  int32_t input_range_radius;  /* |q - zp| >= radius saturates */
  int32_t input_multiplier;
  int32_t input_left_shift;
} td_unary_params;

/* QUANTIZE float -> int8 / int16 and DEQUANTIZE int8 / int16 -> float. */
typedef struct {
  int32_t size;
  float scale;
  int32_t zero_point;
  int32_t itemsize;  /* bytes of an integer value: 1 (int8) or 2 (int16) */
} td_affine_params;

/* QUANTIZE between int8, int16 and int32 (td_requantize), ABS of int8 or int16
 * (td_abs), RSQRT (td_rsqrt_s8, itemsizes 1).
 */
typedef struct {
  int32_t size;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
  int32_t in_itemsize;  /* bytes of an input value: 1 (int8), 2 (int16) or 4 (int32) */
  int32_t out_itemsize;  /* bytes of an output value */
} td_requantize_params;

/* RELU (and RELU6, whose int8 kernel in TFLite Micro only clamps): the input
 * requantized to the output scale, then clamped.
 */
typedef struct {
  int32_t size;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;  /* input_scale / output_scale (2^30 with shift 1: identity) */
  int32_t shift;
  int32_t act_min;
  int32_t act_max;
} td_relu_params;

/* LEAKY_RELU: x >= 0 scaled by input/output scale, x < 0 by alpha times it. */
typedef struct {
  int32_t size;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier_identity;
  int32_t shift_identity;
  int32_t multiplier_alpha;  /* negative for a negative alpha */
  int32_t shift_alpha;
} td_leaky_relu_params;

/* HARD_SWISH: TFLite's 16-bit fixed-point x * relu6(x + 3) / 6. */
typedef struct {
  int32_t size;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t output_multiplier;  /* int16 Q0.15: input_scale / 128 / output_scale */
  int32_t output_exponent;  /* <= 0 */
  int32_t reluish_multiplier;  /* int16 Q0.15: input_scale / 128 / (3 / 32768) */
  int32_t reluish_exponent;
} td_hard_swish_params;

/* SQUARED_DIFFERENCE of int8 or int16: both inputs rescaled with 7 (int8) or 0 bits of
 * headroom, the difference squared and requantized.
 */
typedef struct {
  td_broadcast bc;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t left_shift;  /* 7 for int8, 0 for int16 */
  int32_t input1_multiplier;
  int32_t input1_shift;  /* <= 0 */
  int32_t input2_multiplier;
  int32_t input2_shift;  /* <= 0 */
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t output_offset;
  int32_t itemsize;  /* bytes of a value: 1 (int8) or 2 (int16) */
} td_squared_diff_params;

/* MAXIMUM / MINIMUM of the raw int8, int16 or int32 values, as TFLite Micro does (one
 * kernel for the three element sizes).
 */
typedef struct {
  td_broadcast bc;
  int32_t op;  /* TD_MINMAX_* */
  int32_t itemsize;  /* bytes of a value: 1 (int8), 2 (int16) or 4 (int32) */
} td_minmax_params;

/* ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE of int32 tensors (TFLite Micro's unquantized
 * int32 arithmetic), with broadcasting: sums, differences and products wrap modulo
 * 2^32, DIV truncates toward zero, then the activation clamp.
 */
typedef struct {
  td_broadcast bc;
  int32_t op;  /* TD_ARITH_* */
  int32_t act_min;
  int32_t act_max;
} td_arith_params;

/* PRELU of int8 or int16 x: x >= 0 requantized, x < 0 times the constant int8 alpha
 * (broadcast over x).
 */
typedef struct {
  td_broadcast bc;  /* input 1 is x, input 2 is alpha */
  int32_t input_offset;
  int32_t alpha_offset;
  int32_t output_offset;
  int32_t multiplier_1;  /* input_scale / output_scale */
  int32_t shift_1;
  int32_t multiplier_2;  /* input_scale * alpha_scale / output_scale */
  int32_t shift_2;
  const int8_t *alpha;
  int32_t itemsize;  /* bytes of an x (and output) value: 1 (int8) or 2 (int16) */
} td_prelu_params;

/* Data movement where each output element copies one input element whose offset is a
 * sum of one term per output dimension: TRANSPOSE, SLICE, STRIDED_SLICE, GATHER
 * (constant indices), SPACE_TO_DEPTH, DEPTH_TO_SPACE, MIRROR_PAD,
 * RESIZE_NEAREST_NEIGHBOR, REVERSE_V2, BROADCAST_TO, GATHER_ND, BATCH_TO_SPACE_ND,
 * SPACE_TO_BATCH_ND (no padding), of any tensor type (elements of itemsize bytes,
 * copied as they are); PAD / PADV2 of int32 and float32 (a padded position's table term
 * is far below 0, so its sum is negative and the element is pad_value).
 */
typedef struct {
  int32_t size;  /* output elements */
  int32_t dims;
  int32_t shape[TD_KMAX_DIMS];  /* the output shape, outermost first */
  /* per output dimension d, shape[d] input offsets (elements), the dimensions' tables
   * one after another
   */
  const int32_t *map;
  int32_t itemsize;  /* bytes of an element: 1 (int8, bool), 2 (int16) or 4 (int32, float32) */
  int32_t pad_value;  /* written where the offsets sum below 0 (PAD): an element's raw bits */
} td_remap_params;

/* SPLIT / SPLIT_V / UNPACK of any tensor type: the inverse of CONCATENATION. */
typedef struct {
  int32_t outer;  /* product of the dimensions before the axis */
  int32_t num_outputs;
  /* per output: its axis size times the product of the dimensions after the axis, times
   * the element size
   */
  const int32_t *copy_bytes;
} td_split_params;

/* RESIZE_BILINEAR (NHWC): per output row and column the two source indices and the
 * fraction in 1/1024 steps (TFLite's ComputeInterpolationValuesInteger).
 */
typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t channels;
  int32_t out_h;
  int32_t out_w;
  const int32_t *rows;  /* out_h records {y0, y1, input_y - 1024 * y0} */
  const int32_t *cols;  /* out_w records {x0, x1, input_x - 1024 * x0} */
} td_resize_bilinear_params;

/* BATCH_MATMUL: rows x depth times depth x cols per batch, one requantization. */
typedef struct {
  int32_t batches;
  int32_t rows;
  int32_t cols;
  int32_t depth;
  int32_t lhs_batch_stride;  /* elements, 0 to broadcast */
  int32_t rhs_batch_stride;  /* elements, 0 to broadcast */
  int32_t adj_x;  /* 1: lhs is stored depth x rows */
  int32_t adj_y;  /* 1: rhs is stored cols x depth */
  int32_t lhs_offset;
  int32_t rhs_offset;
  int32_t output_offset;
  int32_t multiplier;
  int32_t shift;
} td_batch_matmul_params;

/* DIV: a / b through the reciprocal of b, requantized with in1 / (in2 * out). */
typedef struct {
  td_broadcast bc;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min;
  int32_t act_max;
} td_div_params;

/* L2_NORMALIZATION over the last dimension (output scale 1/128, zero point 0). */
typedef struct {
  int32_t outer;
  int32_t depth;
  int32_t input_zero_point;
} td_l2norm_params;

/* LOG_SOFTMAX over the last dimension (output scale 16/256, zero point 127). */
typedef struct {
  int32_t outer;
  int32_t depth;
  int32_t input_multiplier;  /* input_scale * 2^26, quantized (as SOFTMAX) */
  int32_t input_left_shift;
  int32_t reverse_scaling_divisor;  /* the inverse of the input scaling */
  int32_t reverse_scaling_shift;  /* <= 0 */
  int32_t diff_min;  /* differences below this give exp() == 0 */
} td_log_softmax_params;

/* An int8 -> int8 lookup table (ELU): TFLite Micro's Prepare-time table. */
typedef struct {
  int32_t size;
  const int8_t *table;  /* 256 entries, indexed by (uint8_t) input */
} td_lut_params;

/* ADD_N: inputs sharing one scale, rescaled with 20 bits of headroom and summed. */
typedef struct {
  int32_t size;
  int32_t num_inputs;
  int32_t input_offset;
  int32_t left_shift;  /* 20 */
  int32_t input_multiplier;
  int32_t input_shift;  /* <= 0 */
  int32_t output_multiplier;
  int32_t output_shift;  /* <= 0 */
  int32_t output_offset;
} td_add_n_params;

/* ARG_MAX / ARG_MIN: the input viewed as [outer][axis_size][inner], the output
 * [outer][inner] int32 indices along the axis (the first one on ties).
 */
typedef struct {
  int32_t outer;  /* product of the dimensions before the axis */
  int32_t axis_size;  /* >= 1 */
  int32_t inner;  /* product of the dimensions after the axis */
} td_arg_min_max_params;

/* EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL of int8 tensors, with
 * broadcasting: both inputs (plus the offset) shifted left by left_shift (8) and scaled
 * by their own scale (a multiplier < 1), the scaled values compared; bool output.
 */
typedef struct {
  td_broadcast bc;
  int32_t cmp;  /* TD_CMP_*: the comparison */
  int32_t left_shift;  /* 8 */
  int32_t input1_offset;
  int32_t input1_multiplier;
  int32_t input1_shift;  /* <= 0 */
  int32_t input2_offset;
  int32_t input2_multiplier;
  int32_t input2_shift;  /* <= 0 */
} td_compare_params;

/* LOGICAL_AND / LOGICAL_OR of bool tensors with broadcasting, LOGICAL_NOT (bc.dims 0).
 */
typedef struct {
  td_broadcast bc;
  int32_t op;  /* TD_LOGICAL_* */
} td_logical_params;

/* SELECT_V2: condition ? x : y element by element, the three inputs broadcast to the
 * output shape; the raw values (int8, int16 or float32) are copied (TFLite Micro does
 * not requantize).
 */
typedef struct {
  int32_t size;  /* output elements */
  int32_t dims;  /* 0: all three inputs have the output's shape */
  int32_t shape[TD_KMAX_DIMS];  /* the output shape, outermost first */
  /* the condition's element stride per output dimension, 0 where it broadcasts */
  int32_t stride_cond[TD_KMAX_DIMS];
  int32_t stride_x[TD_KMAX_DIMS];  /* the same for x */
  int32_t stride_y[TD_KMAX_DIMS];  /* the same for y */
  int32_t itemsize;  /* bytes of a value: 1 (int8), 2 (int16) or 4 (float32) */
} td_select_params;

/* CUMSUM (int8) along one axis, the input viewed as [before][depth][after]: each input
 * (plus the offset) shifted left by left_shift (20) and halved (the common scale is
 * twice the input scale), summed from the scaled offset (TFLite Micro seeds the sum
 * with it), each partial sum requantized to the output.
 */
typedef struct {
  int32_t before;  /* product of the dimensions before the axis */
  int32_t depth;  /* the axis */
  int32_t after;  /* product of the dimensions after the axis */
  int32_t exclusive;  /* 1: element i sums the elements before i only */
  int32_t reverse;  /* 1: sum from the end of the axis */
  int32_t left_shift;  /* 20 */
  int32_t input_offset;
  int32_t input_multiplier;
  int32_t input_shift;  /* <= 0 */
  int32_t output_multiplier;
  int32_t output_shift;  /* <= 0 */
  int32_t output_offset;
} td_cumsum_params;

/* CAST: size elements converted as C converts them (TFLite's static_cast); a narrowing
 * cast keeps the low byte(s). in_dtype: td_model.h's TD_INT8, TD_INT16, TD_INT32,
 * TD_BOOL; out_dtype: TD_INT8, TD_INT16, TD_INT32, TD_FLOAT32.
 */
typedef struct {
  int32_t size;
  int32_t in_dtype;  /* td_dtype of the input */
  int32_t out_dtype;  /* td_dtype of the output (not TD_BOOL: TFLite Micro has none) */
} td_cast_params;

/* EMBEDDING_LOOKUP: output row i copies row ids[i] of a constant int8 table of rows x
 * row_size values; an id outside [0, rows) fails the inference (TD_ERR_INVOKE), as
 * TFLite Micro's Eval does.
 */
typedef struct {
  int32_t count;  /* ids looked up */
  int32_t rows;
  int32_t row_size;  /* values per row */
  const int8_t *table;  /* rows x row_size values (flash) */
} td_embedding_lookup_params;

/* FILL, and the outputs known at compile time (ZEROS_LIKE, SHAPE, BROADCAST_ARGS of
 * constant shapes): size elements of itemsize bytes, element i a copy of value element
 * i % period. Raw values: TFLite Micro copies the stored value, never requantizes.
 */
typedef struct {
  int32_t size;  /* output elements */
  int32_t itemsize;  /* 1 (int8, bool), 2 (int16) or 4 (int32, float32) */
  int32_t period;  /* value elements, >= 1 */
} td_fill_params;

/* BROADCAST_ARGS of int32 shape vectors, aligned at their ends (a missing dimension
 * counts as 1); unequal dimensions neither of which is 1 fail the inference
 * (TD_ERR_INVOKE) where TFLite Micro aborts.
 */
typedef struct {
  int32_t size1;  /* elements of shape 1 */
  int32_t size2;  /* elements of shape 2 */
  int32_t size;  /* output elements */
} td_broadcast_args_params;

/* DYNAMIC_UPDATE_SLICE: the output is the operand with the update written at the start
 * indices (int32, each clamped to [0, shape - update_shape] as TFLite Micro does); raw
 * values of itemsize bytes.
 */
typedef struct {
  int32_t dims;  /* 1 .. TD_KMAX_DIMS */
  int32_t itemsize;  /* 1 (int8), 2 (int16) or 4 (int32, float32) */
  int32_t shape[TD_KMAX_DIMS];  /* the operand's (and output's) shape */
  int32_t update_shape[TD_KMAX_DIMS];  /* the update's shape, each <= shape */
} td_dynamic_update_slice_params;

/* SVDF (td_svdf_s8), TFLite Micro's int8 reference: int8 input, feature weights and
 * output, an int32 bias, time weights and the activation state both int8 or both int16
 * (state_itemsize). The state, [batches, num_filters x memory_size], is a variable
 * tensor: it lives across inferences and each one shifts it left by one element, writes
 * the newest feature column and reads it back through the time weights.
 */
typedef struct {
  int32_t batches;
  int32_t input_size;
  int32_t num_filters;  /* num_units x rank */
  int32_t num_units;
  int32_t rank;
  int32_t memory_size;
  int32_t state_itemsize;  /* 1 (int8 state and time weights) or 2 (int16) */
  int32_t input_offset;  /* -input zero point */
  int32_t state_zero_point;
  int32_t output_offset;  /* output zero point */
  int32_t multiplier_1;  /* input x feature weights -> state (TFLite's effective_scale_1) */
  int32_t shift_1;
  int32_t multiplier_2;  /* state x time weights -> output (effective_scale_2) */
  int32_t shift_2;
  const int8_t *weights_feature;  /* [num_filters, input_size] */
  const void *weights_time;  /* [num_filters, memory_size], int8 or int16 as the state */
  const int32_t *bias;  /* [num_units] */
} td_svdf_params;

/* UNIDIRECTIONAL_SEQUENCE_LSTM (td_lstm_s8), TFLite Micro's integer reference: int8
 * input, output and hidden state, int8 weights (zero point 0), int32 biases, an int16
 * cell state (zero point 0); no peephole, projection or layer norm. Each gate is an
 * int16 in Q3.12 (input FC with bias plus recurrent FC, saturating) through a sigmoid
 * (tanh for the cell gate, the op's fused activation, TANH) into Q0.15. The hidden and
 * cell states are variable tensors [batches, units].
 */
typedef struct {
  int32_t batches;
  int32_t time_steps;
  int32_t input_size;
  int32_t units;  /* the state dimension */
  /* 1: input [time, batches, input_size]; 0: [batches, time, input_size] */
  int32_t time_major;
  int32_t input_offset;  /* -input zero point */
  int32_t hidden_offset;  /* -hidden state zero point */
  int32_t hidden_zero_point;
  int32_t input_multiplier[4];  /* input FC -> Q3.12, per gate (input, forget, cell, output) */
  int32_t input_shift[4];  /* TFLite's shifts (positive: left) */
  int32_t recurrent_multiplier[4];  /* recurrent FC -> Q3.12, per gate */
  int32_t recurrent_shift[4];  /* TFLite's shifts (positive: left) */
  int32_t forget_multiplier;  /* forget gate x cell state -> cell state */
  int32_t forget_shift;
  int32_t input_gate_multiplier;  /* input gate x cell gate -> cell state */
  int32_t input_gate_shift;
  int32_t output_multiplier;  /* tanh(cell) x output gate -> hidden state */
  int32_t output_shift;
  int32_t cell_clip;  /* quantized cell clip; 0: none */
  /* tanh of the cell state: TFLite's int16 Tanh input multiplier */
  int32_t cell_tanh_multiplier;
  int32_t cell_tanh_shift;  /* and its input right shift */
  const int8_t *input_weights;  /* [4 gates (input, forget, cell, output), units, input_size] */
  const int8_t *recurrent_weights;  /* [4 gates, units, units] */
  const int32_t *bias;  /* [4 gates, units] */
} td_lstm_params;

/* CONV_2D and FULLY_CONNECTED (as a 1x1 convolution over a 1 x batches image) without
 * SIMD (td_conv2d_s8_mac). layout 0 (v7m): pairs holds [ceil(out_c/8)][depth][4] words
 * w_c + w_(c+1) * 2^23 for the channel pairs of a block of eight; layout 1 (v6m): bytes
 * holds [ceil(out_c/8)][depth][8] weights + 128 as unsigned bytes. requant: per channel
 * {bias folded with the input offset, m, left, e, h, neg}.
 */
typedef struct {
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t pad_value;  /* the input zero point: what a padded tap reads */
  int32_t depth;  /* filter_h * filter_w * in_c */
  int32_t chunk;  /* layout 0: inputs per paired accumulation (mac.pair_chunk), depth mostly */
  int32_t direct;  /* 1: 1x1 without padding, a pixel's column is its input row */
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t layout;  /* 0: pair words (v7m), 1: biased bytes (v6m) */
  const int32_t *pairs;  /* layout 0 weights, else NULL */
  const int8_t *bytes;  /* layout 1 weights, else NULL */
  const int32_t *requant;  /* [out_c][6] */
  int32_t full;  /* 1: act_min, act_max are -128, 127 (a saturation, no clamp) */
  /* 1: the records are {2 * bias, m, 0, e, 2^(e-1) + zp * 2^e, -1} (one SMLAL and a
   * shift, mac.py), else {bias, m, left, e, h, neg}
   */
  int32_t fast;
} td_conv_mac_params;

/* DEPTHWISE_CONV_2D without SIMD (td_depthwise_conv2d_s8_mac), depth multiplier 1, no
 * dilation: a ring of filter_h input rows, channel-major and padded with the zero
 * point, in the scratch buffer ([slot][channel][band_w]: pair words, or x + 128 as
 * unsigned bytes, the bias then less 128 * sum w).
 */
typedef struct {
  int32_t in_h;
  int32_t in_w;
  int32_t channels;
  int32_t out_h;
  int32_t out_w;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t pad_value;  /* the input zero point */
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t band_w;  /* columns of a ring row: pad_w + in_w at least */
  const int32_t *words;  /* [channels][filter_h * filter_w] int32 weights */
  const int32_t *requant;  /* [channels][6] as in td_conv_mac_params */
  int32_t full;  /* as in td_conv_mac_params */
  int32_t fast;  /* as in td_conv_mac_params */
  /* 1 (v7m, 3x3): the ring holds int32 words x[y][i] + x[y + stride_h][i] * 2^23, two
   * vertically adjacent outputs per SMLAL
   */
  int32_t pairs;
} td_dwconv_mac_params;

/* CONV_2D (grouped too), DEPTHWISE_CONV_2D and TRANSPOSE_CONV of 16x8 models
 * (td_conv2d_s16, td_depthwise_conv2d_s16, td_transpose_conv2d_s16): int16 activations
 * with zero point 0, int8 weights, int64 bias, a 64-bit accumulator requantized by
 * td_mbqm64.
 */
typedef struct {
  int32_t batches;
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t filter_h;
  int32_t filter_w;
  int32_t filter_c;  /* CONV_2D: in_c / groups; DEPTHWISE_CONV_2D: 1 */
  int32_t depth_multiplier;  /* DEPTHWISE_CONV_2D: out_c / in_c; CONV_2D: 1 */
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;  /* padding before the first row */
  int32_t pad_w;  /* padding before the first column */
  int32_t act_min;  /* in [-32768, 32767] */
  int32_t act_max;
  const int8_t *filter;  /* CONV_2D: [out_c][h][w][filter_c]; DEPTHWISE: [h][w][out_c] */
  const int64_t *bias;  /* optional (may be NULL) */
  const int32_t *multiplier;  /* out_c entries (per-tensor weights repeat one) */
  const int8_t *shift;  /* in [-31, 7] */
} td_conv_s16_params;

/* FULLY_CONNECTED of 16x8 models (td_fully_connected_s16). */
typedef struct {
  int32_t batches;
  int32_t accum_depth;
  int32_t out_depth;
  int32_t act_min;  /* in [-32768, 32767] */
  int32_t act_max;
  int32_t per_channel;  /* 1: multiplier/shift have out_depth entries */
  const int8_t *filter;  /* [out_depth][accum_depth] */
  const int64_t *bias;  /* optional (may be NULL) */
  const int32_t *multiplier;
  const int8_t *shift;  /* in [-31, 7] */
} td_fc_s16_params;

/* SOFTMAX of 16x8 models (td_softmax_s16): int16 in (zero point 0), int16 out (scale
 * 1/32768, zero point 0); the exp and 1/(1+x) tables are constant, in the C file.
 */
typedef struct {
  int32_t outer;  /* rows */
  int32_t depth;  /* elements of a row (the last axis) */
  int32_t input_multiplier;  /* input_scale * beta / (10 / 65535), quantized */
  int32_t input_left_shift;  /* td_mbqm's shift of input_multiplier */
} td_softmax_s16_params;

/* LOGISTIC and TANH of 16x8 models (td_logistic_s16, td_tanh_s16): int16 in and out
 * (zero points 0, output scale 1/32768); the sigmoid table is constant
 * (td_sigmoid_s16.h).
 */
typedef struct {
  int32_t size;  /* elements */
  /* input scale * 3 * 4096 * 2^input_left_shift, < 2^15; 0: power-of-two scale */
  int32_t input_multiplier;
  int32_t input_left_shift;  /* 0..31 */
} td_sigmoid_s16_params;

/* CONV_2D and FULLY_CONNECTED (as a 1x1 convolution over a 1 x batches image) with
 * Helium (td_conv2d_s8_mve): weights holds [ceil(out_c/4)][ceil(depth/16)][4][16] bytes
 * (four channels' 16-byte vectors per step, zero-padded), requant [ceil(out_c/4)][4][4]
 * int32 {bias folded with the input offset, m, left shift, -right shift} per block.
 */
typedef struct {
  int32_t in_h;
  int32_t in_w;
  int32_t in_c;
  int32_t out_h;
  int32_t out_w;
  int32_t out_c;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t pad_value;  /* the input zero point: what a padded tap reads */
  int32_t depth;  /* filter_h * filter_w * in_c */
  int32_t direct;  /* 1: 1x1 without padding, a pixel's column is its input row */
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t left;  /* 1: some channel shifts left */
  const int8_t *weights;  /* [ceil(out_c/4)][ceil(depth/16)][4][16] */
  const int32_t *requant;  /* [ceil(out_c/4)][4][4] */
} td_conv_mve_params;

/* DEPTHWISE_CONV_2D with Helium (td_depthwise_conv2d_s8_mve), depth multiplier 1: bands
 * of band_rows output rows, each from band_in_rows input rows transposed into channel
 * planes ([channels][band_in_rows][plane_w] bytes, the zero point in the padding) in
 * scratch after the band's output-pixel offsets.
 */
typedef struct {
  int32_t in_h;
  int32_t in_w;
  int32_t channels;
  int32_t out_h;
  int32_t out_w;
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t pad_value;  /* the input zero point */
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
  int32_t plane_w;  /* bytes of a plane row: the padded input width at least */
  int32_t band_rows;  /* output rows per band */
  /* input rows of a band's planes: (band_rows - 1) * stride_h + the dilated filter
   * height
   */
  int32_t band_in_rows;
  int32_t left;  /* 1: some channel shifts left */
  const int32_t *weights;  /* [channels][filter_h * filter_w] */
  const int32_t *requant;  /* [channels][5] {folded bias, m, -right, output zero point, left} */
} td_dwconv_mve_params;

/* Records of ``head`` raw words, ``lanes`` weight lanes, ``tail`` raw words
 * (td_unpack_records).
 */
typedef struct {
  td_packed_weights weights;  /* the lanes of all records, in order */
  int32_t records;
  int32_t head;  /* raw words before each record's lanes */
  int32_t lanes;  /* weight lanes per record */
  int32_t tail;  /* raw words after them */
  int32_t lane_bits;  /* 8: four lanes a word; 16: two, each shifted left (below) */
  /* lane_bits 16: shifts per record; word j of a record's lanes takes shift[record *
   * shifts + (j / shift_group) % shifts]
   */
  int32_t shifts;
  int32_t shift_group;  /* lane_bits 16: lane words per shift */
  int32_t words;  /* words of all rebuilt records */
  const int32_t *raw;  /* head + tail words of every record, or NULL */
  const int8_t *shift;  /* lane_bits 16: the shifts, 0..7 */
} td_packed_records;

/* td_conv2d_s8_dsp / td_fully_connected_s8_dsp on rebuilt records: filter NULL. */
typedef struct {
  td_conv_dsp_params conv;
  td_packed_records records;
} td_conv_dsp_packed_params;

/* td_depthwise_conv2d_s8_dsp (filter NULL) or _dsp3x3 (filter, bias and requant NULL:
 * one record array) on rebuilt weights.
 */
typedef struct {
  td_dwconv_dsp_params dw;
  td_packed_records records;
} td_dwconv_dsp_packed_params;

#endif /* TD_PARAMS_H */
