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
 *    keeps as `static const` data (flash). Kernels only evaluate. The structs
 *    are in td_params.h, generated from the kernel registry
 *    (tinydeploy/compile/kernels.py) that the compiler fills them from.
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

#include "td_model.h"  /* td_status */
#include "td_params.h" /* the params structs, generated from tinydeploy/compile/kernels.py */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TD_ALIGNED(n) __attribute__((aligned(n)))
#else
#define TD_ALIGNED(n)
#endif

/* tinydeploy's own firmware projects define TD_WEIGHTS_SECTION: model weights then go
 * into their own .td_weights section, which their linker script places in flash and
 * the size report counts (see firmware/templates/fw_linker.ld.j2). Everywhere else
 * (an exported library in the user's build, PlatformIO projects, the host) they stay
 * in plain .rodata, which every linker script puts in flash. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__ELF__) && \
    defined(TD_WEIGHTS_SECTION) && !defined(TD_NO_WEIGHTS_SECTION)
#define TD_WEIGHTS __attribute__((section(".td_weights")))
#else
#define TD_WEIGHTS
#endif

/* ---- CONV_2D ------------------------------------------------------------
 * input  [batches][in_h][in_w][in_c]        int8
 * filter [out_c][filter_h][filter_w][filter_c]  int8, filter_c = in_c / groups
 * bias   [out_c] int32 or NULL
 * output [batches][out_h][out_w][out_c]     int8
 * multiplier/shift: out_c entries if per_channel, else one entry. */
td_status td_conv2d_s8(const td_conv_params *p, const int8_t *input, int8_t *output);

/* Output rows [row_begin, row_end) of image 0 only (batches must be 1);
 * `output` points at row row_begin. Used to recompute a tensor row by row. */
td_status td_conv2d_s8_rows(const td_conv_params *p, const int8_t *input, int8_t *output,
                            int32_t row_begin, int32_t row_end);

/* ---- DEPTHWISE_CONV_2D ---------------------------------------------------
 * input  [batches][in_h][in_w][in_c]
 * filter [1][filter_h][filter_w][out_c], out_c = in_c * depth_multiplier
 * output channel oc = ic * depth_multiplier + m. */
td_status td_depthwise_conv2d_s8(const td_dwconv_params *p, const int8_t *input, int8_t *output);

/* ---- FULLY_CONNECTED -----------------------------------------------------
 * input [batches][accum_depth], filter [out_depth][accum_depth],
 * bias [out_depth] or NULL, output [batches][out_depth]. */
td_status td_fully_connected_s8(const td_fc_params *p, const int8_t *input, int8_t *output);

/* 16x8 models (int16 activations, zero point 0; int8 weights; int64 bias): TFLite
 * Micro's reference int16 kernels, a 64-bit accumulator requantized by td_mbqm64.
 * CONV_2D (grouped when filter_c < in_c) and DEPTHWISE_CONV_2D share their params. */
td_status td_conv2d_s16(const td_conv_s16_params *p, const int16_t *input, int16_t *output);
td_status td_depthwise_conv2d_s16(const td_conv_s16_params *p, const int16_t *input,
                                  int16_t *output);
td_status td_fully_connected_s16(const td_fc_s16_params *p, const int16_t *input, int16_t *output);
/* TRANSPOSE_CONV of 16x8 models: CONV_2D 16x8's params (filter_c == in_c, no dilation). */
td_status td_transpose_conv2d_s16(const td_conv_s16_params *p, const int16_t *input,
                                  int16_t *output);
/* MAX_POOL_2D and AVERAGE_POOL_2D of 16x8 models (td_pool2d_s16.c). */
td_status td_max_pool2d_s16(const td_pool_params *p, const int16_t *input, int16_t *output);
td_status td_avg_pool2d_s16(const td_pool_params *p, const int16_t *input, int16_t *output);
/* ADD and SUB of 16x8 models: broadcasting, left_shift 15 (td_add_s16.c, td_sub_s16.c). */
td_status td_add_s16(const td_add_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output);
td_status td_sub_s16(const td_add_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output);
/* LOGISTIC and TANH of 16x8 models: TFLite's sigmoid table (td_logistic_s16.c, td_tanh_s16.c). */
td_status td_logistic_s16(const td_sigmoid_s16_params *p, const int16_t *input, int16_t *output);
td_status td_tanh_s16(const td_sigmoid_s16_params *p, const int16_t *input, int16_t *output);
/* RELU / RELU6 and LEAKY_RELU of 16x8 models (td_relu_s16.c, td_leaky_relu_s16.c). */
td_status td_relu_s16(const td_relu_params *p, const int16_t *input, int16_t *output);
td_status td_leaky_relu_s16(const td_leaky_relu_params *p, const int16_t *input, int16_t *output);
/* MEAN of 16x8 models over any axes of a 4-D int16 tensor (td_mean_s16.c). */
td_status td_mean_s16(const td_mean_params *p, const int16_t *input, int16_t *output);
/* MUL of 16x8 models: broadcasting, zero points 0 (td_mul_s16.c). */
td_status td_mul_s16(const td_mul_params *p, const int16_t *input1, const int16_t *input2,
                     int16_t *output);
