"""Lowering: each TFLite op of the model IR becomes one kernel call with its params.

This is TFLite Micro's Prepare, done in Python at compile time: shapes, padding,
multipliers, shifts, zero points and activation ranges become plain integers in
a params dict, and weights become constant arrays. For each (input, output)
pair the lowering also computes the *in-place distance* D: the output buffer may
start D bytes below the input buffer (D may be 0 or negative) and the kernel
still never overwrites an input byte it has yet to read. D comes from an exact
simulation of the kernel's write order (see :func:`inplace_distance`), never
from a rule of thumb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinydeploy.compile import kernels as registry
from tinydeploy.compile import quant
from tinydeploy.errors import UnsupportedOpError
from tinydeploy.model.ir import Model, Op, Tensor

ALIAS_OPS = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")

# QUANTIZE's integer (input, output) types TFLite Micro requantizes (quantize_common.cc;
# uint8 aside: the AOT runtime holds no uint8 tensors)
REQUANTIZE_TYPES = {
    ("int8", "int8"),
    ("int8", "int16"),
    ("int8", "int32"),
    ("int16", "int8"),
    ("int16", "int16"),
    ("int16", "int32"),
    ("int32", "int8"),
    ("int32", "int16"),
}
# bytes of an element of each tensor type the AOT runtime holds (bool: one byte, 0 or 1)
ITEMSIZE = {"int8": 1, "bool": 1, "int16": 2, "int32": 4, "float32": 4}

SUPPORTED_OPS = (
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "FULLY_CONNECTED",
    "AVERAGE_POOL_2D",
    "MAX_POOL_2D",
    "SOFTMAX",
    "ADD",
    "MUL",
    "CONCATENATION",
    "PAD",
    "PADV2",
    "MEAN",
    "LOGISTIC",
    "TANH",
    "QUANTIZE",
    "DEQUANTIZE",
) + ALIAS_OPS
# ops beyond the MLPerf Tiny set (lowered in .lower_ops and .lower_move)
SUPPORTED_OPS += (
    "RELU",
    "RELU6",
    "LEAKY_RELU",
    "HARD_SWISH",
    "ABS",
    "PRELU",
    "SUB",
    "MAXIMUM",
    "MINIMUM",
    "SQUARED_DIFFERENCE",
    "TRANSPOSE",
    "SLICE",
    "STRIDED_SLICE",
    "GATHER",
    "SPACE_TO_DEPTH",
    "DEPTH_TO_SPACE",
    "MIRROR_PAD",
    "RESIZE_NEAREST_NEIGHBOR",
    "SPLIT",
    "SPLIT_V",
    "UNPACK",
    "PACK",
    "RESIZE_BILINEAR",
    "TRANSPOSE_CONV",
    "BATCH_MATMUL",
    "SUM",
    "REDUCE_MAX",
    "DIV",
    "RSQRT",
    "L2_NORMALIZATION",
    "LOG_SOFTMAX",
    "REVERSE_V2",
    "BROADCAST_TO",
    "REDUCE_MIN",
    "ELU",
    "GATHER_ND",
    "BATCH_TO_SPACE_ND",
    "ADD_N",
)
# ops on int32 / bool tensors (lowered in .lower_typed)
SUPPORTED_OPS += (
    "ARG_MAX",
    "ARG_MIN",
    "EQUAL",
    "NOT_EQUAL",
    "LESS",
    "LESS_EQUAL",
    "GREATER",
    "GREATER_EQUAL",
    "LOGICAL_AND",
    "LOGICAL_OR",
    "LOGICAL_NOT",
    "SELECT_V2",
    "CUMSUM",
    "SPACE_TO_BATCH_ND",
    "EMBEDDING_LOOKUP",
    "CAST",
    "FILL",
    "ZEROS_LIKE",
    "SHAPE",
    "BROADCAST_ARGS",
    "DYNAMIC_UPDATE_SLICE",
    "REDUCE_ALL",
)
# ops with a variable tensor (lowered in .lower_state)
SUPPORTED_OPS += ("SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM")


@dataclass
class ConstArray:
    """A constant array emitted as ``static const`` data (flash)."""

    name: str
    ctype: str  # "int8_t", "int16_t", "int32_t", "uint8_t" (bool, 0 or 1) or "int64_t" (16x8 biases)
    values: np.ndarray
    role: str  # "weights" (model data) or "params" (multipliers, shifts, sizes)

    @property
    def nbytes(self) -> int:
        return int(self.values.size) * {"int8_t": 1, "uint8_t": 1, "int16_t": 2, "int64_t": 8}.get(self.ctype, 4)


@dataclass
class Step:
    """One kernel call (or a no-op alias) in execution order."""

    op_index: int
    opcode: str
    kernel: str | None  # C function; None for an alias (reshape) that moves no data
    params_type: str | None
    params: dict[str, Any]
    inputs: list[int]  # activation tensors read
    outputs: list[int]  # activation tensors written
    arrays: list[ConstArray] = field(default_factory=list)
    inplace: dict[int, int] = field(default_factory=dict)  # input tensor -> D bytes
    alias: tuple[int, int] | None = None  # (input, output) sharing one buffer
    # constant operands passed to the kernel in place of an activation: argument
    # position among the inputs -> the ConstArray's name (SUB of a constant, ...)
    const_inputs: dict[int, str] = field(default_factory=dict)
    # row-wise recomputation (set by the planner's rematerialisation pass)
    remat: dict[str, Any] | None = None
    scratch: list[tuple[str, int]] = field(default_factory=list)  # (name, bytes)


def unsupported(model: Model, op: Op, detail: str) -> UnsupportedOpError:
    out = model.tensors[op.outputs[0]].name if op.outputs else "-"
    return UnsupportedOpError(detail, index=op.index, op=op.opcode, tensor=short_name(out))


def short_name(name: str, limit: int = 32) -> str:
    """A converter's tensor name without its scope path (and at most ``limit`` chars)."""
    tail = name.replace(";", "/").rstrip("/").rsplit("/", 1)[-1] or name
    return tail if len(tail) <= limit else tail[: limit - 3] + "..."


