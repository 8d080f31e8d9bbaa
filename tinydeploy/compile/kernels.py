"""The kernel registry: one entry per C kernel of firmware/runtime, the one definition
of its params struct, its files, its optional code paths and its optimised variants.

Python and C share these definitions: firmware/runtime/td_params.h (the params
structs, the weight codec ids, the td_features.h defaults) is generated from this
module and committed; a unit test checks that the committed header is what the
registry generates. Regenerate it after editing a params class::

    python -m tinydeploy.compile.kernels --write

Each params class is a frozen dataclass whose fields are the struct's fields in C
order, each with its C type and a comment: ``int`` is an int32_t (or a float
field), ``str | None`` names a constant array (a pointer, NULL for None), a
nested params class is an embedded struct. The lowering (:mod:`.lower`,
:mod:`.dsp`) builds each step's params as a dict with exactly these fields;
:func:`check_params` holds it to that before any C is emitted.

Adding an op: a params class and a :class:`Kernel` entry here, a lowering method
in :mod:`.lower` (or :mod:`.lower_ops` / :mod:`.lower_move`, the ops beyond the MLPerf
Tiny set), the C
file in firmware/runtime and its test (tests/integration/test_aot_ops.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar

HEADER_NAME = "td_params.h"
KMAX_DIMS = 6  # maximum rank of broadcast shapes (TD_KMAX_DIMS)


def c(ctype: str, doc: str = "", dims: str | int | None = None) -> Any:
    """A struct field: its C type, a comment, and an array length (``dims``)."""
    return field(metadata={"ctype": ctype, "doc": doc, "dims": dims})


I32 = "int32_t"


# ---------------------------------------------------------------- params structs


@dataclass(frozen=True)
class ConvParams:
    """CONV_2D (td_conv2d_s8, td_conv2d_s8_rows)."""

    C_NAME: ClassVar[str] = "td_conv_params"
    batches: int = c(I32)
    in_h: int = c(I32)
    in_w: int = c(I32)
    in_c: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    out_c: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    filter_c: int = c(I32, "in_c / groups")
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32, "padding before the first row")
    pad_w: int = c(I32, "padding before the first column")
    input_offset: int = c(I32, "-input zero point, in [-127, 128]")
    output_offset: int = c(I32, "output zero point, in [-128, 127]")
    act_min: int = c(I32)
    act_max: int = c(I32)
    per_channel: int = c(I32, "1: multiplier/shift have out_c entries")
    filter: str | None = c("const int8_t *")
    bias: str | None = c("const int32_t *")
    multiplier: str | None = c("const int32_t *")
    shift: str | None = c("const int8_t *", "in [-31, 30]: one byte, not four")
    folded_bias: str | None = c(
        "const int32_t *",
        "optional (may be NULL): bias[oc] + input_offset times the sum of "
        "filter oc's taps, used for windows entirely inside the image, where the sum of "
        "w (x + input_offset) plus bias equals the sum of w x plus folded_bias exactly",
    )


@dataclass(frozen=True)
class DwconvParams:
    """DEPTHWISE_CONV_2D (td_depthwise_conv2d_s8)."""

    C_NAME: ClassVar[str] = "td_dwconv_params"
    batches: int = c(I32)
    in_h: int = c(I32)
    in_w: int = c(I32)
    in_c: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    out_c: int = c(I32)
    depth_multiplier: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    input_offset: int = c(I32)
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    per_channel: int = c(I32)
    filter: str | None = c("const int8_t *")
    bias: str | None = c("const int32_t *")
    multiplier: str | None = c("const int32_t *")
    shift: str | None = c("const int8_t *", "in [-31, 30]: one byte, not four")


@dataclass(frozen=True)
class FcParams:
    """FULLY_CONNECTED (td_fully_connected_s8)."""

    C_NAME: ClassVar[str] = "td_fc_params"
    batches: int = c(I32)
    accum_depth: int = c(I32)
    out_depth: int = c(I32)
    input_offset: int = c(I32)
    filter_offset: int = c(I32, "-filter zero point (0 for int8 weights)")
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    per_channel: int = c(I32)
    filter: str | None = c("const int8_t *")
    bias: str | None = c("const int32_t *")
    multiplier: str | None = c("const int32_t *")
    shift: str | None = c("const int8_t *", "in [-31, 30]: one byte, not four")


@dataclass(frozen=True)
class ConvS16Params:
    """CONV_2D (grouped too), DEPTHWISE_CONV_2D and TRANSPOSE_CONV of 16x8 models
    (td_conv2d_s16, td_depthwise_conv2d_s16, td_transpose_conv2d_s16): int16 activations
    with zero point 0, int8 weights, int64 bias, a 64-bit accumulator requantized by
    td_mbqm64."""

    C_NAME: ClassVar[str] = "td_conv_s16_params"
    batches: int = c(I32)
    in_h: int = c(I32)
    in_w: int = c(I32)
    in_c: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    out_c: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    filter_c: int = c(I32, "CONV_2D: in_c / groups; DEPTHWISE_CONV_2D: 1")
    depth_multiplier: int = c(I32, "DEPTHWISE_CONV_2D: out_c / in_c; CONV_2D: 1")
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32, "padding before the first row")
    pad_w: int = c(I32, "padding before the first column")
    act_min: int = c(I32, "in [-32768, 32767]")
    act_max: int = c(I32)
    filter: str | None = c("const int8_t *", "CONV_2D: [out_c][h][w][filter_c]; DEPTHWISE: [h][w][out_c]")
    bias: str | None = c("const int64_t *", "optional (may be NULL)")
    multiplier: str | None = c("const int32_t *", "out_c entries (per-tensor weights repeat one)")
    shift: str | None = c("const int8_t *", "in [-31, 7]")


@dataclass(frozen=True)
class FcS16Params:
    """FULLY_CONNECTED of 16x8 models (td_fully_connected_s16)."""

    C_NAME: ClassVar[str] = "td_fc_s16_params"
    batches: int = c(I32)
    accum_depth: int = c(I32)
    out_depth: int = c(I32)
    act_min: int = c(I32, "in [-32768, 32767]")
    act_max: int = c(I32)
    per_channel: int = c(I32, "1: multiplier/shift have out_depth entries")
    filter: str | None = c("const int8_t *", "[out_depth][accum_depth]")
    bias: str | None = c("const int64_t *", "optional (may be NULL)")
    multiplier: str | None = c("const int32_t *")
    shift: str | None = c("const int8_t *", "in [-31, 7]")


@dataclass(frozen=True)
class SoftmaxS16Params:
    """SOFTMAX of 16x8 models (td_softmax_s16): int16 in (zero point 0), int16 out
    (scale 1/32768, zero point 0); the exp and 1/(1+x) tables are constant, in the C file."""

    C_NAME: ClassVar[str] = "td_softmax_s16_params"
    outer: int = c(I32, "rows")
    depth: int = c(I32, "elements of a row (the last axis)")
    input_multiplier: int = c(I32, "input_scale * beta / (10 / 65535), quantized")
    input_left_shift: int = c(I32, "td_mbqm's shift of input_multiplier")


@dataclass(frozen=True)
class SigmoidS16Params:
    """LOGISTIC and TANH of 16x8 models (td_logistic_s16, td_tanh_s16): int16 in and out
    (zero points 0, output scale 1/32768); the sigmoid table is constant (td_sigmoid_s16.h)."""

    C_NAME: ClassVar[str] = "td_sigmoid_s16_params"
    size: int = c(I32, "elements")
    input_multiplier: int = c(I32, "input scale * 3 * 4096 * 2^input_left_shift, < 2^15; 0: power-of-two scale")
    input_left_shift: int = c(I32, "0..31")


@dataclass(frozen=True)
class PackedWeights:
    """A packed weight stream (td_unpack_weights; codecs TD_CODEC_*)."""

    C_NAME: ClassVar[str] = "td_packed_weights"
    count: int = c(I32, "decoded weights")
    codec: int = c(I32, "TD_CODEC_* of the value stream")
    index_bits: int = c(I32, "TD_CODEC_LUT: bits per index, 1..8")
    data: str | None = c("const int8_t *", "the value stream (bytes)")
    table: str | None = c("const int8_t *", "TD_CODEC_LUT: the shared values, else NULL")
    mask: str | None = c("const int8_t *", "non-zero bitmap, or NULL for dense")


@dataclass(frozen=True)
class ConvPackedParams:
    """CONV_2D with packed weights: the int8 params with filter == NULL."""

    C_NAME: ClassVar[str] = "td_conv_packed_params"
    conv: ConvParams = c("td_conv_params")
    weights: PackedWeights = c("td_packed_weights")


@dataclass(frozen=True)
class DwconvPackedParams:
    """DEPTHWISE_CONV_2D with packed weights."""

    C_NAME: ClassVar[str] = "td_dwconv_packed_params"
    dw: DwconvParams = c("td_dwconv_params")
    weights: PackedWeights = c("td_packed_weights")


@dataclass(frozen=True)
class FcPackedParams:
    """FULLY_CONNECTED with packed weights."""

    C_NAME: ClassVar[str] = "td_fc_packed_params"
    fc: FcParams = c("td_fc_params")
    weights: PackedWeights = c("td_packed_weights")


@dataclass(frozen=True)
class ConvDspParams:
    """CONV_2D and FULLY_CONNECTED with SIMD (td_conv2d_s8_dsp, td_fully_connected_s8_dsp).

    filter: one record of depth + 8 words per pair of output channels (c, c+1),
    out_c padded to even with zeros: the two pre-scaled biases; per input quad q the
    words c:(w0,w2) c:(w1,w3) c+1:(w0,w2) c+1:(w1,w3); then m, e, h of c and of c+1
    (s of td_dsp.h is -1 when e > 0, else 0). w8: depth / 2 + 8 words: the biases
    unscaled, per quad two words of int8 weights in input order (c: x0..x3, c+1:
    x0..x3), then m e h as above; the kernel doubles the accumulators unless wide
    (tinydeploy/compile/dsp.py)."""

    C_NAME: ClassVar[str] = "td_conv_dsp_params"
    batches: int = c(I32, "always 1")
    in_h: int = c(I32)
    in_w: int = c(I32)
    in_c: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    out_c: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    input_offset: int = c(I32)
    depth: int = c(I32, "filter_h * filter_w * in_c rounded up to a multiple of 4")
    act_min: int = c(I32)
    act_max: int = c(I32)
    wide: int = c(
        I32, "1: accumulator scaled by 2^left only, 64-bit rounding multiply, output_offset added after the shift"
    )
    output_offset: int = c(I32, "used when wide")
    pos: int = c(I32, "1: every channel has e >= 1 (five-instruction requant)")
    w8: int = c(I32, "1: int8 weights (kernels double the accumulator)")
    row_quads: int = c(
        I32,
        "> 0 (in_c not a multiple of 4, no dilation): each filter row's "
        "filter_w * in_c weights padded with zeros to row_quads quads; "
        "depth = filter_h * 4 * row_quads",
    )
    filter: str | None = c("const int32_t *", "the records (above)")


@dataclass(frozen=True)
class DwconvDspParams:
    """DEPTHWISE_CONV_2D with SIMD (td_depthwise_conv2d_s8_dsp, _dsp3x3)."""

    C_NAME: ClassVar[str] = "td_dwconv_dsp_params"
    in_h: int = c(I32)
    in_w: int = c(I32)
    channels: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    input_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    wide: int = c(I32, "as in td_conv_dsp_params")
    output_offset: int = c(I32)
    plane_w: int = c(I32, "int16 columns of a plane row (even)")
    pairs: int = c(I32, "words of weights per filter row")
    fast3: int = c(I32, "1: 3x3 stride 1, rows stored as (w0,w1) (w1,w2)")
    dual: int = c(I32, "1: stride 1, two outputs a step; a row is pairs + pairs - 1 words (td_dw_dual)")
    vert: int = c(I32, "1: 3x3 stride 1 over vertical pairs (td_depthwise_conv2d_s8_dsp3x3)")
    pos: int = c(I32, "1: every channel has e >= 1 (five-instruction requant)")
    filter: str | None = c(
        "const int32_t *",
        "[channels][filter_h][pairs] int16 pairs ([2 * pairs - 1] if dual); vert: DW3X3_RECORD_WORDS records",
    )
    bias: str | None = c("const int32_t *", "[channels], pre-scaled")
    requant: str | None = c("const int32_t *", "[channels][4]")


@dataclass(frozen=True)
class PoolParams:
    """AVERAGE_POOL_2D / MAX_POOL_2D."""

    C_NAME: ClassVar[str] = "td_pool_params"
    batches: int = c(I32)
    in_h: int = c(I32)
    in_w: int = c(I32)
    channels: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)


@dataclass(frozen=True)
class SoftmaxParams:
    """SOFTMAX (int8 -> int8, output scale 1/256, zero point -128)."""

    C_NAME: ClassVar[str] = "td_softmax_params"
    outer: int = c(I32)
    depth: int = c(I32)
    input_multiplier: int = c(I32, "beta * input_scale * 2^26, quantized")
    input_left_shift: int = c(I32)
    diff_min: int = c(I32, "differences below this give exp() == 0")


@dataclass(frozen=True)
class Broadcast:
    """Element-wise shapes: dims == 0 for same-shape inputs of size elements."""

    C_NAME: ClassVar[str] = "td_broadcast"
    size: int = c(I32)
    dims: int = c(I32)
    shape: list[int] = c(I32, "the output shape, outermost first", "TD_KMAX_DIMS")
    stride1: list[int] = c(I32, "input 1's element stride per output dimension, 0 where it broadcasts", "TD_KMAX_DIMS")
    stride2: list[int] = c(I32, "the same for input 2", "TD_KMAX_DIMS")


@dataclass(frozen=True)
class AddParams:
    """ADD: both inputs rescaled to a common scale with 20 bits of headroom."""

    C_NAME: ClassVar[str] = "td_add_params"
    bc: Broadcast = c("td_broadcast")
    input1_offset: int = c(I32)
    input2_offset: int = c(I32)
    left_shift: int = c(I32, "20 for int8, 15 for int16 (td_add_s16)")
    input1_multiplier: int = c(I32)
    input1_shift: int = c(I32, "<= 0")
    input2_multiplier: int = c(I32)
    input2_shift: int = c(I32, "<= 0")
    output_multiplier: int = c(I32)
    output_shift: int = c(I32)
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)


@dataclass(frozen=True)
class AddDspParams:
    """ADD of same-shape inputs with per-input lookup tables (td_add_s8_dsp)."""

    C_NAME: ClassVar[str] = "td_add_dsp_params"
    bc: Broadcast = c("td_broadcast")
    output_multiplier: int = c(I32)
    e: int = c(I32)
    h: int = c(I32)
    neg: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    table1: str | None = c("const int32_t *")
    table2: str | None = c("const int32_t *")


@dataclass(frozen=True)
class MulParams:
    """MUL: (in1 + off1) * (in2 + off2) requantized with one multiplier."""

    C_NAME: ClassVar[str] = "td_mul_params"
    bc: Broadcast = c("td_broadcast")
    input1_offset: int = c(I32)
    input2_offset: int = c(I32)
    output_multiplier: int = c(I32)
    output_shift: int = c(I32)
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)


@dataclass(frozen=True)
class ConcatParams:
    """CONCATENATION (int8: inputs share the output's scale and zero point; int16: zero
    points of 0, scales as they are) and PACK, of any type: bytes copied as they are."""

    C_NAME: ClassVar[str] = "td_concat_params"
    outer: int = c(I32, "product of the dimensions before the axis")
    num_inputs: int = c(I32)
    copy_bytes: str | None = c(
        "const int32_t *", "per input: its axis size times the product of the dimensions after the axis"
    )


@dataclass(frozen=True)
class PadParams:
    """PAD / PADV2 of int8 and int16 tensors (4-D, constant value; the output may start
    before the input in one buffer: each element is read before a later one is written)."""

    C_NAME: ClassVar[str] = "td_pad_params"
    in_shape: list[int] = c(I32, "", 4)
    before: list[int] = c(I32, "", 4)
    out_shape: list[int] = c(I32, "", 4)
    pad_value: int = c(I32, "the value written in the padding")
    itemsize: int = c(I32, "bytes of an element: 1 (int8) or 2 (int16)")


@dataclass(frozen=True)
class MeanParams:
    """MEAN over some axes (4-D)."""

    C_NAME: ClassVar[str] = "td_mean_params"
    in_shape: list[int] = c(I32, "right shifts", 4)
    reduced: list[int] = c(I32, "1 where the dimension is reduced", 4)
    count: int = c(I32, "elements averaged per output")
    input_zero_point: int = c(I32)
    output_zero_point: int = c(I32)
    multiplier: int = c(I32, "input_scale / output_scale / count")
    shift: int = c(I32)


@dataclass(frozen=True)
class UnaryParams:
    """LOGISTIC and TANH: input rescaled to Q4.27."""

    C_NAME: ClassVar[str] = "td_unary_params"
    size: int = c(I32)
    input_zero_point: int = c(I32)
    input_range_radius: int = c(I32, "|q - zp| >= radius saturates")
    input_multiplier: int = c(I32)
    input_left_shift: int = c(I32)


@dataclass(frozen=True)
class AffineParams:
    """QUANTIZE float -> int8 / int16 and DEQUANTIZE int8 / int16 -> float."""

    C_NAME: ClassVar[str] = "td_affine_params"
    size: int = c(I32)
    scale: float = c("float")
    zero_point: int = c(I32)
    itemsize: int = c(I32, "bytes of an integer value: 1 (int8) or 2 (int16)")


@dataclass(frozen=True)
class RequantizeParams:
    """QUANTIZE between int8, int16 and int32 (td_requantize), ABS of int8 or int16
    (td_abs), RSQRT (td_rsqrt_s8, itemsizes 1)."""

    C_NAME: ClassVar[str] = "td_requantize_params"
    size: int = c(I32)
    input_zero_point: int = c(I32)
    output_zero_point: int = c(I32)
    multiplier: int = c(I32)
    shift: int = c(I32)
    in_itemsize: int = c(I32, "bytes of an input value: 1 (int8), 2 (int16) or 4 (int32)")
    out_itemsize: int = c(I32, "bytes of an output value")


# ---- element-wise and shape ops beyond the MLPerf Tiny set (issue 17) ----------


@dataclass(frozen=True)
class ReluParams:
    """RELU (and RELU6, whose int8 kernel in TFLite Micro only clamps): the input
    requantized to the output scale, then clamped."""

    C_NAME: ClassVar[str] = "td_relu_params"
    size: int = c(I32)
    input_zero_point: int = c(I32)
    output_zero_point: int = c(I32)
    multiplier: int = c(I32, "input_scale / output_scale (2^30 with shift 1: identity)")
    shift: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)


@dataclass(frozen=True)
class LeakyReluParams:
    """LEAKY_RELU: x >= 0 scaled by input/output scale, x < 0 by alpha times it."""

    C_NAME: ClassVar[str] = "td_leaky_relu_params"
    size: int = c(I32)
    input_zero_point: int = c(I32)
    output_zero_point: int = c(I32)
    multiplier_identity: int = c(I32)
    shift_identity: int = c(I32)
    multiplier_alpha: int = c(I32, "negative for a negative alpha")
    shift_alpha: int = c(I32)


@dataclass(frozen=True)
class HardSwishParams:
    """HARD_SWISH: TFLite's 16-bit fixed-point x * relu6(x + 3) / 6."""

    C_NAME: ClassVar[str] = "td_hard_swish_params"
    size: int = c(I32)
    input_zero_point: int = c(I32)
    output_zero_point: int = c(I32)
    output_multiplier: int = c(I32, "int16 Q0.15: input_scale / 128 / output_scale")
    output_exponent: int = c(I32, "<= 0")
    reluish_multiplier: int = c(I32, "int16 Q0.15: input_scale / 128 / (3 / 32768)")
    reluish_exponent: int = c(I32)


