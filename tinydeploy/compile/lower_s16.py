"""Lowering of the 16x8 ops (int16 activations, int8 weights, int64 biases):
FULLY_CONNECTED, CONV_2D (grouped too), DEPTHWISE_CONV_2D and TRANSPOSE_CONV; SOFTMAX,
ADD, SUB, MUL, LOGISTIC and TANH. (QUANTIZE between int8, int16 and int32 is
Lowering.op_quantize's; CONCATENATION, PAD, MEAN /
SUM, BATCH_MATMUL and the RELUs take an int16 branch in their int8 ``op_<name>``
methods: the same Prepare, the kernel's element type and clamps differ; the data
movement ops of .lower_move take any element type.)

A mixin of :class:`tinydeploy.compile.lower.Lowering`: ``op_conv_2d``,
``op_depthwise_conv_2d`` and ``op_fully_connected`` hand an op whose input is int16 to
the methods here. TFLite Micro's Prepare of these ops is the int8 one (the same
per-channel or per-tensor multipliers and shifts) with int16's activation range; its
int16 Eval requires zero points of 0 and accumulates in 64 bits, requantizing with
the 64-bit MultiplyByQuantizedMultiplier (td_mbqm64). The kernels are reference
loops under every kernel mode (no SIMD variant): a 16x8 step never goes through the
dsp, v7m/v6m or mve passes, so each mode gives the same, bit-exact, result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import quant
from tinydeploy.compile.lower import ConstArray, Step, _nhwc, _q, inplace_distance, unsupported, window_first_read
from tinydeploy.model.ir import Model, Op, Tensor


def _checked_log2(scale: float) -> tuple[bool, int]:
    """TFLite's CheckedLog2, in float: (is a power of two within 1e-3, rounded log2)."""
    f = np.float32
    x_log2 = f(np.log(f(scale))) * (f(1.0) / f(np.log(f(2.0))))
    rounded = f(np.sign(x_log2) * np.floor(np.abs(x_log2) + f(0.5)))  # TfLiteRound: half away from 0
    return bool(abs(f(x_log2 - rounded)) < f(1e-3)), int(rounded)