def all_unsupported(failures: list[UnsupportedOpError]) -> UnsupportedOpError:
    """One error (one line) for every op the AOT compiler cannot lower."""
    first, rest = failures[0], failures[1:]
    detail = first.fields["detail"]
    if rest:
        detail += "; also " + "; ".join(
            f"#{e.fields['index']} {e.fields['op']} ({e.fields['tensor']}): {e.fields['detail']}" for e in rest
        )
    return UnsupportedOpError(
        f"{detail}; --runtime tflm runs it",
        index=first.fields["index"],
        op=first.fields["op"],
        tensor=first.fields["tensor"],
    )


# ---------------------------------------------------------------- in-place distance


def inplace_distance(first_read: np.ndarray, in_itemsize: int, out_itemsize: int) -> int:
    """Smallest D (bytes) such that the output may start D bytes below the input.

    ``first_read[k]`` is the lowest input *element* index that the kernel reads
    to produce output element k (outputs are written in increasing k order, each
    after its own reads), or -1 when element k reads no input. When output
    element k is written, inputs of elements k+1.. are still to be read, so we
    need out_base + (k+1)*out_itemsize <= in_base + min(first_read[k+1:])*in_itemsize.
    """
    n = int(first_read.size)
    if n == 0:
        return -(1 << 30)
    fr = first_read.astype(np.int64) * in_itemsize
    fr = np.where(first_read < 0, np.int64(1) << 50, fr)
    suffix = np.minimum.accumulate(fr[::-1])[::-1]  # suffix[k] = min(fr[k:])
    need_after = np.empty(n, dtype=np.int64)
    need_after[:-1] = suffix[1:]
    need_after[-1] = np.int64(1) << 50
    ends = (np.arange(n, dtype=np.int64) + 1) * out_itemsize
    d = int(np.max(ends - need_after))
    return max(d, -(1 << 30))