@dataclass(frozen=True)
class SquaredDiffParams:
    """SQUARED_DIFFERENCE of int8 or int16: both inputs rescaled with 7 (int8) or 0 bits
    of headroom, the difference squared and requantized."""

    C_NAME: ClassVar[str] = "td_squared_diff_params"
    bc: Broadcast = c("td_broadcast")
    input1_offset: int = c(I32)
    input2_offset: int = c(I32)
    left_shift: int = c(I32, "7 for int8, 0 for int16")
    input1_multiplier: int = c(I32)
    input1_shift: int = c(I32, "<= 0")
    input2_multiplier: int = c(I32)
    input2_shift: int = c(I32, "<= 0")
    output_multiplier: int = c(I32)
    output_shift: int = c(I32)
    output_offset: int = c(I32)
    itemsize: int = c(I32, "bytes of a value: 1 (int8) or 2 (int16)")


# TD_MINMAX_* of td_minmax_params.op
MINMAX = {"MAXIMUM": 0, "MINIMUM": 1}


@dataclass(frozen=True)
class MinMaxParams:
    """MAXIMUM / MINIMUM of the raw int8, int16 or int32 values, as TFLite Micro does
    (one kernel for the three element sizes)."""

    C_NAME: ClassVar[str] = "td_minmax_params"
    bc: Broadcast = c("td_broadcast")
    op: int = c(I32, "TD_MINMAX_*")
    itemsize: int = c(I32, "bytes of a value: 1 (int8), 2 (int16) or 4 (int32)")