class S16Mixin:
    """The 16x8 lowering methods (see the module docstring)."""

    # provided by Lowering, which mixes this class in: model, steps, and the helpers
    # act, const, _window, _filter_quant, transpose_conv_window
    model: Model
    steps: list[Step]

    def _s16_tensors(self, op: Op, x_pos: int = 0) -> tuple[Tensor, Tensor, Tensor]:
        """Input (at ``x_pos`` among the op's inputs), weights (input 1) and output."""
        x = self.act(op, op.inputs[x_pos], "int16")
        w = self.const(op, op.inputs[1], "filter")
        y = self.act(op, op.outputs[0], "int16")
        for t in (x, y):
            if t.quant is None or not t.quant.scale:
                raise unsupported(self.model, op, f"tensor {t.name!r} is not quantized")
            if any(z != 0 for z in t.quant.zero_point):
                raise unsupported(self.model, op, f"int16 tensor {t.name!r} has a non-zero zero point")
        return x, w, y

    def _s16_bias(
        self, op: Op, pre: str, n: int, pos: int = 2, dtypes: tuple[str, ...] = ("int64",)
    ) -> tuple[list[ConstArray], str | None]:
        """The optional bias (input ``pos``), of one of ``dtypes``, as an int64 array."""
        if len(op.inputs) <= pos or op.inputs[pos] < 0:
            return [], None
        b = self.const(op, op.inputs[pos], "bias")
        if b.dtype not in dtypes:
            raise unsupported(self.model, op, f"bias {b.name!r} is {b.dtype}; a 16x8 op needs an int64 bias")
        data = np.asarray(b.data, np.int64).reshape(-1)
        if data.size != n:
            raise unsupported(self.model, op, "bias size does not match the output channels")
        return [ConstArray(f"{pre}_bias", "int64_t", data, "weights")], f"{pre}_bias"

    def _s16_quant(self, op: Op, pre: str, mults: list[int], shifts: list[int]) -> tuple[list[ConstArray], dict]:
        if shifts and max(shifts) > 7:
            raise unsupported(
                self.model,
                op,
                f"requantization scale 2^{max(shifts)} is out of range (TFLite's int16 kernels take shifts up to 7)",
            )
        arrays = [
            ConstArray(f"{pre}_multiplier", "int32_t", np.array(mults, np.int64), "params"),
            ConstArray(f"{pre}_shift", "int8_t", np.array(shifts, np.int64), "params"),
        ]
        return arrays, {"multiplier": arrays[0].name, "shift": arrays[1].name}

    def _s16_window(self, op: Op, kind: str) -> None:
        x, w, y = self._s16_tensors(op)
        n, ih, iw, ic = _nhwc(x.shape)
        on, oh, ow, oc = _nhwc(y.shape)
        if kind == "conv":
            wc, kh, kw, fc = (int(v) for v in w.shape)
            if wc != oc or fc <= 0 or ic % fc or oc % (ic // fc) or on != n:
                raise unsupported(self.model, op, "filter and tensor shapes do not match")
            mult, axis = 1, 0
            per_group = oc // (ic // fc)
            channel_of = (np.arange(oc) // per_group) * fc
        else:
            one, kh, kw, wc = (int(v) for v in w.shape)
            if wc != oc or one != 1 or on != n or ic <= 0 or oc % ic:
                raise unsupported(self.model, op, "filter and tensor shapes do not match")
            fc, mult, axis = 1, oc // ic, 3
            channel_of = np.arange(oc) // mult
        sh, sw, dh, dw, ph, pw = self._window(op, ih, iw, kh, kw, oh, ow)
        scales, per_channel = self._filter_quant(op, w, oc, axis)
        s_in, _ = _q(x)
        s_out, _ = _q(y)
        mults, shifts = quant.per_channel_multipliers(s_in, scales if per_channel else scales * oc, s_out)
        act_min, act_max = self._s16_activation(op, y)
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_filter", "int8_t", np.asarray(w.data), "weights")]
        bias_arrays, bias = self._s16_bias(op, pre, oc)
        qa, qrefs = self._s16_quant(op, pre, mults, shifts)
        params: dict[str, Any] = dict(
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
            depth_multiplier=mult,
            stride_h=sh,
            stride_w=sw,
            dilation_h=dh,
            dilation_w=dw,
            pad_h=ph,
            pad_w=pw,
            act_min=act_min,
            act_max=act_max,
            filter=f"{pre}_filter",
            bias=bias,
            **qrefs,
        )
        fr = window_first_read(n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, ph, pw, channel_of)
        kernel = "td_conv2d_s16" if kind == "conv" else "td_depthwise_conv2d_s16"
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                "td_conv_s16_params",
                params,
                [x.index],
                [y.index],
                arrays + bias_arrays + qa,
                {x.index: inplace_distance(fr, 2, 2)},
            )
        )

    def transpose_conv_s16(self, op: Op) -> None:
        """TRANSPOSE_CONV 16x8: the int8 op's Prepare (PopulateConvolutionQuantizationParams)
        with int16's activation range; the bias int64, or int16 that TFLite Micro widens."""
        x, w, y = self._s16_tensors(op, x_pos=2)
        window = self.transpose_conv_window(op, x, w, y)
        oc = window["out_c"]
        scales, per_channel = self._filter_quant(op, w, oc, 0)
        mults, shifts = quant.per_channel_multipliers(_q(x)[0], scales if per_channel else scales * oc, _q(y)[0])
        act_min, act_max = self._s16_activation(op, y)
        pre = f"op{op.index}"
        bias_arrays, bias = self._s16_bias(op, pre, oc, pos=3, dtypes=("int64", "int16"))
        qa, qrefs = self._s16_quant(op, pre, mults, shifts)
        params = dict(
            **window,
            depth_multiplier=1,
            act_min=act_min,
            act_max=act_max,
            filter=f"{pre}_filter",
            bias=bias,
            **qrefs,
        )
        filt = ConstArray(f"{pre}_filter", "int8_t", np.asarray(w.data), "weights")
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_transpose_conv2d_s16",
                "td_conv_s16_params",
                params,
                [x.index],
                [y.index],
                [filt] + bias_arrays + qa,
                {},
            )
        )

    def _s16_activation(self, op: Op, y: Tensor) -> tuple[int, int]:
        act = op.options.get("fused_activation_function", "NONE")
        if act not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
            raise unsupported(self.model, op, f"fused activation {act} is not supported")
        s, z = _q(y)
        return quant.activation_range(act, s, z, bits=16)

    def softmax_s16(self, op: Op) -> None:
        """TFLite Micro's CalculateSoftmaxParams for int16: input scale * beta rescaled so
        that [-65535, 0] spans [-10, 0] (in double), QuantizeMultiplier of that."""
        x = self.act(op, op.inputs[0], "int16")
        y = self.act(op, op.outputs[0], "int16")
        for t in (x, y):
            if t.quant is None or not t.quant.scale or any(z != 0 for z in t.quant.zero_point):
                raise unsupported(self.model, op, f"int16 tensor {t.name!r} is not quantized with zero point 0")
        s_in, _ = _q(x)
        s_out, _ = _q(y)
        if abs(np.float32(s_out) - np.float32(1 / 32768)) > np.float32(0.001 / 32768):
            raise unsupported(self.model, op, "int16 softmax output must have scale 1/32768 and zero point 0")
        beta = float(np.float32(op.options.get("beta", 1.0)))
        mult, shift = quant.quantize_multiplier(float(np.float32(s_in)) * beta / (10.0 / 65535.0))
        if shift > 30:
            raise unsupported(self.model, op, f"input rescale 2^{shift} is out of range")
        depth = int(x.shape[-1]) if x.shape else 1
        params = dict(outer=x.size // depth, depth=depth, input_multiplier=mult, input_left_shift=shift)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_softmax_s16",
                "td_softmax_s16_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), 2, 2)},
            )
        )

    def _s16_add_sub(self, op: Op, kernel: str) -> None:
        """ADD and SUB: CalculateOpDataAdd / CalculateOpDataSub, the int8 Prepare with 15
        bits of headroom (int16 inputs plus offsets, shifted left 15, stay below 2^31);
        broadcasting (up to 6 dimensions) and an int16 constant operand as int8's."""

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            for t in (a, b, y):
                if t.quant is None or not t.quant.scale:
                    raise unsupported(self.model, op, f"tensor {t.name!r} is not quantized")
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            act_min, act_max = self._s16_activation(op, y)
            return dict(
                input1_offset=-z1,
                input2_offset=-z2,
                **quant.add_params(s1, s2, so, left_shift=15),
                output_offset=zo,
                act_min=act_min,
                act_max=act_max,
            )

        self._binary(op, kernel, "td_add_params", make, dtype="int16")

    def add_s16(self, op: Op) -> None:
        self._s16_add_sub(op, "td_add_s16")

    def sub_s16(self, op: Op) -> None:
        self._s16_add_sub(op, "td_sub_s16")

    def mul_s16(self, op: Op) -> None:
        """MUL: CalculateOpDataMul, the int8 Prepare (QuantizeMultiplier of s1 * s2 / s_out
        in double); TFLite Micro's int16 Eval requires zero points of 0."""

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            for t in (a, b, y):
                if t.quant is None or not t.quant.scale or any(z != 0 for z in t.quant.zero_point):
                    raise unsupported(self.model, op, f"int16 tensor {t.name!r} is not quantized with zero point 0")
            (s1, _), (s2, _), (so, _) = _q(a), _q(b), _q(y)
            m, s = quant.quantize_multiplier(float(s1) * float(s2) / float(so))
            if s > 31 or s < -31:
                raise unsupported(self.model, op, f"requantization scale 2^{s} is out of range")
            act_min, act_max = self._s16_activation(op, y)
            return dict(
                input1_offset=0,
                input2_offset=0,
                output_multiplier=m,
                output_shift=s,
                output_offset=0,
                act_min=act_min,
                act_max=act_max,
            )

        self._binary(op, "td_mul_s16", "td_mul_params", make, dtype="int16")

    def sigmoid_s16(self, op: Op, kernel: str) -> None:
        """LOGISTIC and TANH: CalculateArithmeticOpDataLogistic / TanhPrepare for int16.
        A power-of-two input scale whose left shift (12 + log2 scale, by CheckedLog2 in
        float) is 0 (LOGISTIC) or 0 or 1 (TANH) takes multiplier 0; any other scale
        the multiplier scale * 3 * 4096 (double), doubled while <= 32767 / 2 and the
        shift <= 30, truncated. The output scale must be 2^-15 (CheckedLog2)."""
        x = self.act(op, op.inputs[0], "int16")
        y = self.act(op, op.outputs[0], "int16")
        for t in (x, y):
            if t.quant is None or not t.quant.scale or any(z != 0 for z in t.quant.zero_point):
                raise unsupported(self.model, op, f"int16 tensor {t.name!r} is not quantized with zero point 0")
        if x.size != y.size:
            raise unsupported(self.model, op, "input and output sizes differ")
        (s_in, _), (s_out, _) = _q(x), _q(y)
        pot_out, log2_out = _checked_log2(s_out)
        if not pot_out or log2_out != -15:
            raise unsupported(self.model, op, "int16 output must have scale 1/32768 (2^-15)")
        pot, log2_in = _checked_log2(s_in)
        shift = 12 + log2_in
        if pot and shift in ((0, 1) if kernel == "td_tanh_s16" else (0,)):
            mult = 0
        else:
            real, shift = float(np.float32(s_in)) * 4096.0 * 3.0, 0
            while real <= 32767.0 / 2.0 and shift <= 30:
                shift += 1
                real *= 2.0
            mult = int(real)
            if mult > 32767:
                raise unsupported(self.model, op, f"input scale {s_in:g} is too large for the int16 table")
        params = dict(size=x.size, input_multiplier=mult, input_left_shift=shift)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                "td_sigmoid_s16_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), 2, 2)},
            )
        )

    def conv_2d_s16(self, op: Op) -> None:
        self._s16_window(op, "conv")

    def depthwise_conv_2d_s16(self, op: Op) -> None:
        self._s16_window(op, "depthwise")

    def fully_connected_s16(self, op: Op) -> None:
        x, w, y = self._s16_tensors(op)
        if len(w.shape) != 2:
            raise unsupported(self.model, op, "weights are not 2-D")
        if op.options.get("weights_format", 0) not in (0, "DEFAULT"):
            raise unsupported(self.model, op, "shuffled weights format")
        out_depth, accum = (int(v) for v in w.shape)
        if x.size % accum or y.size != (x.size // accum) * out_depth:
            raise unsupported(self.model, op, "input and output sizes do not match the weights")
        batches = x.size // accum
        s_in, _ = _q(x)
        s_out, _ = _q(y)
        mults, shifts, per_channel = self._fc_multipliers(op, w, out_depth, s_in, s_out)
        act_min, act_max = self._s16_activation(op, y)
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_weights", "int8_t", np.asarray(w.data), "weights")]
        bias_arrays, bias = self._s16_bias(op, pre, out_depth)
        qa, qrefs = self._s16_quant(op, pre, mults, shifts)
        params = dict(
            batches=batches,
            accum_depth=accum,
            out_depth=out_depth,
            act_min=act_min,
            act_max=act_max,
            per_channel=int(per_channel),
            filter=f"{pre}_weights",
            bias=bias,
            **qrefs,
        )
        fr = np.repeat(np.arange(batches) * accum, out_depth)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_fully_connected_s16",
                "td_fc_s16_params",
                params,
                [x.index],
                [y.index],
                arrays + bias_arrays + qa,
                {x.index: inplace_distance(fr, 2, 2)},
            )
        )