def _first_valid(origin: np.ndarray, dilation: int, taps: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per origin: smallest valid input coordinate of the window and whether any exists."""
    coords = origin[:, None] + dilation * np.arange(taps)[None, :]
    ok = (coords >= 0) & (coords < size)
    big = np.where(ok, coords, 1 << 40)
    return big.min(axis=1), ok.any(axis=1)


def window_first_read(
    batches: int,
    in_h: int,
    in_w: int,
    in_c: int,
    out_h: int,
    out_w: int,
    out_c: int,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    dh: int,
    dw: int,
    ph: int,
    pw: int,
    channel_of: np.ndarray,
) -> np.ndarray:
    """first_read for conv/depthwise/pool: output (b, y, x, oc) in NHWC order."""
    ys, yok = _first_valid(np.arange(out_h) * sh - ph, dh, kh, in_h)
    xs, xok = _first_valid(np.arange(out_w) * sw - pw, dw, kw, in_w)
    pix = (ys[:, None] * in_w + xs[None, :]) * in_c  # [out_h, out_w]
    valid = yok[:, None] & xok[None, :]
    fr = pix[:, :, None] + channel_of[None, None, :]
    fr = np.where(valid[:, :, None], fr, -1)
    per_image = in_h * in_w * in_c
    out = np.concatenate([np.where(fr >= 0, fr + b * per_image, -1).ravel() for b in range(batches)])
    return out


# ---------------------------------------------------------------- helpers


def _q(t: Tensor) -> tuple[float, int]:
    if t.quant is None or not t.quant.scale:
        raise ValueError(f"tensor {t.name!r} has no quantization")
    return float(t.quant.scale[0]), int(t.quant.zero_point[0])


def _nhwc(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    if len(shape) != 4:
        raise ValueError(f"expected a 4-D NHWC tensor, got shape {list(shape)}")
    return tuple(int(v) for v in shape)  # type: ignore[return-value]


def _padding(padding: str, stride: int, dilation: int, in_size: int, k: int) -> tuple[int, int]:
    """TFLite's ComputeOutSize + ComputePaddingWithOffset: (out_size, pad_before)."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    elif padding == "VALID":
        out = (in_size + stride - eff) // stride
    else:
        raise ValueError(f"padding {padding!r}")
    total = max((out - 1) * stride + eff - in_size, 0)
    return out, total // 2


# The ops beyond the MLPerf Tiny set live in their own modules (mixins); they import the
# helpers above, so they are imported here, after them.
from tinydeploy.compile.lower_move import MoveMixin  # noqa: E402
from tinydeploy.compile.lower_ops import OpsMixin  # noqa: E402
from tinydeploy.compile.lower_s16 import S16Mixin  # noqa: E402
from tinydeploy.compile.lower_state import StateMixin  # noqa: E402
from tinydeploy.compile.lower_typed import TypedMixin  # noqa: E402


class Lowering(OpsMixin, MoveMixin, TypedMixin, StateMixin, S16Mixin):
    """Turns a :class:`Model` into a list of :class:`Step`."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.steps: list[Step] = []

    def t(self, idx: int) -> Tensor:
        return self.model.tensors[idx]

    def const(self, op: Op, idx: int, what: str) -> Tensor:
        if idx < 0:
            raise unsupported(self.model, op, f"{what} is missing")
        t = self.t(idx)
        if t.data is None:
            raise unsupported(self.model, op, f"{what} {t.name!r} is not a constant")
        return t

    def act(self, op: Op, idx: int, dtype: str = "int8") -> Tensor:
        t = self.t(idx)
        if t.data is not None:
            raise unsupported(self.model, op, f"constant input {t.name!r} where an activation is expected")
        if t.dtype != dtype:
            raise unsupported(self.model, op, f"tensor {t.name!r} is {t.dtype}, only {dtype} is supported here")
        if dtype == "int8" and (t.quant is None or not t.quant.scale):
            raise unsupported(self.model, op, f"tensor {t.name!r} is not quantized")
        return t

    def activation(self, op: Op, out: Tensor) -> tuple[int, int]:
        act = op.options.get("fused_activation_function", "NONE")
        if act not in ACTIVATIONS:
            raise unsupported(
                self.model, op, f"fused activation {act} is not supported (supported: {', '.join(ACTIVATIONS)})"
            )
        s, z = _q(out)
        return quant.activation_range(act, s, z)

    def run(self) -> list[Step]:
        failures = self.lower_all()
        if failures:
            raise all_unsupported(failures)
        return self.steps

    def lower_all(self) -> list[UnsupportedOpError]:
        """Lower every op, collecting each one's failure instead of stopping at the first."""
        failures = []
        for op in self.model.ops:
            try:
                if op.opcode not in SUPPORTED_OPS:
                    raise unsupported(self.model, op, "not supported by the AOT compiler")
                try:
                    getattr(self, "op_" + op.opcode.lower())(op)
                except (ValueError, KeyError, IndexError, ArithmeticError) as exc:
                    raise unsupported(self.model, op, str(exc)) from exc
            except UnsupportedOpError as err:
                failures.append(err)
        return failures

    # ------------------------------------------------------------- weights helpers

    def _fc_multipliers(
        self, op: Op, w: Tensor, out_depth: int, s_in: float, s_out: float
    ) -> tuple[list[int], list[int], bool]:
        """FULLY_CONNECTED's output multipliers and shifts (int8 and 16x8 alike): one per
        channel for per-channel weights, else TFLite's per-tensor FC multiplier; and whether
        the weights are per channel."""
        scales, per_channel = self._filter_quant(op, w, out_depth, 0)
        if per_channel:
            mults, shifts = quant.per_channel_multipliers(s_in, scales, s_out)
            return mults, shifts, True
        m, s = quant.fc_per_tensor_multiplier(s_in, scales[0], s_out)
        return [m], [s], False

    def _filter_quant(self, op: Op, w: Tensor, channels: int, axis: int) -> tuple[tuple[float, ...], bool]:
        if w.dtype != "int8" or w.quant is None:
            raise unsupported(
                self.model, op, f"weights {w.name!r} are {w.dtype}; only int8 quantized weights are supported"
            )
        if any(z != 0 for z in w.quant.zero_point):
            raise unsupported(self.model, op, "weights with a non-zero zero point")
        scales = w.quant.scale
        per_channel = len(scales) > 1
        if per_channel and (len(scales) != channels or w.quant.axis != axis):
            raise unsupported(self.model, op, "per-channel weights quantized along an unexpected axis")
        return scales, per_channel

    def _bias(self, op: Op, idx: int, n: int) -> np.ndarray | None:
        if len(op.inputs) < 3 or op.inputs[2] < 0:
            return None
        b = self.const(op, op.inputs[2], "bias")
        if b.dtype != "int32":
            raise unsupported(self.model, op, f"bias {b.name!r} is {b.dtype}, only int32 bias is supported")
        data = np.asarray(b.data).reshape(-1)
        if data.size != n:
            raise unsupported(self.model, op, "bias size does not match the output channels")
        return data

    def _quant_arrays(
        self, op: Op, prefix: str, mults: list[int], shifts: list[int], per_channel: bool
    ) -> tuple[list[ConstArray], dict[str, Any]]:
        if not per_channel:
            mults, shifts = mults[:1], shifts[:1]
        # shifts are stored as int8 (3 bytes less per channel); a left shift past 30
        # would overflow the 32-bit requantization anyway
        if shifts and max(shifts) > 30:
            raise unsupported(
                self.model,
                op,
                f"requantization scale 2^{max(shifts)} is out of range (input, filter and output scales disagree)",
            )
        arrays = [
            ConstArray(f"{prefix}_multiplier", "int32_t", np.array(mults, np.int64), "params"),
            ConstArray(f"{prefix}_shift", "int8_t", np.array(shifts, np.int64), "params"),
        ]
        refs = {"per_channel": int(per_channel), "multiplier": arrays[0].name, "shift": arrays[1].name}
        return arrays, refs

    def _window(
        self, op: Op, ih: int, iw: int, kh: int, kw: int, oh: int, ow: int
    ) -> tuple[int, int, int, int, int, int]:
        """Strides, dilations and padding of a conv/depthwise op, checked against its output."""
        o = op.options
        sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
        dh, dw = int(o.get("dilation_h_factor", 1)), int(o.get("dilation_w_factor", 1))
        out_h, ph = _padding(o.get("padding", "VALID"), sh, dh, ih, kh)
        out_w, pw = _padding(o.get("padding", "VALID"), sw, dw, iw, kw)
        if (out_h, out_w) != (oh, ow):
            raise unsupported(self.model, op, "output shape disagrees with padding and strides")
        return sh, sw, dh, dw, ph, pw

    # ------------------------------------------------------------- ops

    def _is_int32(self, op: Op) -> bool:
        """The op's first input is int32 (unquantized integer arithmetic): .lower_typed."""
        return bool(op.inputs) and op.inputs[0] >= 0 and self.t(op.inputs[0]).dtype == "int32"

    def _is_16x8(self, op: Op) -> bool:
        """The op reads int16 activations (a 16x8 model): lowered in .lower_s16."""
        return bool(op.inputs) and op.inputs[0] >= 0 and self.t(op.inputs[0]).dtype == "int16"

    def op_conv_2d(self, op: Op) -> None:
        if self._is_16x8(op):
            return self.conv_2d_s16(op)
        x = self.act(op, op.inputs[0])
        w = self.const(op, op.inputs[1], "filter")
        y = self.act(op, op.outputs[0])
        n, ih, iw, ic = _nhwc(x.shape)
        oc, kh, kw, fc = (int(v) for v in w.shape)
        on, oh, ow, occ = _nhwc(y.shape)
        if fc <= 0 or ic % fc or oc % (ic // fc) or occ != oc or on != n:
            raise unsupported(self.model, op, "filter and tensor shapes do not match")
        sh, sw, dh, dw, ph, pw = self._window(op, ih, iw, kh, kw, oh, ow)
        scales, per_channel = self._filter_quant(op, w, oc, 0)
        s_in, z_in = _q(x)
        s_out, z_out = _q(y)
        mults, shifts = quant.per_channel_multipliers(s_in, scales if per_channel else scales * oc, s_out)
        act_min, act_max = self.activation(op, y)
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_filter", "int8_t", np.asarray(w.data), "weights")]
        bias = self._bias(op, 2, oc)
        if bias is not None:
            arrays.append(ConstArray(f"{pre}_bias", "int32_t", bias, "weights"))
        qa, qrefs = self._quant_arrays(op, pre, mults, shifts, per_channel)
        arrays += qa
        # Prepare for the interior fast path: bias + input_offset * sum(filter taps)
        taps = np.asarray(w.data, dtype=np.int64).reshape(oc, -1).sum(axis=1)
        folded = (bias if bias is not None else np.zeros(oc, np.int64)) + (-z_in) * taps
        arrays.append(ConstArray(f"{pre}_folded_bias", "int32_t", folded.astype(np.int64), "params"))
        params = dict(
            batches=n,
            in_h=ih,
            in_w=iw,
            in_c=ic,
            out_h=oh,
            out_w=ow,
            out_c=oc,
            filter_h=kh,
            filter_w=kw,
            filter_c=fc,
            stride_h=sh,
            stride_w=sw,
            dilation_h=dh,
            dilation_w=dw,
            pad_h=ph,
            pad_w=pw,
            input_offset=-z_in,
            output_offset=z_out,
            act_min=act_min,
            act_max=act_max,
            filter=f"{pre}_filter",
            bias=f"{pre}_bias" if bias is not None else None,
            **qrefs,
            folded_bias=f"{pre}_folded_bias",
        )
        per_group = oc // (ic // fc)
        channel_of = (np.arange(oc) // per_group) * fc
        fr = window_first_read(n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, ph, pw, channel_of)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_conv2d_s8",
                "td_conv_params",
                params,
                [x.index],
                [y.index],
                arrays,
                {x.index: inplace_distance(fr, 1, 1)},
            )
        )

    def op_depthwise_conv_2d(self, op: Op) -> None:
        if self._is_16x8(op):
            return self.depthwise_conv_2d_s16(op)
        x = self.act(op, op.inputs[0])
        w = self.const(op, op.inputs[1], "filter")
        y = self.act(op, op.outputs[0])
        n, ih, iw, ic = _nhwc(x.shape)
        one, kh, kw, oc = (int(v) for v in w.shape)
        on, oh, ow, occ = _nhwc(y.shape)
        o = op.options
        mult = int(o.get("depth_multiplier", 1)) or 1
        if oc != occ or one != 1 or on != n:
            raise unsupported(self.model, op, "filter and tensor shapes do not match")
        if oc != ic * mult:
            mult = oc // ic if ic and oc % ic == 0 else mult
            if oc != ic * mult:
                raise unsupported(self.model, op, "output channels are not input channels times the depth multiplier")
        sh, sw, dh, dw, ph, pw = self._window(op, ih, iw, kh, kw, oh, ow)
        scales, per_channel = self._filter_quant(op, w, oc, 3)
        s_in, z_in = _q(x)
        s_out, z_out = _q(y)
        mults, shifts = quant.per_channel_multipliers(s_in, scales if per_channel else scales * oc, s_out)
        act_min, act_max = self.activation(op, y)
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_filter", "int8_t", np.asarray(w.data), "weights")]
        bias = self._bias(op, 2, oc)
        if bias is not None:
            arrays.append(ConstArray(f"{pre}_bias", "int32_t", bias, "weights"))
        qa, qrefs = self._quant_arrays(op, pre, mults, shifts, per_channel)
        arrays += qa
        params = dict(
            batches=n,
            in_h=ih,
            in_w=iw,
            in_c=ic,
            out_h=oh,
            out_w=ow,
            out_c=oc,
            depth_multiplier=mult,
            filter_h=kh,
            filter_w=kw,
            stride_h=sh,
            stride_w=sw,
            dilation_h=dh,
            dilation_w=dw,
            pad_h=ph,
            pad_w=pw,
            input_offset=-z_in,
            output_offset=z_out,
            act_min=act_min,
            act_max=act_max,
            filter=f"{pre}_filter",
            bias=f"{pre}_bias" if bias is not None else None,
            **qrefs,
        )
        fr = window_first_read(n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, ph, pw, np.arange(oc) // mult)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_depthwise_conv2d_s8",
                "td_dwconv_params",
                params,
                [x.index],
                [y.index],
                arrays,
                {x.index: inplace_distance(fr, 1, 1)},
            )
        )

    def op_fully_connected(self, op: Op) -> None:
        if self._is_16x8(op):
            return self.fully_connected_s16(op)
        x = self.act(op, op.inputs[0])
        w = self.const(op, op.inputs[1], "weights")
        y = self.act(op, op.outputs[0])
        if len(w.shape) != 2:
            raise unsupported(self.model, op, "weights are not 2-D")
        if op.options.get("weights_format", 0) not in (0, "DEFAULT"):
            raise unsupported(self.model, op, "shuffled weights format")
        out_depth, accum = (int(v) for v in w.shape)
        if x.size % accum:
            raise unsupported(self.model, op, "input size is not a multiple of the weights' depth")
        batches = x.size // accum
        if y.size != batches * out_depth:
            raise unsupported(self.model, op, "output size does not match")
        s_in, z_in = _q(x)
        s_out, z_out = _q(y)
        mults, shifts, per_channel = self._fc_multipliers(op, w, out_depth, s_in, s_out)
        act_min, act_max = self.activation(op, y)
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_weights", "int8_t", np.asarray(w.data), "weights")]
        bias = self._bias(op, 2, out_depth)
        if bias is not None:
            arrays.append(ConstArray(f"{pre}_bias", "int32_t", bias, "weights"))
        qa, qrefs = self._quant_arrays(op, pre, mults, shifts, per_channel)
        arrays += qa
        params = dict(
            batches=batches,
            accum_depth=accum,
            out_depth=out_depth,
            input_offset=-z_in,
            filter_offset=0,
            output_offset=z_out,
            act_min=act_min,
            act_max=act_max,
            filter=f"{pre}_weights",
            bias=f"{pre}_bias" if bias is not None else None,
            **qrefs,
        )
        fr = np.repeat(np.arange(batches) * accum, out_depth)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_fully_connected_s8",
                "td_fc_params",
                params,
                [x.index],
                [y.index],
                arrays,
                {x.index: inplace_distance(fr, 1, 1)},
            )
        )

    def _pool(self, op: Op, kernel: str) -> None:
        wide = self._is_16x8(op)  # int16: td_max_pool2d_s16 / td_avg_pool2d_s16
        if wide:
            kernel = kernel.replace("_s8", "_s16")
        x = self.act(op, op.inputs[0], "int16" if wide else "int8")
        y = self.act(op, op.outputs[0], "int16" if wide else "int8")
        n, ih, iw, c = _nhwc(x.shape)
        _, oh, ow, oc = _nhwc(y.shape)
        if _q(x) != _q(y):
            raise unsupported(self.model, op, "input and output quantization differ")
        o = op.options
        kh, kw = int(o["filter_height"]), int(o["filter_width"])
        sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
        out_h, ph = _padding(o.get("padding", "VALID"), sh, 1, ih, kh)
        out_w, pw = _padding(o.get("padding", "VALID"), sw, 1, iw, kw)
        if (out_h, out_w, oc) != (oh, ow, c):
            raise unsupported(self.model, op, "output shape disagrees with the window")
        act_min, act_max = self._s16_activation(op, y) if wide else self.activation(op, y)
        params = dict(
            batches=n,
            in_h=ih,
            in_w=iw,
            channels=c,
            out_h=oh,
            out_w=ow,
            filter_h=kh,
            filter_w=kw,
            stride_h=sh,
            stride_w=sw,
            pad_h=ph,
            pad_w=pw,
            act_min=act_min,
            act_max=act_max,
        )
        fr = window_first_read(n, ih, iw, c, oh, ow, c, kh, kw, sh, sw, 1, 1, ph, pw, np.arange(c))
        size = 2 if wide else 1
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                "td_pool_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(fr, size, size)},
            )
        )

    def op_average_pool_2d(self, op: Op) -> None:
        self._pool(op, "td_avg_pool2d_s8")

    def op_max_pool_2d(self, op: Op) -> None:
        self._pool(op, "td_max_pool2d_s8")

    def op_softmax(self, op: Op) -> None:
        if self._is_16x8(op):
            return self.softmax_s16(op)
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        s_out, z_out = _q(y)
        if z_out != -128 or np.float32(s_out) != np.float32(1.0 / 256):
            raise unsupported(self.model, op, "int8 softmax output must have scale 1/256 and zero point -128")
        depth = int(x.shape[-1]) if x.shape else 1
        params = dict(
            outer=x.size // depth, depth=depth, **quant.softmax_params(float(op.options.get("beta", 1.0)), _q(x)[0])
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_softmax_s8",
                "td_softmax_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), 1, 1)},
            )
        )

    # -- element-wise binary

    def _broadcast(self, op: Op, a: Tensor, b: Tensor, y: Tensor) -> tuple[dict[str, Any], list[np.ndarray]]:
        out_shape = list(y.shape) or [1]
        if list(a.shape) == list(b.shape) == list(y.shape):
            return dict(size=y.size, dims=0, shape=[0] * 6, stride1=[0] * 6, stride2=[0] * 6), [
                np.arange(y.size),
                np.arange(y.size),
            ]
        nd = len(out_shape)
        if nd > 6:
            raise unsupported(self.model, op, "broadcast over more than 6 dimensions")
        strides = []
        firsts = []
        for t in (a, b):
            shp = [1] * (nd - len(t.shape)) + list(t.shape)
            st = [0] * nd
            acc = 1
            for d in range(nd - 1, -1, -1):
                if shp[d] not in (1, out_shape[d]):
                    raise unsupported(self.model, op, "shapes are not broadcast-compatible")
                st[d] = acc if shp[d] == out_shape[d] and shp[d] != 1 else 0
                acc *= shp[d]
            strides.append(st + [0] * (6 - nd))
            idx = np.zeros(out_shape, dtype=np.int64)
            for d in range(nd):
                shape1 = [1] * nd
                shape1[d] = out_shape[d]
                idx = idx + np.arange(out_shape[d]).reshape(shape1) * st[d]
            firsts.append(idx.ravel())
        return dict(
            size=y.size, dims=nd, shape=out_shape + [0] * (6 - nd), stride1=strides[0], stride2=strides[1]
        ), firsts

    def op_add(self, op: Op) -> None:
        if self._is_int32(op):
            return self.arith_i32(op)
        if self._is_16x8(op):
            return self.add_s16(op)

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            act_min, act_max = self.activation(op, y)
            return dict(
                input1_offset=-z1,
                input2_offset=-z2,
                **quant.add_params(s1, s2, so),
                output_offset=zo,
                act_min=act_min,
                act_max=act_max,
            )

        # an operand may be a constant (lower_ops.OpsMixin._binary)
        self._binary(op, "td_add_s8", "td_add_params", make)

    def op_mul(self, op: Op) -> None:
        if self._is_int32(op):
            return self.arith_i32(op)
        if self._is_16x8(op):
            return self.mul_s16(op)

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            m, s = quant.quantize_multiplier(float(s1) * float(s2) / float(so))
            act_min, act_max = self.activation(op, y)
            return dict(
                input1_offset=-z1,
                input2_offset=-z2,
                output_multiplier=m,
                output_shift=s,
                output_offset=zo,
                act_min=act_min,
                act_max=act_max,
            )

        self._binary(op, "td_mul_s8", "td_mul_params", make)

    # -- data movement

    def op_concatenation(self, op: Op) -> None:
        s16 = self._is_16x8(op)
        # int32, bool, float32: TFLite Micro copies them as they are (no quantization)
        raw = bool(op.inputs) and self.t(op.inputs[0]).dtype in ("int32", "bool", "float32")
        dtype = self.t(op.inputs[0]).dtype if raw else "int16" if s16 else "int8"
        y = self.act(op, op.outputs[0], dtype)
        ins = [self.act(op, i, dtype) for i in op.inputs]
        if op.options.get("fused_activation_function", "NONE") != "NONE":
            raise unsupported(self.model, op, "fused activation on CONCATENATION")
        for t in ins + [y]:
            # int16: TFLite Micro requires zero points of 0 and copies, whatever the scales
            if s16 and t.quant is not None and any(z != 0 for z in t.quant.zero_point):
                raise unsupported(self.model, op, f"int16 tensor {t.name!r} has a non-zero zero point")
            if dtype == "int8" and _q(t) != _q(y):
                raise unsupported(self.model, op, f"input {t.name!r} is quantized differently from the output")
        nd = len(y.shape)
        axis = int(op.options.get("axis", 0))
        axis = axis + nd if axis < 0 else axis
        outer = int(np.prod(y.shape[:axis], dtype=np.int64))
        inner = int(np.prod(y.shape[axis + 1 :], dtype=np.int64))
        copy = [int(t.shape[axis]) * inner * t.itemsize for t in ins]
        pre = f"op{op.index}"
        arr = ConstArray(f"{pre}_copy_bytes", "int32_t", np.array(copy, np.int64), "params")
        params = dict(outer=outer, num_inputs=len(ins), copy_bytes=arr.name)
        if len({t.index for t in ins}) != len(ins):
            raise unsupported(self.model, op, "the same tensor concatenated twice")
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_concat",
                "td_concat_params",
                params,
                [t.index for t in ins],
                [y.index],
                [arr],
                {},
            )
        )

    def op_pad(self, op: Op) -> None:
        if self.t(op.inputs[0]).dtype in ("int32", "float32"):
            return self.pad_wide(op)
        s16 = self._is_16x8(op)
        x = self.act(op, op.inputs[0], "int16" if s16 else "int8")
        y = self.act(op, op.outputs[0], "int16" if s16 else "int8")
        pads = np.asarray(self.const(op, op.inputs[1], "paddings").data).reshape(-1, 2)
        if s16 and (x.quant is None or y.quant is None or not x.quant.scale or not y.quant.scale):
            raise unsupported(self.model, op, "int16 tensors are not quantized")
        if _q(x) != _q(y):
            raise unsupported(self.model, op, "input and output quantization differ")
        nd = len(x.shape)
        if nd > 4:
            raise unsupported(self.model, op, "more than 4 dimensions")
        value = 0 if s16 else _q(y)[1]  # int16: TFLite Micro pads with 0, not the zero point
        if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
            value = int(np.asarray(self.const(op, op.inputs[2], "constant value").data).ravel()[0])
        ishape = [1] * (4 - nd) + [int(v) for v in x.shape]
        before = [0] * (4 - nd) + [int(v) for v in pads[:, 0]]
        after = [0] * (4 - nd) + [int(v) for v in pads[:, 1]]
        if min(before + after) < 0:
            raise unsupported(self.model, op, "negative padding")
        oshape = [i + b + a for i, b, a in zip(ishape, before, after)]
        if int(np.prod(oshape)) != y.size:
            raise unsupported(self.model, op, "output shape does not match the paddings")
        size = 2 if s16 else 1
        params = dict(in_shape=ishape, before=before, out_shape=oshape, pad_value=value, itemsize=size)
        # first_read: input index of each output element, -1 in the padding
        idx = np.arange(x.size).reshape(ishape)
        full = np.full(oshape, -1, dtype=np.int64)
        full[tuple(slice(b, b + i) for b, i in zip(before, ishape))] = idx
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_pad",
                "td_pad_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(full.ravel(), size, size)},
            )
        )

    op_padv2 = op_pad

    def op_mean(self, op: Op) -> None:
        s16 = self._is_16x8(op)
        x = self.act(op, op.inputs[0], "int16" if s16 else "int8")
        y = self.act(op, op.outputs[0], "int16" if s16 else "int8")
        if s16 and (x.quant is None or y.quant is None or not x.quant.scale or not y.quant.scale):
            raise unsupported(self.model, op, "int16 tensors are not quantized")
        axes = np.asarray(self.const(op, op.inputs[1], "axis").data).ravel()
        nd = len(x.shape)
        if nd > 4:
            raise unsupported(self.model, op, "more than 4 dimensions")
        red = sorted({int(a) + nd if int(a) < 0 else int(a) for a in axes})
        shape = [1] * (4 - nd) + [int(v) for v in x.shape]
        reduced = [0] * 4
        for a in red:
            reduced[a + 4 - nd] = 1
        count = int(np.prod([shape[d] for d in range(4) if reduced[d]], dtype=np.int64))
        (si, zi), (so, zo) = _q(x), _q(y)
        mult, shift = quant.mean_params(si, so, count)
        params = dict(
            in_shape=shape,
            reduced=reduced,
            count=count,
            input_zero_point=zi,
            output_zero_point=zo,
            multiplier=mult,
            shift=shift,
        )
        idx = np.arange(x.size).reshape(shape)
        first = idx[tuple(slice(0, 1) if reduced[d] else slice(None) for d in range(4))]
        size = 2 if s16 else 1
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_mean_s16" if s16 else "td_mean_s8",
                "td_mean_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(first.ravel(), size, size)},
            )
        )

    def _unary(self, op: Op, kernel: str) -> None:
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        si, zi = _q(x)
        so, zo = _q(y)
        want = (1.0 / 256, -128) if kernel == "td_logistic_s8" else (1.0 / 128, 0)
        if zo != want[1] or np.float32(so) != np.float32(want[0]):
            raise unsupported(self.model, op, f"int8 output must have scale {want[0]} and zero point {want[1]}")
        params = dict(size=x.size, input_zero_point=zi, **quant.logistic_tanh_params(si))
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                "td_unary_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), 1, 1)},
            )
        )

    def op_logistic(self, op: Op) -> None:
        if self._is_16x8(op):
            return self.sigmoid_s16(op, "td_logistic_s16")
        self._unary(op, "td_logistic_s8")

    def op_tanh(self, op: Op) -> None:
        if self._is_16x8(op):
            return self.sigmoid_s16(op, "td_tanh_s16")
        self._unary(op, "td_tanh_s8")

    def op_quantize(self, op: Op) -> None:
        x = self.t(op.inputs[0])
        if x.dtype != "float32":
            return self._requantize(op)
        dtype = "int16" if self.t(op.outputs[0]).dtype == "int16" else "int8"  # TFLM's two
        y = self.act(op, op.outputs[0], dtype)
        so, zo = _q(y)
        self.act(op, x.index, "float32")
        params = dict(size=x.size, scale=float(np.float32(so)), zero_point=zo, itemsize=ITEMSIZE[dtype])
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_quantize_f32",
                "td_affine_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), 4, ITEMSIZE[dtype])},
            )
        )

    def _requantize(self, op: Op) -> None:
        """QUANTIZE between integer types: TFLite's Requantize, QuantizeMultiplier of the
        scale ratio in double (TensorFlow's converter puts an int16 -> int16 one before a
        CONCATENATION of differently scaled inputs)."""
        x, y = self.t(op.inputs[0]), self.t(op.outputs[0])
        if (x.dtype, y.dtype) not in REQUANTIZE_TYPES:
            raise unsupported(
                self.model,
                op,
                f"tensor {x.name!r} is {x.dtype}, output {y.dtype}; TFLite Micro requantizes "
                + ", ".join(f"{a} -> {b}" for a, b in sorted(REQUANTIZE_TYPES)),
            )
        x, y = self.act(op, x.index, x.dtype), self.act(op, y.index, y.dtype)
        for t in (x, y):
            if t.quant is None or not t.quant.scale:
                raise unsupported(self.model, op, f"tensor {t.name!r} is not quantized")
        if x.size != y.size:
            raise unsupported(self.model, op, "input and output sizes differ")
        (si, zi), (so, zo) = _q(x), _q(y)
        m, s = quant.quantize_multiplier(float(si) / float(so))
        if s > 30:
            raise unsupported(self.model, op, f"requantization scale 2^{s} is out of range")
        size_in, size_out = ITEMSIZE[x.dtype], ITEMSIZE[y.dtype]
        params = dict(
            size=x.size,
            input_zero_point=zi,
            output_zero_point=zo,
            multiplier=m,
            shift=s,
            in_itemsize=size_in,
            out_itemsize=size_out,
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_requantize",
                "td_requantize_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), size_in, size_out)},
            )
        )

    def op_dequantize(self, op: Op) -> None:
        dtype = "int16" if self._is_16x8(op) else "int8"  # TFLite Micro's (uint8 aside)
        x = self.act(op, op.inputs[0], dtype)
        y = self.act(op, op.outputs[0], "float32")
        if x.quant is None or not x.quant.scale:
            raise unsupported(self.model, op, f"tensor {x.name!r} is not quantized")
        si, zi = _q(x)
        params = dict(size=x.size, scale=float(np.float32(si)), zero_point=zi, itemsize=ITEMSIZE[dtype])
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_dequantize_f32",
                "td_affine_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), ITEMSIZE[dtype], 4)},
            )
        )

    def _alias(self, op: Op) -> None:
        x = self.t(op.inputs[0])
        y = self.t(op.outputs[0])
        if x.data is not None:
            raise unsupported(self.model, op, "reshape of a constant")
        if x.nbytes != y.nbytes or x.dtype != y.dtype:
            raise unsupported(self.model, op, "input and output differ in size or type")
        self.steps.append(Step(op.index, op.opcode, None, None, {}, [x.index], [y.index], alias=(x.index, y.index)))

    op_reshape = _alias
    op_squeeze = _alias
    op_expand_dims = _alias