# TD_ARITH_* of td_arith_params.op
ARITH = {"ADD": 0, "SUB": 1, "MUL": 2, "DIV": 3, "SQUARED_DIFFERENCE": 4}


@dataclass(frozen=True)
class ArithParams:
    """ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE of int32 tensors (TFLite Micro's
    unquantized int32 arithmetic), with broadcasting: sums, differences and products
    wrap modulo 2^32, DIV truncates toward zero, then the activation clamp."""

    C_NAME: ClassVar[str] = "td_arith_params"
    bc: Broadcast = c("td_broadcast")
    op: int = c(I32, "TD_ARITH_*")
    act_min: int = c(I32)
    act_max: int = c(I32)


@dataclass(frozen=True)
class PreluParams:
    """PRELU of int8 or int16 x: x >= 0 requantized, x < 0 times the constant int8 alpha
    (broadcast over x)."""

    C_NAME: ClassVar[str] = "td_prelu_params"
    bc: Broadcast = c("td_broadcast", "input 1 is x, input 2 is alpha")
    input_offset: int = c(I32)
    alpha_offset: int = c(I32)
    output_offset: int = c(I32)
    multiplier_1: int = c(I32, "input_scale / output_scale")
    shift_1: int = c(I32)
    multiplier_2: int = c(I32, "input_scale * alpha_scale / output_scale")
    shift_2: int = c(I32)
    alpha: str | None = c("const int8_t *")
    itemsize: int = c(I32, "bytes of an x (and output) value: 1 (int8) or 2 (int16)")


@dataclass(frozen=True)
class RemapParams:
    """Data movement where each output element copies one input element whose offset is
    a sum of one term per output dimension: TRANSPOSE, SLICE, STRIDED_SLICE, GATHER
    (constant indices), SPACE_TO_DEPTH, DEPTH_TO_SPACE, MIRROR_PAD,
    RESIZE_NEAREST_NEIGHBOR, REVERSE_V2, BROADCAST_TO, GATHER_ND, BATCH_TO_SPACE_ND,
    SPACE_TO_BATCH_ND (no padding), of any tensor type (elements of itemsize bytes, copied
    as they are); PAD / PADV2 of int32 and float32 (a padded position's table term is far
    below 0, so its sum is negative and the element is pad_value)."""

    C_NAME: ClassVar[str] = "td_remap_params"
    size: int = c(I32, "output elements")
    dims: int = c(I32)
    shape: list[int] = c(I32, "the output shape, outermost first", "TD_KMAX_DIMS")
    map: str | None = c(
        "const int32_t *",
        "per output dimension d, shape[d] input offsets (elements), the dimensions' tables one after another",
    )
    itemsize: int = c(I32, "bytes of an element: 1 (int8, bool), 2 (int16) or 4 (int32, float32)")
    pad_value: int = c(I32, "written where the offsets sum below 0 (PAD): an element's raw bits")


@dataclass(frozen=True)
class SplitParams:
    """SPLIT / SPLIT_V / UNPACK of any tensor type: the inverse of CONCATENATION."""

    C_NAME: ClassVar[str] = "td_split_params"
    outer: int = c(I32, "product of the dimensions before the axis")
    num_outputs: int = c(I32)
    copy_bytes: str | None = c(
        "const int32_t *",
        "per output: its axis size times the product of the dimensions after the axis, times the element size",
    )


@dataclass(frozen=True)
class ResizeBilinearParams:
    """RESIZE_BILINEAR (NHWC): per output row and column the two source indices and the
    fraction in 1/1024 steps (TFLite's ComputeInterpolationValuesInteger)."""

    C_NAME: ClassVar[str] = "td_resize_bilinear_params"
    batches: int = c(I32)
    in_h: int = c(I32)
    in_w: int = c(I32)
    channels: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    rows: str | None = c("const int32_t *", "out_h records {y0, y1, input_y - 1024 * y0}")
    cols: str | None = c("const int32_t *", "out_w records {x0, x1, input_x - 1024 * x0}")


@dataclass(frozen=True)
class BatchMatmulParams:
    """BATCH_MATMUL: rows x depth times depth x cols per batch, one requantization."""

    C_NAME: ClassVar[str] = "td_batch_matmul_params"
    batches: int = c(I32)
    rows: int = c(I32)
    cols: int = c(I32)
    depth: int = c(I32)
    lhs_batch_stride: int = c(I32, "elements, 0 to broadcast")
    rhs_batch_stride: int = c(I32, "elements, 0 to broadcast")
    adj_x: int = c(I32, "1: lhs is stored depth x rows")
    adj_y: int = c(I32, "1: rhs is stored cols x depth")
    lhs_offset: int = c(I32)
    rhs_offset: int = c(I32)
    output_offset: int = c(I32)
    multiplier: int = c(I32)
    shift: int = c(I32)


@dataclass(frozen=True)
class DivParams:
    """DIV: a / b through the reciprocal of b, requantized with in1 / (in2 * out)."""

    C_NAME: ClassVar[str] = "td_div_params"
    bc: Broadcast = c("td_broadcast")
    input1_offset: int = c(I32)
    input2_offset: int = c(I32)
    output_offset: int = c(I32)
    output_multiplier: int = c(I32)
    output_shift: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)


@dataclass(frozen=True)
class L2normParams:
    """L2_NORMALIZATION over the last dimension (output scale 1/128, zero point 0)."""

    C_NAME: ClassVar[str] = "td_l2norm_params"
    outer: int = c(I32)
    depth: int = c(I32)
    input_zero_point: int = c(I32)


@dataclass(frozen=True)
class LogSoftmaxParams:
    """LOG_SOFTMAX over the last dimension (output scale 16/256, zero point 127)."""

    C_NAME: ClassVar[str] = "td_log_softmax_params"
    outer: int = c(I32)
    depth: int = c(I32)
    input_multiplier: int = c(I32, "input_scale * 2^26, quantized (as SOFTMAX)")
    input_left_shift: int = c(I32)
    reverse_scaling_divisor: int = c(I32, "the inverse of the input scaling")
    reverse_scaling_shift: int = c(I32, "<= 0")
    diff_min: int = c(I32, "differences below this give exp() == 0")