/* SOFTMAX of 16x8 models: output scale 1/32768, zero point 0 (td_softmax_s16.c). */
td_status td_softmax_s16(const td_softmax_s16_params *p, const int16_t *input, int16_t *output);

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

/* Decode all `count` weights into `out`. */
td_status td_unpack_weights(const td_packed_weights *w, int8_t *out);

/* The params embed the int8 kernel's with filter == NULL (the kernel points it at
 * the decoded weights). scratch: weights.count bytes */
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

/* scratch: 5 * depth bytes (two int16 columns and one int8 column) */
td_status td_conv2d_s8_dsp(const td_conv_dsp_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch);
td_status td_conv2d_s8_dsp_rows(const td_conv_dsp_params *p, const int8_t *input, int8_t *output,
                                int32_t row_begin, int32_t row_end, int8_t *scratch);

/* FULLY_CONNECTED on the weights of td_conv2d_s8_dsp (in_c inputs, out_c outputs,
 * in_w rows); the int8 input is widened on the fly: no scratch. */
td_status td_fully_connected_s8_dsp(const td_conv_dsp_params *p, const int8_t *input,
                                    int8_t *output);

/* DEPTHWISE_CONV_2D, depth multiplier 1, no dilation: channel planes of kh input
 * rows widened to int16 (+ input offset, zeros in the padding), one output row at
 * a time. */

/* scratch: (filter_h * channels + 1) * plane_w * 2 bytes. vert == 0 only. */
td_status td_depthwise_conv2d_s8_dsp(const td_dwconv_dsp_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch);
/* The 3x3 stride-1 case (vert == 1, pos set by the compiler): two output rows at a
 * time from input row pairs widened into words [channels][plane_w columns][2 ring
 * slots]; filter holds per-channel records {bias, (w0,w1) (w1,w2) of columns 0..2,
 * m, e, h}. scratch: 8 * channels * plane_w bytes. */
td_status td_depthwise_conv2d_s8_dsp3x3(const td_dwconv_dsp_params *p, const int8_t *input,
                                        int8_t *output, int8_t *scratch);

/* ---- SIMD kernels on packed weights ------------------------------------------
 * The records (or widened weights) a SIMD kernel reads, rebuilt from a packed
 * stream of int8 lanes plus raw words (td_packed_records), into `weights` scratch:
 * records.words * 4 bytes, then records.weights.count bytes for the decoded lanes.
 * The params embed the SIMD kernel's with the rebuilt array's pointer(s) NULL. */
td_status td_unpack_records(const td_packed_records *p, int32_t *out, int8_t *lanes);
td_status td_conv2d_s8_dsp_packed(const td_conv_dsp_packed_params *p, const int8_t *input,
                                  int8_t *output, int8_t *scratch, int8_t *weights);
td_status td_fully_connected_s8_dsp_packed(const td_conv_dsp_packed_params *p, const int8_t *input,
                                           int8_t *output, int8_t *weights);
td_status td_depthwise_conv2d_s8_dsp_packed(const td_dwconv_dsp_packed_params *p,
                                            const int8_t *input, int8_t *output, int8_t *scratch,
                                            int8_t *weights);
td_status td_depthwise_conv2d_s8_dsp3x3_packed(const td_dwconv_dsp_packed_params *p,
                                               const int8_t *input, int8_t *output, int8_t *scratch,
                                               int8_t *weights);

/* ---- AVERAGE_POOL_2D / MAX_POOL_2D ---------------------------------------
 * input [batches][in_h][in_w][channels] -> output [batches][out_h][out_w][channels];
 * the window is clipped to the image (padding is never averaged in).
 * Input and output share scale and zero point. */