def unsupported_ops(model: Model) -> list[dict[str, Any]]:
    """Every op the AOT compiler cannot lower: index, opcode, tensor and a short reason
    (an empty list: --runtime aot runs the model)."""
    return [
        {"index": e.fields["index"], "op": e.fields["op"], "tensor": e.fields["tensor"], "reason": e.fields["detail"]}
        for e in Lowering(model).lower_all()
    ]


def lower(model: Model) -> list[Step]:
    """Lower every op of ``model``; raises one UnsupportedOpError naming every bad op."""
    return Lowering(model).run()


# ---------------------------------------------------------------- packed weights

# A .tflite whose description holds this marker is compiled with packed weights
# (`tinydeploy compress` writes it); compile_model(weights="packed") forces it.
PACKED_MARKER = "tinydeploy:packed-weights"
CODEC_S8, CODEC_S4, CODEC_LUT = (registry.CODECS[n] for n in ("TD_CODEC_S8", "TD_CODEC_S4", "TD_CODEC_LUT"))


def _bitstream(fields: np.ndarray, bits: int) -> np.ndarray:
    """``bits``-wide unsigned fields packed least significant bit first (td_unpack_weights)."""
    f = fields.astype(np.int64).ravel() & ((1 << bits) - 1)
    flat = ((f[:, None] >> np.arange(bits)) & 1).astype(np.uint8).ravel()
    return np.packbits(flat, bitorder="little")