@dataclass(frozen=True)
class LutParams:
    """An int8 -> int8 lookup table (ELU): TFLite Micro's Prepare-time table."""

    C_NAME: ClassVar[str] = "td_lut_params"
    size: int = c(I32)
    table: str | None = c("const int8_t *", "256 entries, indexed by (uint8_t) input")


@dataclass(frozen=True)
class AddNParams:
    """ADD_N: inputs sharing one scale, rescaled with 20 bits of headroom and summed."""

    C_NAME: ClassVar[str] = "td_add_n_params"
    size: int = c(I32)
    num_inputs: int = c(I32)
    input_offset: int = c(I32)
    left_shift: int = c(I32, "20")
    input_multiplier: int = c(I32)
    input_shift: int = c(I32, "<= 0")
    output_multiplier: int = c(I32)
    output_shift: int = c(I32, "<= 0")
    output_offset: int = c(I32)


OP_PARAMS: tuple[type, ...] = (
    ReluParams,
    LeakyReluParams,
    HardSwishParams,
    SquaredDiffParams,
    MinMaxParams,
    ArithParams,
    PreluParams,
    RemapParams,
    SplitParams,
    ResizeBilinearParams,
    BatchMatmulParams,
    DivParams,
    L2normParams,
    LogSoftmaxParams,
    LutParams,
    AddNParams,
)


# ---------------------------------------------------------------- int32 and bool tensors
# Ops whose inputs or outputs are int32 (class indices) or bool (one byte, 0 or 1).


@dataclass(frozen=True)
class ArgMinMaxParams:
    """ARG_MAX / ARG_MIN: the input viewed as [outer][axis_size][inner], the output
    [outer][inner] int32 indices along the axis (the first one on ties)."""

    C_NAME: ClassVar[str] = "td_arg_min_max_params"
    outer: int = c(I32, "product of the dimensions before the axis")
    axis_size: int = c(I32, ">= 1")
    inner: int = c(I32, "product of the dimensions after the axis")


# TD_CMP_* of td_compare_params.cmp, in TFLite's builtin order of the comparisons
COMPARISONS = {"EQUAL": 0, "NOT_EQUAL": 1, "LESS": 2, "LESS_EQUAL": 3, "GREATER": 4, "GREATER_EQUAL": 5}


@dataclass(frozen=True)
class CompareParams:
    """EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL of int8 tensors, with
    broadcasting: both inputs (plus the offset) shifted left by left_shift (8) and scaled
    by their own scale (a multiplier < 1), the scaled values compared; bool output."""

    C_NAME: ClassVar[str] = "td_compare_params"
    bc: Broadcast = c("td_broadcast")
    cmp: int = c(I32, "TD_CMP_*: the comparison")
    left_shift: int = c(I32, "8")
    input1_offset: int = c(I32)
    input1_multiplier: int = c(I32)
    input1_shift: int = c(I32, "<= 0")
    input2_offset: int = c(I32)
    input2_multiplier: int = c(I32)
    input2_shift: int = c(I32, "<= 0")


# TD_LOGICAL_* of td_logical_params.op
LOGICAL = {"LOGICAL_AND": 0, "LOGICAL_OR": 1, "LOGICAL_NOT": 2}


@dataclass(frozen=True)
class LogicalParams:
    """LOGICAL_AND / LOGICAL_OR of bool tensors with broadcasting, LOGICAL_NOT (bc.dims 0)."""

    C_NAME: ClassVar[str] = "td_logical_params"
    bc: Broadcast = c("td_broadcast")
    op: int = c(I32, "TD_LOGICAL_*")


@dataclass(frozen=True)
class SelectParams:
    """SELECT_V2: condition ? x : y element by element, the three inputs broadcast to
    the output shape; the raw values (int8, int16 or float32) are copied (TFLite Micro
    does not requantize)."""

    C_NAME: ClassVar[str] = "td_select_params"
    size: int = c(I32, "output elements")
    dims: int = c(I32, "0: all three inputs have the output's shape")
    shape: list[int] = c(I32, "the output shape, outermost first", "TD_KMAX_DIMS")
    stride_cond: list[int] = c(
        I32, "the condition's element stride per output dimension, 0 where it broadcasts", "TD_KMAX_DIMS"
    )
    stride_x: list[int] = c(I32, "the same for x", "TD_KMAX_DIMS")
    stride_y: list[int] = c(I32, "the same for y", "TD_KMAX_DIMS")
    itemsize: int = c(I32, "bytes of a value: 1 (int8), 2 (int16) or 4 (float32)")


@dataclass(frozen=True)
class CumsumParams:
    """CUMSUM (int8) along one axis, the input viewed as [before][depth][after]: each
    input (plus the offset) shifted left by left_shift (20) and halved (the common scale
    is twice the input scale), summed from the scaled offset (TFLite Micro seeds the sum
    with it), each partial sum requantized to the output."""

    C_NAME: ClassVar[str] = "td_cumsum_params"
    before: int = c(I32, "product of the dimensions before the axis")
    depth: int = c(I32, "the axis")
    after: int = c(I32, "product of the dimensions after the axis")
    exclusive: int = c(I32, "1: element i sums the elements before i only")
    reverse: int = c(I32, "1: sum from the end of the axis")
    left_shift: int = c(I32, "20")
    input_offset: int = c(I32)
    input_multiplier: int = c(I32)
    input_shift: int = c(I32, "<= 0")
    output_multiplier: int = c(I32)
    output_shift: int = c(I32, "<= 0")
    output_offset: int = c(I32)


@dataclass(frozen=True)
class CastParams:
    """CAST: size elements converted as C converts them (TFLite's static_cast); a narrowing
    cast keeps the low byte(s). in_dtype: td_model.h's TD_INT8, TD_INT16, TD_INT32,
    TD_BOOL; out_dtype: TD_INT8, TD_INT16, TD_INT32, TD_FLOAT32."""

    C_NAME: ClassVar[str] = "td_cast_params"
    size: int = c(I32)
    in_dtype: int = c(I32, "td_dtype of the input")
    out_dtype: int = c(I32, "td_dtype of the output (not TD_BOOL: TFLite Micro has none)")


@dataclass(frozen=True)
class EmbeddingLookupParams:
    """EMBEDDING_LOOKUP: output row i copies row ids[i] of a constant int8 table of
    rows x row_size values; an id outside [0, rows) fails the inference (TD_ERR_INVOKE),
    as TFLite Micro's Eval does."""

    C_NAME: ClassVar[str] = "td_embedding_lookup_params"
    count: int = c(I32, "ids looked up")
    rows: int = c(I32)
    row_size: int = c(I32, "values per row")
    table: str | None = c("const int8_t *", "rows x row_size values (flash)")


@dataclass(frozen=True)
class FillParams:
    """FILL, and the outputs known at compile time (ZEROS_LIKE, SHAPE, BROADCAST_ARGS of
    constant shapes): size elements of itemsize bytes, element i a copy of value element
    i % period. Raw values: TFLite Micro copies the stored value, never requantizes."""

    C_NAME: ClassVar[str] = "td_fill_params"
    size: int = c(I32, "output elements")
    itemsize: int = c(I32, "1 (int8, bool), 2 (int16) or 4 (int32, float32)")
    period: int = c(I32, "value elements, >= 1")


@dataclass(frozen=True)
class BroadcastArgsParams:
    """BROADCAST_ARGS of int32 shape vectors, aligned at their ends (a missing dimension
    counts as 1); unequal dimensions neither of which is 1 fail the inference
    (TD_ERR_INVOKE) where TFLite Micro aborts."""

    C_NAME: ClassVar[str] = "td_broadcast_args_params"
    size1: int = c(I32, "elements of shape 1")
    size2: int = c(I32, "elements of shape 2")
    size: int = c(I32, "output elements")


@dataclass(frozen=True)
class DynamicUpdateSliceParams:
    """DYNAMIC_UPDATE_SLICE: the output is the operand with the update written at the
    start indices (int32, each clamped to [0, shape - update_shape] as TFLite Micro
    does); raw values of itemsize bytes."""

    C_NAME: ClassVar[str] = "td_dynamic_update_slice_params"
    dims: int = c(I32, "1 .. TD_KMAX_DIMS")
    itemsize: int = c(I32, "1 (int8), 2 (int16) or 4 (int32, float32)")
    shape: list[int] = c(I32, "the operand's (and output's) shape", "TD_KMAX_DIMS")
    update_shape: list[int] = c(I32, "the update's shape, each <= shape", "TD_KMAX_DIMS")


@dataclass(frozen=True)
class SvdfParams:
    """SVDF (td_svdf_s8), TFLite Micro's int8 reference: int8 input, feature weights and
    output, an int32 bias, time weights and the activation state both int8 or both int16
    (state_itemsize). The state, [batches, num_filters x memory_size], is a variable
    tensor: it lives across inferences and each one shifts it left by one element, writes
    the newest feature column and reads it back through the time weights."""

    C_NAME: ClassVar[str] = "td_svdf_params"
    batches: int = c(I32)
    input_size: int = c(I32)
    num_filters: int = c(I32, "num_units x rank")
    num_units: int = c(I32)
    rank: int = c(I32)
    memory_size: int = c(I32)
    state_itemsize: int = c(I32, "1 (int8 state and time weights) or 2 (int16)")
    input_offset: int = c(I32, "-input zero point")
    state_zero_point: int = c(I32)
    output_offset: int = c(I32, "output zero point")
    multiplier_1: int = c(I32, "input x feature weights -> state (TFLite's effective_scale_1)")
    shift_1: int = c(I32)
    multiplier_2: int = c(I32, "state x time weights -> output (effective_scale_2)")
    shift_2: int = c(I32)
    weights_feature: str | None = c("const int8_t *", "[num_filters, input_size]")
    weights_time: str | None = c("const void *", "[num_filters, memory_size], int8 or int16 as the state")
    bias: str | None = c("const int32_t *", "[num_units]")