td_status td_avg_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output);
td_status td_max_pool2d_s8(const td_pool_params *p, const int8_t *input, int8_t *output);
/* AVERAGE_POOL_2D over the whole image (filter = input size, no padding, 1 x 1
 * output), batch 1, channels a multiple of 4, at most 255 pixels: SIMD sums. */
td_status td_avg_pool2d_s8_dsp(const td_pool_params *p, const int8_t *input, int8_t *output);
/* MAX_POOL_2D with channels a multiple of 4: SIMD per-byte max. */
td_status td_max_pool2d_s8_dsp(const td_pool_params *p, const int8_t *input, int8_t *output);

/* ---- SOFTMAX (int8 -> int8, output scale 1/256, zero point -128) ----------
 * Rows of `depth` elements; gemmlowp fixed-point exp and reciprocal. */
td_status td_softmax_s8(const td_softmax_params *p, const int8_t *input, int8_t *output);

/* ---- element-wise binary ops with broadcasting ----------------------------
 * dims == 0: both inputs hold `size` elements like the output.
 * dims > 0: the output has shape[0..dims-1] (outermost first); stride1/stride2
 * give each input's element stride per output dimension, 0 where it broadcasts. */

/* ADD: both inputs rescaled to a common scale with 20 bits of headroom. */
td_status td_add_s8(const td_add_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* ADD of same-shape inputs with per-input lookup tables (tinydeploy/compile/dsp.py):
 * table1/table2 hold, for int8 x = -128..127 at index x + 128, twice the input's
 * rescaled value; the output is ssat8((SMMULR(t1 + t2, m) + h + (sum < 0 ? neg : 0))
 * >> e) clamped to the activation range, h = 2^(e-1) + output zero point * 2^e,
 * neg = -1 when e > 0. bc.dims must be 0. */
td_status td_add_s8_dsp(const td_add_dsp_params *p, const int8_t *input1, const int8_t *input2,
                        int8_t *output);

/* MUL: (in1 + off1) * (in2 + off2) requantized with one multiplier. */
td_status td_mul_s8(const td_mul_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* ---- PAD (4-D, constant value) of int8 or int16 elements (p->itemsize) ------- */
td_status td_pad(const td_pad_params *p, const void *input, void *output);

/* ---- MEAN over some axes (4-D) -------------------------------------------
 * Output element (i0,i1,i2,i3) over the kept dimensions (reduced ones are 0)
 * averages input[i + r] for r over the reduced dimensions. */
td_status td_mean_s8(const td_mean_params *p, const int8_t *input, int8_t *output);
/* MEAN over height and width of [batches][h][w][channels], channels a multiple of 4:
 * SIMD sums. */
td_status td_mean_s8_dsp(const td_mean_params *p, const int8_t *input, int8_t *output);

/* ---- LOGISTIC (output scale 1/256, zp -128) and TANH (scale 1/128, zp 0) ---
 * input rescaled to Q4.27, gemmlowp fixed-point logistic / tanh. */
td_status td_logistic_s8(const td_unary_params *p, const int8_t *input, int8_t *output);
td_status td_tanh_s8(const td_unary_params *p, const int8_t *input, int8_t *output);

/* ---- QUANTIZE / DEQUANTIZE at the model's edges ----------------------------
 * float -> int8 / int16 (p->itemsize): q = clamp(round(x / scale) + zero_point), round
 * half away from zero, float arithmetic (the op's definition).
 * int8 / int16 -> float: x = scale * (q - zero_point).
 * int8, int16, int32 -> int8, int16, int32 (requantize, p->in_itemsize and p->out_itemsize
 * bytes an element): integer multiplier and shift, saturated to the output type. */
td_status td_quantize_f32(const td_affine_params *p, const float *input, void *output);
td_status td_dequantize_f32(const td_affine_params *p, const void *input, float *output);

td_status td_requantize(const td_requantize_params *p, const void *input, void *output);

/* ---- element-wise ops beyond the MLPerf Tiny set ---------------------------
 * Unary ops: `size` elements in, `size` out, each requantized as TFLite Micro's
 * int8 kernel does. Binary ops broadcast as ADD and MUL do (td_broadcast). */

/* RELU and RELU6: requantize, then clamp to [act_min, act_max]. */
td_status td_relu_s8(const td_relu_params *p, const int8_t *input, int8_t *output);

/* LEAKY_RELU: separate multipliers for x >= 0 and x < 0 (alpha may be negative). */
td_status td_leaky_relu_s8(const td_leaky_relu_params *p, const int8_t *input, int8_t *output);

/* HARD_SWISH: x * relu6(x + 3) / 6 in TFLite's 16-bit fixed point. */
td_status td_hard_swish_s8(const td_hard_swish_params *p, const int8_t *input, int8_t *output);

/* ABS of int8 or int16 (p->in_itemsize): |x - input zero point| requantized (identity
 * multiplier for equal scales), saturated. */
td_status td_abs(const td_requantize_params *p, const void *input, void *output);

/* SUB: ADD's params and arithmetic with input 2 subtracted. */
td_status td_sub_s8(const td_add_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* SQUARED_DIFFERENCE of int8 or int16 (p->itemsize): (x1 - x2)^2 with left_shift bits of
 * headroom, no activation. */
td_status td_squared_difference(const td_squared_diff_params *p, const void *input1,
                                const void *input2, void *output);

/* MAXIMUM / MINIMUM (p->op) of the raw int8, int16 or int32 values (p->itemsize bytes
 * each), as TFLite Micro. */
td_status td_minmax(const td_minmax_params *p, const void *input1, const void *input2,
                    void *output);

/* ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE (p->op) of int32 tensors: wrapping sums and
 * products, truncating division, clamped to [act_min, act_max]; TD_ERR_INVOKE for a zero
 * divisor or INT32_MIN / -1. */
td_status td_arith_i32(const td_arith_params *p, const int32_t *input1, const int32_t *input2,
                       int32_t *output);

/* PRELU of int8 or int16 x (p->itemsize): alpha is a constant int8 tensor in the params,
 * broadcast as input 2. */
td_status td_prelu(const td_prelu_params *p, const void *input, void *output);

/* ---- data movement beyond CONCATENATION and PAD ----------------------------
 * Values are copied, never requantized (input and output share scale and zero
 * point). */

/* Output element (i0, .., i{dims-1}) = input[map_0[i0] + map_1[i1] + ...]: TRANSPOSE,
 * SLICE, STRIDED_SLICE, GATHER (constant indices), SPACE_TO_DEPTH, DEPTH_TO_SPACE,
 * MIRROR_PAD, RESIZE_NEAREST_NEIGHBOR, REVERSE_V2, BROADCAST_TO, GATHER_ND,
 * BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND; elements of p->itemsize bytes (1, 2 or 4: any type).
 * PAD of int32 / float32: an offset sum below 0 writes p->pad_value. */
td_status td_remap(const td_remap_params *p, const void *input, void *output);

/* SPLIT / SPLIT_V / UNPACK (any type): per outer block, copy_bytes[k] bytes to output k. */
td_status td_split(const td_split_params *p, const void *input, void *const *outputs);

/* PACK and CONCATENATION of any type (int8 inputs share the output's quantization): per
 * outer block, copy_bytes[i] bytes of each input i in turn. */
td_status td_concat(const td_concat_params *p, const void *const *inputs, void *output);

/* RESIZE_BILINEAR (NHWC): TFLite's integer interpolation in 1/1024 steps. */
td_status td_resize_bilinear_s8(const td_resize_bilinear_params *p, const int8_t *input,
                                int8_t *output);

/* ---- TRANSPOSE_CONV (NHWC) ------------------------------------------------
 * CONV_2D's params: in_* is the op's input, out_* its output, filter
 * [out_c][filter_h][filter_w][in_c], pad_* the padding of the equivalent forward
 * convolution; folded_bias unused. No scratch memory. */
td_status td_transpose_conv2d_s8(const td_conv_params *p, const int8_t *input, int8_t *output);

/* ---- BATCH_MATMUL -----------------------------------------------------------
 * lhs [batches][rows][depth] (adj_x: [depth][rows]), rhs [batches][depth][cols]
 * (adj_y: [cols][depth]), output [batches][rows][cols]. */
td_status td_batch_matmul_s8(const td_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs,
                             int8_t *output);
/* BATCH_MATMUL of 16x8 models: zero points 0 (offsets unread), a 64-bit sum, td_mbqm64. */
td_status td_batch_matmul_s16(const td_batch_matmul_params *p, const int16_t *lhs,
                              const int16_t *rhs, int16_t *output);

/* REDUCE_MAX (4-D): MEAN's params, the largest raw value over the reduced axes. */
td_status td_reduce_max_s8(const td_mean_params *p, const int8_t *input, int8_t *output);
/* REDUCE_MIN (4-D): the smallest raw value. */
td_status td_reduce_min_s8(const td_mean_params *p, const int8_t *input, int8_t *output);

/* DIV: a / b via the reciprocal of b (TFLite's DivElementwise); TD_ERR_ARG for a zero
 * divisor, which TFLite leaves undefined. */
td_status td_div_s8(const td_div_params *p, const int8_t *input1, const int8_t *input2,
                    int8_t *output);

/* RSQRT: 1 / sqrt(x - zero point) requantized (127 at 0); TD_ERR_ARG for x below the
 * zero point, as TFLite Micro fails there. */
td_status td_rsqrt_s8(const td_requantize_params *p, const int8_t *input, int8_t *output);

/* L2_NORMALIZATION over rows of `depth` elements; the output scale is 1/128. */
td_status td_l2_normalization_s8(const td_l2norm_params *p, const int8_t *input, int8_t *output);

/* LOG_SOFTMAX over rows of `depth` elements (output scale 16/256, zero point 127):
 * gemmlowp fixed-point exp and log. */
td_status td_log_softmax_s8(const td_log_softmax_params *p, const int8_t *input, int8_t *output);

/* ELU (and any int8 -> int8 function TFLite Micro tabulates): output = table[(uint8_t)x]. */
td_status td_lut_s8(const td_lut_params *p, const int8_t *input, int8_t *output);

/* ADD_N: the sum of num_inputs tensors of `size` elements sharing one scale. */
td_status td_add_n_s8(const td_add_n_params *p, const int8_t *const *inputs, int8_t *output);

/* ---- ops on int32 and bool tensors -----------------------------------------------
 * int32 tensors hold class indices or integer values; bool tensors are TFLite's bool,
 * one byte per element holding 0 or 1 (uint8_t here). */

/* ARG_MAX / ARG_MIN: input [outer][axis_size][inner] int8, output [outer][inner] int32:
 * the index of the largest (smallest) raw value along the axis, the first on ties. */
td_status td_arg_max_s8(const td_arg_min_max_params *p, const int8_t *input, int32_t *output);
td_status td_arg_min_s8(const td_arg_min_max_params *p, const int8_t *input, int32_t *output);

/* EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (p->cmp, TD_CMP_*) of int8
 * inputs broadcast to the output (td_broadcast), each rescaled by its own scale as TFLite
 * does: output 1 where the comparison holds, else 0. */
td_status td_compare_s8(const td_compare_params *p, const int8_t *input1, const int8_t *input2,
                        uint8_t *output);
/* The same comparisons of int32 inputs (class indices, ...): the raw values, no scaling;
 * only bc and cmp are used. */
td_status td_compare_i32(const td_compare_params *p, const int32_t *input1, const int32_t *input2,
                         uint8_t *output);

/* LOGICAL_AND / LOGICAL_OR (p->op) of bool inputs broadcast to the output; any non-zero
 * input byte counts as true, the output is 0 or 1. */
td_status td_logical_b8(const td_logical_params *p, const uint8_t *input1, const uint8_t *input2,
                        uint8_t *output);
/* LOGICAL_NOT of p->bc.size bool elements. */
td_status td_logical_not_b8(const td_logical_params *p, const uint8_t *input, uint8_t *output);

/* SELECT_V2: output = cond ? x : y, values of p->itemsize bytes (int8, int16, float32), the
 * three inputs broadcast to the output. */
td_status td_select_v2(const td_select_params *p, const uint8_t *cond, const void *x, const void *y,
                       void *output);

/* CUMSUM: running sums along the axis of [before][depth][after] int8, optionally exclusive
 * and/or reversed. The output must not overlap the input. */
td_status td_cumsum_s8(const td_cumsum_params *p, const int8_t *input, int8_t *output);

/* CAST between int8, int32 and bool (input only) tensors of p->size elements; the
 * pointers are int8_t, int32_t or uint8_t arrays as p->in_dtype / p->out_dtype say. */
td_status td_cast(const td_cast_params *p, const void *input, void *output);

/* EMBEDDING_LOOKUP: ids [count] int32, output [count][row_size] int8 rows of p->table;
 * TD_ERR_INVOKE for an id outside [0, rows). */
td_status td_embedding_lookup_s8(const td_embedding_lookup_params *p, const int32_t *ids,
                                 int8_t *output);

/* FILL of p->size elements of p->itemsize bytes, element i a copy of value element
 * i % p->period: a scalar activation (FILL) or constant values the compiler computed
 * (ZEROS_LIKE, SHAPE, BROADCAST_ARGS of constant shapes). */
td_status td_fill(const td_fill_params *p, const void *value, void *output);

/* BROADCAST_ARGS: the int32 shape [size] that shape1 [size1] and shape2 [size2] broadcast
 * to; TD_ERR_INVOKE for dimensions that do not broadcast (TFLite Micro aborts). */
td_status td_broadcast_args_i32(const td_broadcast_args_params *p, const int32_t *shape1,
                                const int32_t *shape2, int32_t *output);

/* DYNAMIC_UPDATE_SLICE: the operand with the update written from the int32 start indices
 * [dims] (clamped into the operand); int8 or int32 values as p->itemsize says. */
td_status td_dynamic_update_slice(const td_dynamic_update_slice_params *p, const void *operand,
                                  const void *update, const int32_t *start, void *output);

/* REDUCE_ALL over the axes p->reduced of a 4-D bool tensor (MEAN's params). */
td_status td_reduce_all_b8(const td_mean_params *p, const uint8_t *input, uint8_t *output);

/* SVDF (int8 input, feature weights and output; int32 bias): the state [batches,
 * num_filters x memory_size] is int8 or int16 (p->state_itemsize, the time weights' type),
 * read and written in place, and persists between calls; it overlaps neither input nor
 * output. TFLite Micro's reference arithmetic (its int8 SVDF has no fused activation). */
td_status td_svdf_s8(const td_svdf_params *p, const int8_t *input, void *state, int8_t *output);

/* UNIDIRECTIONAL_SEQUENCE_LSTM (int8 input, output and hidden state; int16 cell state;
 * int8 weights, int32 biases): input [batches, time, input_size] ([time, batches,
 * input_size] when p->time_major), output [.., units]; the hidden [batches, units] and
 * cell [batches, units] states are read and written in place and persist between calls;
 * the output overlaps neither the input nor the states. TFLite Micro's reference
 * arithmetic. */
td_status td_lstm_s8(const td_lstm_params *p, const int8_t *input, int8_t *hidden, int16_t *cell,
                     int8_t *output);

/* ---- MAC kernels for cores without the DSP extension ----------------------------
 * Cortex-M3 (layout 0, SMLAL on two channels at once) and M0/M0+ (layout 1): weights,
 * folded biases and requantization records prepared by tinydeploy/compile/mac.py, the
 * helpers in td_mac.h. Portable C: they run (more slowly) on any core. */

/* scratch: depth bytes (one pixel's column), 4 when direct */
td_status td_conv2d_s8_mac(const td_conv_mac_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch);
/* scratch: filter_h * channels * band_w bytes (the ring of input rows) */
td_status td_depthwise_conv2d_s8_mac(const td_dwconv_mac_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch);

/* ---- Helium (MVE) kernels for Armv8.1-M cores (Cortex-M55) ------------------------
 * Weights, folded biases and requantization records prepared by
 * tinydeploy/compile/mve.py, the helpers in td_mve.h; a plain-C twin of the same
 * arithmetic runs them on cores without Helium (and on the host). */

/* CONV_2D, FULLY_CONNECTED. scratch (4-byte aligned): 32 * ceil(out_c / 4) bytes (two
 * pixels' int32 sums), then, unless direct, two columns of depth bytes rounded up to 16 */
td_status td_conv2d_s8_mve(const td_conv_mve_params *p, const int8_t *input, int8_t *output,
                           int8_t *scratch);
/* DEPTHWISE_CONV_2D, depth multiplier 1. scratch (4-byte aligned): 48 * ceil(band_rows *
 * out_w / 4) bytes of pixel offsets, then channels * band_in_rows * plane_w bytes */
td_status td_depthwise_conv2d_s8_mve(const td_dwconv_mve_params *p, const int8_t *input,
                                     int8_t *output, int8_t *scratch);

#ifdef __cplusplus
}
#endif

#endif /* TD_KERNELS_H */