def _aligned(n: int) -> int:
    return (n + 3) // 4 * 4  # every const array is 4-byte aligned


def encode_weights(values: np.ndarray) -> dict[str, Any]:
    """The smallest exact packed form of int8 ``values`` (flattened C order).

    Tries dense and sparse (non-zero bitmap) streams of int8, 4-bit and lookup-table
    values; returns {"codec", "index_bits", "data", "table", "mask", "bytes"} with
    uint8/int8 arrays, "bytes" counting 4-byte alignment of each array.
    """
    v = np.asarray(values, dtype=np.int64).ravel()
    best: dict[str, Any] | None = None
    nz = v != 0
    candidates = [(v, None)]
    if nz.sum() < v.size:
        candidates.append((v[nz], np.packbits(nz.astype(np.uint8), bitorder="little")))
    for stream, mask in candidates:
        mask_bytes = _aligned(mask.size) if mask is not None else 0
        forms = [(CODEC_S8, 8, _bitstream(stream, 8), None)]
        if stream.size == 0 or (stream.min() >= -8 and stream.max() <= 7):
            forms.append((CODEC_S4, 4, _bitstream(stream, 4), None))
        table = np.unique(stream)
        if 0 < table.size <= 128:
            bits = max(1, int(np.ceil(np.log2(table.size))))
            forms.append((CODEC_LUT, bits, _bitstream(np.searchsorted(table, stream), bits), table))
        for codec, bits, data, tab in forms:
            size = mask_bytes + _aligned(max(data.size, 1)) + (_aligned(tab.size) if tab is not None else 0)
            if best is None or size < best["bytes"]:
                best = {
                    "codec": codec,
                    "index_bits": bits if codec == CODEC_LUT else 0,
                    "data": data,
                    "table": tab,
                    "mask": mask,
                    "bytes": size,
                }
    assert best is not None
    return best