@dataclass(frozen=True)
class LstmParams:
    """UNIDIRECTIONAL_SEQUENCE_LSTM (td_lstm_s8), TFLite Micro's integer reference: int8
    input, output and hidden state, int8 weights (zero point 0), int32 biases, an int16
    cell state (zero point 0); no peephole, projection or layer norm. Each gate is an int16
    in Q3.12 (input FC with bias plus recurrent FC, saturating) through a sigmoid (tanh
    for the cell gate, the op's fused activation, TANH) into Q0.15. The hidden and cell states are variable tensors
    [batches, units]."""

    C_NAME: ClassVar[str] = "td_lstm_params"
    batches: int = c(I32)
    time_steps: int = c(I32)
    input_size: int = c(I32)
    units: int = c(I32, "the state dimension")
    time_major: int = c(I32, "1: input [time, batches, input_size]; 0: [batches, time, input_size]")
    input_offset: int = c(I32, "-input zero point")
    hidden_offset: int = c(I32, "-hidden state zero point")
    hidden_zero_point: int = c(I32)
    input_multiplier: list[int] = c(I32, "input FC -> Q3.12, per gate (input, forget, cell, output)", 4)
    input_shift: list[int] = c(I32, "TFLite's shifts (positive: left)", 4)
    recurrent_multiplier: list[int] = c(I32, "recurrent FC -> Q3.12, per gate", 4)
    recurrent_shift: list[int] = c(I32, "TFLite's shifts (positive: left)", 4)
    forget_multiplier: int = c(I32, "forget gate x cell state -> cell state")
    forget_shift: int = c(I32)
    input_gate_multiplier: int = c(I32, "input gate x cell gate -> cell state")
    input_gate_shift: int = c(I32)
    output_multiplier: int = c(I32, "tanh(cell) x output gate -> hidden state")
    output_shift: int = c(I32)
    cell_clip: int = c(I32, "quantized cell clip; 0: none")
    cell_tanh_multiplier: int = c(I32, "tanh of the cell state: TFLite's int16 Tanh input multiplier")
    cell_tanh_shift: int = c(I32, "and its input right shift")
    input_weights: str | None = c("const int8_t *", "[4 gates (input, forget, cell, output), units, input_size]")
    recurrent_weights: str | None = c("const int8_t *", "[4 gates, units, units]")
    bias: str | None = c("const int32_t *", "[4 gates, units]")


# Ops with a variable tensor (state that persists between inferences).
STATEFUL_PARAMS: tuple[type, ...] = (SvdfParams, LstmParams)


TYPED_PARAMS: tuple[type, ...] = (
    ArgMinMaxParams,
    CompareParams,
    LogicalParams,
    SelectParams,
    CumsumParams,
    CastParams,
    EmbeddingLookupParams,
    FillParams,
    BroadcastArgsParams,
    DynamicUpdateSliceParams,
)


# In header order: a struct after the structs it embeds.
PARAMS: tuple[type, ...] = (
    (
        ConvParams,
        DwconvParams,
        FcParams,
        PackedWeights,
        ConvPackedParams,
        DwconvPackedParams,
        FcPackedParams,
        ConvDspParams,
        DwconvDspParams,
        PoolParams,
        SoftmaxParams,
        Broadcast,
        AddParams,
        AddDspParams,
        MulParams,
        ConcatParams,
        PadParams,
        MeanParams,
        UnaryParams,
        AffineParams,
        RequantizeParams,
    )
    + OP_PARAMS
    + TYPED_PARAMS
    + STATEFUL_PARAMS
)


# ---------------------------------------------------------------- MAC kernels (no SIMD)
# Cores without the DSP extension (tinydeploy/compile/mac.py, firmware/runtime/td_mac.h).


@dataclass(frozen=True)
class ConvMacParams:
    """CONV_2D and FULLY_CONNECTED (as a 1x1 convolution over a 1 x batches image)
    without SIMD (td_conv2d_s8_mac). layout 0 (v7m): pairs holds [ceil(out_c/8)][depth][4]
    words w_c + w_(c+1) * 2^23 for the channel pairs of a block of eight; layout 1 (v6m):
    bytes holds [ceil(out_c/8)][depth][8] weights + 128 as unsigned bytes. requant: per
    channel {bias folded with the input offset, m, left, e, h, neg}."""

    C_NAME: ClassVar[str] = "td_conv_mac_params"
    in_h: int = c(I32)
    in_w: int = c(I32)
    in_c: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    out_c: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    pad_value: int = c(I32, "the input zero point: what a padded tap reads")
    depth: int = c(I32, "filter_h * filter_w * in_c")
    chunk: int = c(I32, "layout 0: inputs per paired accumulation (mac.pair_chunk), depth mostly")
    direct: int = c(I32, "1: 1x1 without padding, a pixel's column is its input row")
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    layout: int = c(I32, "0: pair words (v7m), 1: biased bytes (v6m)")
    pairs: str | None = c("const int32_t *", "layout 0 weights, else NULL")
    bytes: str | None = c("const int8_t *", "layout 1 weights, else NULL")
    requant: str | None = c("const int32_t *", "[out_c][6]")
    full: int = c(I32, "1: act_min, act_max are -128, 127 (a saturation, no clamp)")
    fast: int = c(
        I32,
        "1: the records are {2 * bias, m, 0, e, 2^(e-1) + zp * 2^e, -1} (one SMLAL "
        "and a shift, mac.py), else {bias, m, left, e, h, neg}",
    )


@dataclass(frozen=True)
class DwconvMacParams:
    """DEPTHWISE_CONV_2D without SIMD (td_depthwise_conv2d_s8_mac), depth multiplier 1,
    no dilation: a ring of filter_h input rows, channel-major and padded with the zero
    point, in the scratch buffer ([slot][channel][band_w]: pair words, or x + 128 as
    unsigned bytes, the bias then less 128 * sum w)."""

    C_NAME: ClassVar[str] = "td_dwconv_mac_params"
    in_h: int = c(I32)
    in_w: int = c(I32)
    channels: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    pad_value: int = c(I32, "the input zero point")
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    band_w: int = c(I32, "columns of a ring row: pad_w + in_w at least")
    words: str | None = c("const int32_t *", "[channels][filter_h * filter_w] int32 weights")
    requant: str | None = c("const int32_t *", "[channels][6] as in td_conv_mac_params")
    full: int = c(I32, "as in td_conv_mac_params")
    fast: int = c(I32, "as in td_conv_mac_params")
    pairs: int = c(
        I32,
        "1 (v7m, 3x3): the ring holds int32 words x[y][i] + x[y + stride_h][i] * "
        "2^23, two vertically adjacent outputs per SMLAL",
    )


PARAMS += (ConvMacParams, DwconvMacParams)
PARAMS += (ConvS16Params, FcS16Params, SoftmaxS16Params, SigmoidS16Params)  # 16x8 models


# ---------------------------------------------------------------- Helium (MVE) kernels
# Cores with the M-profile vector extension (tinydeploy/compile/mve.py, td_mve.h).


@dataclass(frozen=True)
class ConvMveParams:
    """CONV_2D and FULLY_CONNECTED (as a 1x1 convolution over a 1 x batches image) with
    Helium (td_conv2d_s8_mve): weights holds [ceil(out_c/4)][ceil(depth/16)][4][16] bytes
    (four channels' 16-byte vectors per step, zero-padded), requant [ceil(out_c/4)][4][4]
    int32 {bias folded with the input offset, m, left shift, -right shift} per block."""

    C_NAME: ClassVar[str] = "td_conv_mve_params"
    in_h: int = c(I32)
    in_w: int = c(I32)
    in_c: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    out_c: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    pad_value: int = c(I32, "the input zero point: what a padded tap reads")
    depth: int = c(I32, "filter_h * filter_w * in_c")
    direct: int = c(I32, "1: 1x1 without padding, a pixel's column is its input row")
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    left: int = c(I32, "1: some channel shifts left")
    weights: str | None = c("const int8_t *", "[ceil(out_c/4)][ceil(depth/16)][4][16]")
    requant: str | None = c("const int32_t *", "[ceil(out_c/4)][4][4]")


@dataclass(frozen=True)
class DwconvMveParams:
    """DEPTHWISE_CONV_2D with Helium (td_depthwise_conv2d_s8_mve), depth multiplier 1:
    bands of band_rows output rows, each from band_in_rows input rows transposed into
    channel planes ([channels][band_in_rows][plane_w] bytes, the zero point in the
    padding) in scratch after the band's output-pixel offsets."""

    C_NAME: ClassVar[str] = "td_dwconv_mve_params"
    in_h: int = c(I32)
    in_w: int = c(I32)
    channels: int = c(I32)
    out_h: int = c(I32)
    out_w: int = c(I32)
    filter_h: int = c(I32)
    filter_w: int = c(I32)
    stride_h: int = c(I32)
    stride_w: int = c(I32)
    dilation_h: int = c(I32)
    dilation_w: int = c(I32)
    pad_h: int = c(I32)
    pad_w: int = c(I32)
    pad_value: int = c(I32, "the input zero point")
    output_offset: int = c(I32)
    act_min: int = c(I32)
    act_max: int = c(I32)
    plane_w: int = c(I32, "bytes of a plane row: the padded input width at least")
    band_rows: int = c(I32, "output rows per band")
    band_in_rows: int = c(I32, "input rows of a band's planes: (band_rows - 1) * stride_h + the dilated filter height")
    left: int = c(I32, "1: some channel shifts left")
    weights: str | None = c("const int32_t *", "[channels][filter_h * filter_w]")
    requant: str | None = c("const int32_t *", "[channels][5] {folded bias, m, -right, output zero point, left}")


PARAMS += (ConvMveParams, DwconvMveParams)


# ---------------------------------------------------------------- SIMD kernels, packed weights
# The SIMD kernels' records rebuilt from packed int8 lanes (compile/packed_simd.py).


@dataclass(frozen=True)
class PackedRecords:
    """Records of ``head`` raw words, ``lanes`` weight lanes, ``tail`` raw words
    (td_unpack_records)."""

    C_NAME: ClassVar[str] = "td_packed_records"
    weights: PackedWeights = c("td_packed_weights", "the lanes of all records, in order")
    records: int = c(I32)
    head: int = c(I32, "raw words before each record's lanes")
    lanes: int = c(I32, "weight lanes per record")
    tail: int = c(I32, "raw words after them")
    lane_bits: int = c(I32, "8: four lanes a word; 16: two, each shifted left (below)")
    shifts: int = c(
        I32,
        "lane_bits 16: shifts per record; word j of a record's lanes takes "
        "shift[record * shifts + (j / shift_group) % shifts]",
    )
    shift_group: int = c(I32, "lane_bits 16: lane words per shift")
    words: int = c(I32, "words of all rebuilt records")
    raw: str | None = c("const int32_t *", "head + tail words of every record, or NULL")
    shift: str | None = c("const int8_t *", "lane_bits 16: the shifts, 0..7")


@dataclass(frozen=True)
class ConvDspPackedParams:
    """td_conv2d_s8_dsp / td_fully_connected_s8_dsp on rebuilt records: filter NULL."""

    C_NAME: ClassVar[str] = "td_conv_dsp_packed_params"
    conv: ConvDspParams = c("td_conv_dsp_params")
    records: PackedRecords = c("td_packed_records")


@dataclass(frozen=True)
class DwconvDspPackedParams:
    """td_depthwise_conv2d_s8_dsp (filter NULL) or _dsp3x3 (filter, bias and requant
    NULL: one record array) on rebuilt weights."""

    C_NAME: ClassVar[str] = "td_dwconv_dsp_packed_params"
    dw: DwconvDspParams = c("td_dwconv_dsp_params")
    records: PackedRecords = c("td_packed_records")


PARAMS += (PackedRecords, ConvDspPackedParams, DwconvDspPackedParams)

# Weight codecs of td_packed_weights (tinydeploy/compile/lower.py encodes them).
CODECS = {"TD_CODEC_S8": 0, "TD_CODEC_S4": 1, "TD_CODEC_LUT": 2}

# Words per channel record of td_depthwise_conv2d_s8_dsp3x3: bias, (w0, w1) (w1, w2) of
# filter columns 0..2, m, e, h.
DW3X3_RECORD_WORDS = 10

# ---------------------------------------------------------------- code paths

# Optional code paths of the SIMD kernels: td_features.h (one per compiled model,
# tinydeploy/compile/emit.py) sets each to 0 or 1; without it every path is built.
PATHS = {
    "TD_CONV_DSP_SLOW": "records that are not the fast case (td_conv2d_s8_dsp.c)",
    "TD_CONV_DSP_W8": "int8 weights (dsp-small)",
    "TD_CONV_DSP_COLUMN": "the general im2col column (not 1x1, not row-padded)",
    "TD_CONV_DSP_BANDS": "input channels not a multiple of 4",
    "TD_DW_DSP_SLOW": "3x3 depthwise rows that are not the fast case",
    "TD_FC_DSP_ASM": "the assembly FULLY_CONNECTED loop (flash for speed)",
    "TD_FC_DSP_ASM_W8": "the same over int8 weights (dsp-small, auto)",
}


def fast_requant(p: dict[str, Any]) -> bool:
    """The SIMD kernels' fast case: every channel shifts right (e >= 1), no 64-bit
    multiply, the full int8 output range (no clamp)."""
    return bool(p["pos"] and not p["wide"] and p["act_min"] <= -128 and p["act_max"] >= 127)


def _conv_dsp_paths(p: dict[str, Any]) -> set[str]:
    """The code paths of td_conv2d_s8_dsp one layer takes (td_conv_dsp_missing in C)."""
    fast = fast_requant(p) and p["out_c"] % 2 == 0
    pointwise = (p["filter_h"], p["filter_w"], p["pad_h"], p["pad_w"]) == (1, 1, 0, 0) and p["in_c"] % 4 == 0
    paths = set() if fast else {"TD_CONV_DSP_SLOW"}
    if p["w8"]:
        paths.add("TD_CONV_DSP_W8")
    if p["in_c"] % 4:
        paths.add("TD_CONV_DSP_BANDS")
    if not p["row_quads"] and not pointwise:
        paths.add("TD_CONV_DSP_COLUMN")
    return paths


def _dw3x3_paths(p: dict[str, Any]) -> set[str]:
    return set() if fast_requant(p) else {"TD_DW_DSP_SLOW"}


# ---------------------------------------------------------------- kernels


@dataclass(frozen=True)
class Kernel:
    """One C kernel: ``name`` is its function, ``files`` the runtime files it needs
    (its .c first, then private headers), ``simd`` the SIMD variants :mod:`.dsp` may
    swap in, ``packed`` its packed-weights variant, ``rows`` its row-range entry point
    (rematerialisation recomputes a tensor row by row through it), ``row_wise`` whether
    it may run once per row (same-shape element-wise), ``paths`` the td_features.h paths
    a layer's params need."""

    name: str
    params: type
    files: tuple[str, ...]
    simd: tuple[str, ...] = ()
    packed: str | None = None
    rows: str | None = None
    row_wise: bool = False
    paths: Callable[[dict[str, Any]], set[str]] | None = None
    # the C call takes an array of input pointers (CONCATENATION), not one per input
    input_array: bool = False
    # the C call takes an array of output pointers (SPLIT), not one per output
    output_array: bool = False
    # the C call takes untyped pointers (void *): a kernel that copies raw bytes of any type
    raw: bool = False


_DSP = ("td_dsp.h",)
# each routine a C twin td_dsp_<r>.h and its assembly td_dsp_<r>_m4.h
_routines = lambda *names: tuple(f"td_dsp_{n}{s}.h" for n in names for s in ("", "_m4"))  # noqa: E731
_CONV_DSP_FILES = ("td_conv2d_s8_dsp.c",) + _DSP + _routines("block2x2", "record2x2_w8", "records", "widen2")
_FC_DSP_FILES = ("td_fully_connected_s8_dsp.c",) + _DSP + _routines("fc_quad")
_DW_DSP_FILES = ("td_depthwise_conv2d_s8_dsp.c",) + _DSP
_DW3X3_FILES = ("td_depthwise_conv2d_s8_dsp3x3.c",) + _DSP + _routines("dw_vert", "dw_vert22", "dw_widen4")
_UNPACK = "td_unpack_weights.c"
_UNPACK_RECORDS = ("td_unpack_records.c", _UNPACK)

KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel(
            "td_conv2d_s8",
            ConvParams,
            ("td_conv2d_s8.c",),
            simd=("td_conv2d_s8_dsp",),
            packed="td_conv2d_packed",
            rows="td_conv2d_s8_rows",
        ),
        Kernel("td_conv2d_s8_dsp", ConvDspParams, _CONV_DSP_FILES, rows="td_conv2d_s8_dsp_rows", paths=_conv_dsp_paths),
        Kernel(
            "td_depthwise_conv2d_s8",
            DwconvParams,
            ("td_depthwise_conv2d_s8.c",),
            simd=("td_depthwise_conv2d_s8_dsp", "td_depthwise_conv2d_s8_dsp3x3"),
            packed="td_depthwise_conv2d_packed",
        ),
        Kernel("td_depthwise_conv2d_s8_dsp", DwconvDspParams, _DW_DSP_FILES),
        Kernel("td_depthwise_conv2d_s8_dsp3x3", DwconvDspParams, _DW3X3_FILES, paths=_dw3x3_paths),
        Kernel(
            "td_fully_connected_s8",
            FcParams,
            ("td_fully_connected_s8.c",),
            simd=("td_fully_connected_s8_dsp",),
            packed="td_fully_connected_packed",
        ),
        Kernel("td_fully_connected_s8_dsp", ConvDspParams, _FC_DSP_FILES),
        Kernel("td_avg_pool2d_s8", PoolParams, ("td_avg_pool2d_s8.c",), simd=("td_avg_pool2d_s8_dsp",)),
        Kernel("td_avg_pool2d_s8_dsp", PoolParams, ("td_avg_pool2d_s8_dsp.c",) + _DSP),
        Kernel("td_max_pool2d_s8", PoolParams, ("td_max_pool2d_s8.c",), simd=("td_max_pool2d_s8_dsp",)),
        Kernel("td_max_pool2d_s8_dsp", PoolParams, ("td_max_pool2d_s8_dsp.c",) + _DSP),
        Kernel("td_softmax_s8", SoftmaxParams, ("td_softmax_s8.c",)),
        Kernel("td_add_s8", AddParams, ("td_add_s8.c",) + _DSP, simd=("td_add_s8_dsp",), row_wise=True),
        Kernel("td_add_s8_dsp", AddDspParams, ("td_add_s8_dsp.c",) + _DSP, row_wise=True),
        Kernel("td_mul_s8", MulParams, ("td_mul_s8.c",), row_wise=True),
        Kernel("td_pad", PadParams, ("td_pad.c",), raw=True),
        Kernel("td_mean_s8", MeanParams, ("td_mean_s8.c", "td_reduce4.h"), simd=("td_mean_s8_dsp",)),
        Kernel("td_mean_s8_dsp", MeanParams, ("td_mean_s8_dsp.c",) + _DSP),
        Kernel("td_logistic_s8", UnaryParams, ("td_logistic_s8.c",)),
        Kernel("td_tanh_s8", UnaryParams, ("td_tanh_s8.c",)),
        Kernel("td_quantize_f32", AffineParams, ("td_quantize_f32.c", "td_elem.h"), raw=True),
        Kernel("td_dequantize_f32", AffineParams, ("td_dequantize_f32.c", "td_elem.h"), raw=True),
        Kernel("td_requantize", RequantizeParams, ("td_requantize.c", "td_elem.h"), raw=True),
        # packed weights on the SIMD kernels: the records rebuilt into scratch
        Kernel(
            "td_conv2d_s8_dsp_packed",
            ConvDspPackedParams,
            ("td_conv2d_s8_dsp_packed.c",) + _UNPACK_RECORDS + _CONV_DSP_FILES,
            paths=lambda p: _conv_dsp_paths(p["conv"]),
        ),
        Kernel(
            "td_fully_connected_s8_dsp_packed",
            ConvDspPackedParams,
            ("td_fully_connected_s8_dsp_packed.c",) + _UNPACK_RECORDS + _FC_DSP_FILES,
        ),
        Kernel(
            "td_depthwise_conv2d_s8_dsp_packed",
            DwconvDspPackedParams,
            ("td_depthwise_conv2d_s8_dsp_packed.c",) + _UNPACK_RECORDS + _DW_DSP_FILES,
        ),
        Kernel(
            "td_depthwise_conv2d_s8_dsp3x3_packed",
            DwconvDspPackedParams,
            ("td_depthwise_conv2d_s8_dsp3x3_packed.c",) + _UNPACK_RECORDS + _DW3X3_FILES,
            paths=lambda p: _dw3x3_paths(p["dw"]),
        ),
        # packed weights: decode into scratch, then the int8 kernel of the same op
        Kernel("td_conv2d_packed", ConvPackedParams, ("td_conv2d_packed.c", _UNPACK, "td_conv2d_s8.c")),
        Kernel(
            "td_depthwise_conv2d_packed",
            DwconvPackedParams,
            ("td_depthwise_conv2d_packed.c", _UNPACK, "td_depthwise_conv2d_s8.c"),
        ),
        Kernel(
            "td_fully_connected_packed",
            FcPackedParams,
            ("td_fully_connected_packed.c", _UNPACK, "td_fully_connected_s8.c"),
        ),
    )
}

# 16x8 models (int16 activations, int8 weights): reference kernels under every kernel set
KERNELS.update(
    {
        k.name: k
        for k in (
            Kernel("td_conv2d_s16", ConvS16Params, ("td_conv2d_s16.c",)),
            Kernel("td_depthwise_conv2d_s16", ConvS16Params, ("td_depthwise_conv2d_s16.c",)),
            Kernel("td_fully_connected_s16", FcS16Params, ("td_fully_connected_s16.c",)),
            Kernel("td_transpose_conv2d_s16", ConvS16Params, ("td_transpose_conv2d_s16.c",)),
            Kernel("td_batch_matmul_s16", BatchMatmulParams, ("td_batch_matmul_s16.c",)),
            Kernel("td_max_pool2d_s16", PoolParams, ("td_pool2d_s16.c",)),
            Kernel("td_avg_pool2d_s16", PoolParams, ("td_pool2d_s16.c",)),
            Kernel("td_softmax_s16", SoftmaxS16Params, ("td_softmax_s16.c",)),
            Kernel("td_add_s16", AddParams, ("td_add_s16.c",)),
            Kernel("td_sub_s16", AddParams, ("td_sub_s16.c",)),
            Kernel("td_mul_s16", MulParams, ("td_mul_s16.c",)),
            Kernel("td_relu_s16", ReluParams, ("td_relu_s16.c",)),
            Kernel("td_mean_s16", MeanParams, ("td_mean_s16.c", "td_reduce4.h")),
            Kernel("td_leaky_relu_s16", LeakyReluParams, ("td_leaky_relu_s16.c", "td_leaky_relu.h")),
            Kernel("td_logistic_s16", SigmoidS16Params, ("td_logistic_s16.c", "td_sigmoid_s16.h")),
            Kernel("td_tanh_s16", SigmoidS16Params, ("td_tanh_s16.c", "td_sigmoid_s16.h")),
        )
    }
)

# element-wise and shape ops beyond the MLPerf Tiny set (issue 17): reference kernels under
# every kernel set
KERNELS.update(
    {
        k.name: k
        for k in (
            Kernel("td_relu_s8", ReluParams, ("td_relu_s8.c",)),
            Kernel("td_leaky_relu_s8", LeakyReluParams, ("td_leaky_relu_s8.c", "td_leaky_relu.h")),
            Kernel("td_hard_swish_s8", HardSwishParams, ("td_hard_swish_s8.c",)),
            Kernel("td_abs", RequantizeParams, ("td_abs.c", "td_elem.h"), raw=True),
            Kernel("td_sub_s8", AddParams, ("td_sub_s8.c",)),
            Kernel("td_squared_difference", SquaredDiffParams, ("td_squared_difference.c", "td_elem.h"), raw=True),
            Kernel("td_minmax", MinMaxParams, ("td_minmax.c", "td_elem.h"), raw=True),
            Kernel("td_arith_i32", ArithParams, ("td_arith_i32.c",)),
            Kernel("td_prelu", PreluParams, ("td_prelu.c", "td_elem.h"), raw=True),
            Kernel("td_remap", RemapParams, ("td_remap.c",), raw=True),
            Kernel("td_split", SplitParams, ("td_split.c",), output_array=True, raw=True),
            Kernel("td_concat", ConcatParams, ("td_concat.c",), input_array=True, raw=True),
            Kernel("td_resize_bilinear_s8", ResizeBilinearParams, ("td_resize_bilinear_s8.c",)),
            Kernel("td_transpose_conv2d_s8", ConvParams, ("td_transpose_conv2d_s8.c",)),
            Kernel("td_batch_matmul_s8", BatchMatmulParams, ("td_batch_matmul_s8.c",)),
            Kernel("td_reduce_max_s8", MeanParams, ("td_reduce_max_s8.c", "td_reduce4.h")),
            Kernel("td_reduce_min_s8", MeanParams, ("td_reduce_min_s8.c", "td_reduce4.h")),
            Kernel("td_div_s8", DivParams, ("td_div_s8.c",)),
            Kernel("td_rsqrt_s8", RequantizeParams, ("td_rsqrt_s8.c", "td_inv_sqrt.h")),
            Kernel("td_l2_normalization_s8", L2normParams, ("td_l2_normalization_s8.c", "td_inv_sqrt.h")),
            Kernel("td_log_softmax_s8", LogSoftmaxParams, ("td_log_softmax_s8.c",)),
            Kernel("td_lut_s8", LutParams, ("td_lut_s8.c",)),
            Kernel("td_add_n_s8", AddNParams, ("td_add_n_s8.c",), input_array=True),
        )
    }
)

# ops on int32 / bool tensors (issue 17): reference kernels under every kernel set
KERNELS.update(
    {
        k.name: k
        for k in (
            Kernel("td_arg_max_s8", ArgMinMaxParams, ("td_arg_max_s8.c", "td_arg_min_max.h")),
            Kernel("td_arg_min_s8", ArgMinMaxParams, ("td_arg_min_s8.c", "td_arg_min_max.h")),
            Kernel("td_compare_s8", CompareParams, ("td_compare_s8.c", "td_compare.h")),
            Kernel("td_compare_i32", CompareParams, ("td_compare_i32.c", "td_compare.h")),
            Kernel("td_logical_b8", LogicalParams, ("td_logical_b8.c",)),
            Kernel("td_logical_not_b8", LogicalParams, ("td_logical_not_b8.c",)),
            Kernel("td_select_v2", SelectParams, ("td_select_v2.c",), raw=True),
            Kernel("td_cumsum_s8", CumsumParams, ("td_cumsum_s8.c",)),
            Kernel("td_cast", CastParams, ("td_cast.c",)),
            Kernel("td_embedding_lookup_s8", EmbeddingLookupParams, ("td_embedding_lookup_s8.c",)),
            Kernel("td_fill", FillParams, ("td_fill.c",)),
            Kernel("td_broadcast_args_i32", BroadcastArgsParams, ("td_broadcast_args_i32.c",)),
            Kernel("td_dynamic_update_slice", DynamicUpdateSliceParams, ("td_dynamic_update_slice.c",)),
            Kernel("td_reduce_all_b8", MeanParams, ("td_reduce_all_b8.c", "td_reduce4.h")),
        )
    }
)