def pack_weights(steps: list[Step], min_saving: int = 16) -> list[Step]:
    """Store the weights of conv / depthwise / fully-connected steps packed where it
    saves at least ``min_saving`` bytes of flash; the packed kernels decode them into
    an arena scratch buffer, so results stay bit-exact with the int8 kernels."""
    out = []
    for st in steps:
        spec = registry.packed_variant(st.kernel or "")
        if spec is None:
            out.append(st)
            continue
        fname = st.params["filter"]
        arr = next(a for a in st.arrays if a.name == fname)
        count = int(arr.values.size)
        enc = encode_weights(arr.values)
        if enc["bytes"] > _aligned(count) - min_saving:
            out.append(st)
            continue
        kernel, ptype, inner = spec
        pre = f"op{st.op_index}"
        as_s8 = lambda a: np.asarray(a, np.uint8).view(np.int8).astype(np.int64)  # noqa: E731
        arrays = [a for a in st.arrays if a.name != fname]
        arrays.append(ConstArray(f"{pre}_packed", "int8_t", as_s8(enc["data"]), "weights"))
        weights = dict(
            count=count, codec=enc["codec"], index_bits=enc["index_bits"], data=f"{pre}_packed", table=None, mask=None
        )
        if enc["table"] is not None:
            arrays.append(ConstArray(f"{pre}_table", "int8_t", enc["table"], "weights"))
            weights["table"] = f"{pre}_table"
        if enc["mask"] is not None:
            arrays.append(ConstArray(f"{pre}_mask", "int8_t", as_s8(enc["mask"]), "weights"))
            weights["mask"] = f"{pre}_mask"
        params = {inner: dict(st.params, filter=None), "weights": weights}
        out.append(
            Step(
                st.op_index,
                st.opcode,
                kernel,
                ptype,
                params,
                list(st.inputs),
                list(st.outputs),
                arrays,
                dict(st.inplace),
                scratch=list(st.scratch) + [("weights", count)],
            )
        )
    return out