# ops with a variable tensor (state kept between inferences): reference kernels
KERNELS.update(
    {
        k.name: k
        for k in (
            Kernel("td_svdf_s8", SvdfParams, ("td_svdf_s8.c",)),
            Kernel("td_lstm_s8", LstmParams, ("td_lstm_s8.c", "td_sigmoid_s16.h")),
        )
    }
)

# MAC kernels for cores without the DSP extension (tinydeploy/compile/mac.py swaps them
# in for the base kernels: mac.CONVERTERS)
_MAC = ("td_mac.h",)
KERNELS.update(
    {
        k.name: k
        for k in (
            Kernel(
                "td_conv2d_s8_mac",
                ConvMacParams,
                ("td_conv2d_s8_mac.c",) + _MAC + ("td_mac_bytes8.h", "td_mac_bytes8_m0.h"),
            ),
            Kernel("td_depthwise_conv2d_s8_mac", DwconvMacParams, ("td_depthwise_conv2d_s8_mac.c",) + _MAC),
        )
    }
)

# Helium kernels (tinydeploy/compile/mve.py swaps them in: mve.CONVERTERS; the other
# layers take the dsp kernels)
KERNELS.update(
    {
        k.name: k
        for k in (
            Kernel("td_conv2d_s8_mve", ConvMveParams, ("td_conv2d_s8_mve.c", "td_mve.h")),
            Kernel("td_depthwise_conv2d_s8_mve", DwconvMveParams, ("td_depthwise_conv2d_s8_mve.c", "td_mve.h")),
        )
    }
)

# Headers every compiled model needs (td_params.h is generated from this module).
COMMON_RUNTIME = ("td_model.h", "td_kernels.h", HEADER_NAME, "td_fixedpoint.h", "td_broadcast.h")


def kernel(name: str) -> Kernel:
    try:
        return KERNELS[name]
    except KeyError:
        raise KeyError(
            f"kernel {name!r} is not in the registry (tinydeploy/compile/"
            f"kernels.py); known: {', '.join(sorted(KERNELS))}"
        ) from None


_NONE = Kernel("", object, ())  # what spec() gives for an alias step (no kernel)


def spec(name: str | None) -> Kernel:
    """The registry entry of ``name``; an empty entry for None (an alias step)."""
    return _NONE if name is None else kernel(name)


def packed_variant(name: str) -> tuple[str, str, str] | None:
    """(packed kernel, its params struct, the field holding the int8 params) or None."""
    k = KERNELS.get(name)
    if k is None or k.packed is None:
        return None
    pk = KERNELS[k.packed]
    inner = dataclasses.fields(pk.params)[0]
    return pk.name, pk.params.C_NAME, inner.name


def runtime_files(kernels: list[str]) -> list[str]:
    """Runtime file names (in firmware/runtime) a model using ``kernels`` needs."""
    files = {f for k in kernels for f in kernel(k).files}
    return list(COMMON_RUNTIME) + sorted(files - set(COMMON_RUNTIME))


def features(steps_params: list[tuple[str, dict[str, Any]]]) -> set[str]:
    """The td_features.h paths that (kernel, params) pairs need."""
    used: set[str] = set()
    for name, params in steps_params:
        k = kernel(name)
        if k.paths is not None:
            used |= k.paths(params)
    return used


def check_params(name: str, params_type: str | None, params: dict[str, Any]) -> None:
    """Raise ValueError unless ``params`` has exactly the fields of the kernel's struct."""
    k = kernel(name)
    if params_type != k.params.C_NAME:
        raise ValueError(f"kernel {name}: params type {params_type!r}, the registry says {k.params.C_NAME}")
    _check_fields(k.params, params, name)


def _check_fields(cls: type, values: dict[str, Any], where: str) -> None:
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    if set(values) != set(names):
        missing = sorted(set(names) - set(values))
        extra = sorted(set(values) - set(names))
        raise ValueError(
            f"{where}: params for {cls.C_NAME} (missing {missing}, unknown "
            f"{extra}); the fields are defined in tinydeploy/compile/kernels.py"
        )
    for f in fields:
        if f.metadata["ctype"] in _STRUCTS:
            _check_fields(_STRUCTS[f.metadata["ctype"]], values[f.name], f"{where}.{f.name}")


_STRUCTS = {p.C_NAME: p for p in PARAMS}

# ---------------------------------------------------------------- td_params.h

_BANNER = """/*
 * td_params.h - the params structs of the kernels, the weight codec ids and the
 * defaults of the td_features.h code paths.
 *
 * GENERATED from tinydeploy/compile/kernels.py (the kernel registry): do not edit.
 * Regenerate with `python -m tinydeploy.compile.kernels --write`; a unit test checks
 * that this file is what the registry generates. Included by td_kernels.h, which
 * documents the kernels and their contract.
 */"""


def _comment(text: str, indent: str = "") -> list[str]:
    """A C block comment wrapped at 88 columns."""
    words = text.split()
    lines, line = [], ""
    width = 88 - len(indent) - 3
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    if len(lines) == 1 and len(lines[0]) <= width - 3:
        return [f"{indent}/* {lines[0]} */"]
    return [f"{indent}/* {lines[0]}"] + [f"{indent} * {ln}" for ln in lines[1:]] + [f"{indent} */"]


def _struct(cls: type) -> list[str]:
    out = _comment(" ".join((cls.__doc__ or "").split()))
    out.append("typedef struct {")
    for f in dataclasses.fields(cls):
        ctype, doc, dims = f.metadata["ctype"], f.metadata["doc"], f.metadata["dims"]
        sep = "" if ctype.endswith("*") else " "
        decl = f"  {ctype}{sep}{f.name}" + (f"[{dims}]" if dims is not None else "") + ";"
        if doc:
            text = decl + "  /* " + doc + " */"
            if len(text) <= 96:
                out.append(text)
            else:
                out += _comment(doc, "  ")
                out.append(decl)
        else:
            out.append(decl)
    out.append(f"}} {cls.C_NAME};")
    return out


def header() -> str:
    """The text of firmware/runtime/td_params.h."""
    lines = [
        _BANNER,
        "#ifndef TD_PARAMS_H",
        "#define TD_PARAMS_H",
        "",
        "#include <stdint.h>",
        "",
        "/* Maximum rank of broadcast / pad / mean shapes. */",
        f"#define TD_KMAX_DIMS {KMAX_DIMS}",
        "",
        "/* Weight codecs of td_packed_weights (see td_kernels.h). */",
    ]
    lines += [f"#define {name} {value}" for name, value in CODECS.items()]
    lines += ["", "/* Comparisons of td_compare_params.cmp, ops of td_logical_params.op. */"]
    lines += [f"#define TD_CMP_{name} {value}" for name, value in COMPARISONS.items()]
    lines += [f"#define TD_{name} {value}" for name, value in LOGICAL.items()]
    lines += ["", "/* Ops of td_minmax_params.op and td_arith_params.op. */"]
    lines += [f"#define TD_MINMAX_{name} {value}" for name, value in MINMAX.items()]
    lines += [f"#define TD_ARITH_{name} {value}" for name, value in ARITH.items()]
    lines += [
        "",
        "/* Words per channel record of td_depthwise_conv2d_s8_dsp3x3. */",
        f"#define TD_DW3X3_RECORD_WORDS {DW3X3_RECORD_WORDS}",
        "",
        "/* Optional code paths of the SIMD kernels: a compiled model comes with",
        " * td_features.h (tinydeploy/compile/emit.py), setting each to 0 or 1 so that a",
        " * build leaves out the paths its layers do not use; without the file every",
        " * path is built. */",
        "#if defined(__has_include)",
        '#if __has_include("td_features.h")',
        '#include "td_features.h"',
        "#endif",
        "#endif",
    ]
    for name, doc in PATHS.items():
        lines += [f"#ifndef {name}", f"#define {name} 1 /* {doc} */", "#endif"]
    for cls in PARAMS:
        lines += [""] + _struct(cls)
    lines += ["", "#endif /* TD_PARAMS_H */", ""]
    return "\n".join(lines)


def header_path() -> Path:
    from tinydeploy.resources import firmware_dir

    return firmware_dir() / "runtime" / HEADER_NAME


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate firmware/runtime/td_params.h from the kernel registry.")
    ap.add_argument("--write", action="store_true", help="write the header (else: check it)")
    args = ap.parse_args(argv)
    path = header_path()
    text = header()
    if args.write:
        path.write_text(text)
        print(f"wrote {path}")
        return 0
    if not path.is_file() or path.read_text() != text:
        print(f"{path} differs from the registry: run python -m tinydeploy.compile.kernels --write", file=sys.stderr)
        return 1
    print(f"{path} is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
