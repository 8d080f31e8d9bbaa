"""Lowering of the compute ops beyond the MLPerf Tiny set (issue 17): activations,
broadcasting element-wise ops (an operand may be a constant), TRANSPOSE_CONV,
BATCH_MATMUL, reductions, division and square roots, LOG_SOFTMAX.

A mixin of :class:`tinydeploy.compile.lower.Lowering` (the data movement ops are in
:mod:`.lower_move`): each ``op_<name>`` method is TFLite Micro's Prepare of that op
(read from its kernels/*_common.cc), done in Python, appending one :class:`Step`.
The float arithmetic of each Prepare is kept: where TFLite Micro divides two float
scales before widening to double, so do we (np.float32), or the multipliers would
differ in the last bit; where the installed tflite-micro (the oracle) differs from
the source we read, the oracle wins and the method says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import kernels as registry
from tinydeploy.compile import quant
from tinydeploy.compile.lower import ITEMSIZE, ConstArray, Step, _padding, _q, inplace_distance, unsupported
from tinydeploy.model.ir import Model, Op, Tensor


IDENTITY = (1 << 30, 1)  # MultiplyByQuantizedMultiplier(x, 2^30, 1) == x exactly


def _ratio(a: float, b: float) -> float:
    """a / b of two float scales in double. The source we read divides in float, then
    widens (static_cast<double>(a / b)); the installed tflite-micro, the oracle, divides
    in double (they differ where the float quotient rounds to a tie, 0.5 / (1/3))."""
    return float(np.float32(a)) / float(np.float32(b))


class OpsMixin:
    """The ``op_<name>`` methods of the added compute ops (see the module docstring)."""

    # provided by Lowering, which mixes this class in: model, steps, and the helpers
    # t, act, const, activation, _broadcast, _filter_quant, _quant_arrays, op_mean
    model: Model
    steps: list[Step]

    # ------------------------------------------------------------- helpers

    def _elementwise(self, op: Op, kernel: str, ptype: str, params: dict[str, Any], x: Tensor, y: Tensor) -> None:
        size = 2 if x.dtype == "int16" else 1
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                ptype,
                dict(size=x.size, **params),
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), size, size)},
            )
        )

    def _unary_io(self, op: Op, dtype: str = "int8") -> tuple[Tensor, Tensor]:
        x = self.act(op, op.inputs[0], dtype)
        y = self.act(op, op.outputs[0], dtype)
        for t in (x, y):
            if t.quant is None or not t.quant.scale:
                raise unsupported(self.model, op, f"tensor {t.name!r} is not quantized")
        if x.size != y.size:
            raise unsupported(self.model, op, "input and output sizes differ")
        return x, y

    def _multiplier(self, op: Op, real: float) -> tuple[int, int]:
        m, s = quant.quantize_multiplier(real)
        if s > 30 or m == -(1 << 31):
            raise unsupported(self.model, op, f"requantization scale {real:g} is out of range")
        return m, s

    def _operands(self, op: Op, dtype: str = "int8") -> tuple[list[Tensor], dict[int, str], list[ConstArray]]:
        """The two operands of a binary op: activations, or constants (of ``dtype``, int8
        or int16) passed to the kernel as arrays in flash (``x - 0.5``, ``maximum(x, 0.1)``)."""
        ts, consts, arrays = [], {}, []
        for pos, idx in enumerate(op.inputs[:2]):
            t = self.t(idx)
            if t.data is None:
                ts.append(self.act(op, idx, dtype))
                continue
            if t.dtype != dtype or t.quant is None or not t.quant.scale:
                raise unsupported(
                    self.model,
                    op,
                    f"constant operand {t.name!r} is {t.dtype}, only quantized {dtype} constants are supported",
                )
            name = f"op{op.index}_operand{pos}"
            arrays.append(ConstArray(name, f"{dtype}_t", np.asarray(t.data).ravel(), "weights"))
            consts[pos] = name
            ts.append(t)
        if len(consts) == 2:
            raise unsupported(self.model, op, "both operands are constants (fold them)")
        return ts, consts, arrays

    def _binary(self, op: Op, kernel: str, ptype: str, make: Any, dtype: str = "int8") -> None:
        if dtype == "int32":  # raw values: constants as they are, no quantization
            (a, b), consts, arrays = self._typed_operands(op, ["int32", "int32"])
        else:
            (a, b), consts, arrays = self._operands(op, dtype)
        y = self.act(op, op.outputs[0], dtype)
        bc, firsts = self._broadcast(op, a, b, y)
        params = {"bc": bc, **make(a, b, y)}  # the struct's order: the C text as before
        size = ITEMSIZE[dtype]
        inplace = {
            t.index: inplace_distance(fr, size, size)
            for pos, (t, fr) in enumerate(zip((a, b), firsts))
            if pos not in consts
        }
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                ptype,
                params,
                [t.index for pos, t in enumerate((a, b)) if pos not in consts],
                [y.index],
                arrays,
                inplace,
                const_inputs=consts,
            )
        )

    # ------------------------------------------------------------- activations

    def op_relu(self, op: Op) -> None:
        s16 = self._is_16x8(op)
        x, y = self._unary_io(op, "int16" if s16 else "int8")
        (si, zi), (so, zo) = _q(x), _q(y)
        if s16 and (zi or zo):
            raise unsupported(self.model, op, "int16 RELU needs zero points of 0")
        m, s = self._multiplier(op, _ratio(si, so))
        lo, hi = (-32768, 32767) if s16 else (-128, 127)
        # CalculateReluOpData: act_min = zero point + round(0 / scale), act_max = the type's max
        self._elementwise(
            op,
            "td_relu_s16" if s16 else "td_relu_s8",
            "td_relu_params",
            dict(input_zero_point=zi, output_zero_point=zo, multiplier=m, shift=s, act_min=max(lo, zo), act_max=hi),
            x,
            y,
        )

    def op_relu6(self, op: Op) -> None:
        # TFLite Micro's int8 and int16 RELU6 clamp the raw input to [zero, six] on the
        # *input* scale and ignore the output's quantization
        s16 = self._is_16x8(op)
        x, y = self._unary_io(op, "int16" if s16 else "int8")
        si, zi = _q(x)
        lo, hi = (-32768, 32767) if s16 else (-128, 127)
        six = int(np.clip(quant.tflite_round(float(np.float32(6.0) / np.float32(si))) + zi, lo, hi))
        self._elementwise(
            op,
            "td_relu_s16" if s16 else "td_relu_s8",
            "td_relu_params",
            dict(
                input_zero_point=0,
                output_zero_point=0,
                multiplier=IDENTITY[0],
                shift=IDENTITY[1],
                act_min=zi,
                act_max=six,
            ),
            x,
            y,
        )

    def op_leaky_relu(self, op: Op) -> None:
        s16 = self._is_16x8(op)
        x, y = self._unary_io(op, "int16" if s16 else "int8")
        (si, zi), (so, zo) = _q(x), _q(y)
        alpha = np.float32(op.options.get("alpha", 0.2))
        if s16:
            # the installed tflite-micro (the oracle) forms the alpha ratio in double: with
            # int16 inputs the float product of the source we read is 1 step off at times
            ma, sa = self._multiplier(op, float(np.float32(si)) * float(alpha) / float(np.float32(so)))
        else:
            # float products, widened to double (CalculateOpDataLeakyRelu)
            ma, sa = self._multiplier(op, float(np.float32(si) * alpha / np.float32(so)))
        mi, s_i = self._multiplier(op, _ratio(si, so))
        self._elementwise(
            op,
            "td_leaky_relu_s16" if s16 else "td_leaky_relu_s8",
            "td_leaky_relu_params",
            dict(
                input_zero_point=zi,
                output_zero_point=zo,
                multiplier_identity=mi,
                shift_identity=s_i,
                multiplier_alpha=ma,
                shift_alpha=sa,
            ),
            x,
            y,
        )

    def op_hard_swish(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        hires = np.float32(1.0 / 128.0) * np.float32(si)
        mo, eo = quant.quantize_multiplier(float(hires / np.float32(so)))
        mr, er = quant.quantize_multiplier(float(hires / (np.float32(3.0) / np.float32(32768.0))))
        if eo > 0 or eo < -15 or not -15 <= er <= 15:
            raise unsupported(
                self.model, op, "input and output scales too far apart for the 16-bit fixed-point HARD_SWISH"
            )
        self._elementwise(
            op,
            "td_hard_swish_s8",
            "td_hard_swish_params",
            dict(
                input_zero_point=zi,
                output_zero_point=zo,
                output_multiplier=quant.downscale_multiplier_int16(mo),
                output_exponent=eo,
                reluish_multiplier=quant.downscale_multiplier_int16(mr),
                reluish_exponent=er,
            ),
            x,
            y,
        )

    def op_abs(self, op: Op) -> None:
        # int8, and quantized int16 with zero points of 0 (TFLite Micro checks them; its
        # unquantized int16 ABS wraps -32768 instead of saturating: not supported here)
        dtype = "int16" if self._is_16x8(op) else "int8"
        x = self.t(op.inputs[0])
        if dtype == "int16" and (x.quant is None or not x.quant.scale):
            raise unsupported(
                self.model, op, f"tensor {x.name!r} is an unquantized int16 (TFLite Micro's abs wraps -32768 there)"
            )
        x, y = self._unary_io(op, dtype)
        (si, zi), (so, zo) = _q(x), _q(y)
        if dtype == "int16" and (zi or zo):
            raise unsupported(self.model, op, "int16 tensors with a non-zero zero point")
        same = np.float32(si) == np.float32(so)  # TFLite Micro skips the multiply then
        m, s = IDENTITY if same else self._multiplier(op, _ratio(si, so))
        size = ITEMSIZE[dtype]
        params = dict(input_zero_point=zi, output_zero_point=zo, multiplier=m, shift=s)
        self._elementwise(op, "td_abs", "td_requantize_params", dict(params, in_itemsize=size, out_itemsize=size), x, y)

    def op_prelu(self, op: Op) -> None:
        # int16 x and output with an int8 alpha too (TFLite Micro requires int8 alpha there)
        dtype = "int16" if self._is_16x8(op) else "int8"
        x = self.act(op, op.inputs[0], dtype)
        alpha = self.const(op, op.inputs[1], "alpha")
        y = self.act(op, op.outputs[0], dtype)
        for t in (x, y):
            if t.quant is None or not t.quant.scale:
                raise unsupported(self.model, op, f"tensor {t.name!r} is not quantized")
        if alpha.dtype != "int8" or alpha.quant is None or not alpha.quant.scale:
            raise unsupported(
                self.model, op, f"alpha {alpha.name!r} is {alpha.dtype}, only quantized int8 is supported"
            )
        bc, firsts = self._broadcast(op, x, alpha, y)
        (si, zi), (so, zo) = _q(x), _q(y)
        sa, za = float(alpha.quant.scale[0]), int(alpha.quant.zero_point[0])
        m1, s1 = self._multiplier(op, float(si) / float(so))
        m2, s2 = self._multiplier(op, float(si) * sa / float(so))
        name = f"op{op.index}_alpha"
        arr = ConstArray(name, "int8_t", np.asarray(alpha.data).ravel(), "weights")
        params = dict(
            bc=bc,
            input_offset=-zi,
            alpha_offset=-za,
            output_offset=zo,
            multiplier_1=m1,
            shift_1=s1,
            multiplier_2=m2,
            shift_2=s2,
            alpha=name,
            itemsize=ITEMSIZE[dtype],
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_prelu",
                "td_prelu_params",
                params,
                [x.index],
                [y.index],
                [arr],
                {x.index: inplace_distance(firsts[0], ITEMSIZE[dtype], ITEMSIZE[dtype])},
            )
        )

    # ------------------------------------------------------------- binary

    def op_sub(self, op: Op) -> None:
        if self._is_int32(op):
            return self.arith_i32(op)
        if self._is_16x8(op):
            return self.sub_s16(op)

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            act_min, act_max = self.activation(op, y)
            # the snapshot's CalculateOpDataSub divides float scales; the installed
            # tflite-micro (the oracle) behaves as ADD's double ratios do
            return dict(
                input1_offset=-z1,
                input2_offset=-z2,
                **quant.add_params(s1, s2, so),
                output_offset=zo,
                act_min=act_min,
                act_max=act_max,
            )

        self._binary(op, "td_sub_s8", "td_add_params", make)

    def op_add_n(self, op: Op) -> None:
        ins = [self.act(op, i) for i in op.inputs]
        y = self.act(op, op.outputs[0])
        if any(t.size != y.size for t in ins) or len({t.index for t in ins}) != len(ins):
            raise unsupported(self.model, op, "inputs of different sizes, or one input twice")
        (si, zi), (so, zo) = _q(ins[0]), _q(y)
        if any(_q(t) != (si, zi) for t in ins):
            raise unsupported(self.model, op, "the inputs are quantized differently")
        # ADD's scheme with one input scale: the ratios in double, 20 bits of headroom
        twice = 2.0 * float(si)
        mi, shi = quant.quantize_multiplier_smaller_than_one(float(si) / twice)
        mo, sho = quant.quantize_multiplier_smaller_than_one(twice / ((1 << 20) * float(so)))
        params = dict(
            size=y.size,
            num_inputs=len(ins),
            input_offset=-zi,
            left_shift=20,
            input_multiplier=mi,
            input_shift=shi,
            output_multiplier=mo,
            output_shift=sho,
            output_offset=zo,
        )
        self.steps.append(
            Step(
                op.index, op.opcode, "td_add_n_s8", "td_add_n_params", params, [t.index for t in ins], [y.index], [], {}
            )
        )

    def op_squared_difference(self, op: Op) -> None:
        if self._is_int32(op):
            return self.arith_i32(op)

        # int16: no headroom shift, zero points of 0 (TFLite Micro checks them)
        dtype = "int16" if self._is_16x8(op) else "int8"

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            if dtype == "int16" and (z1 or z2 or zo):
                raise unsupported(self.model, op, "int16 tensors with a non-zero zero point")
            p = quant.squared_difference_params(s1, s2, so, 0 if dtype == "int16" else 7)
            if p["output_shift"] > 30:
                raise unsupported(
                    self.model, op, "output scale too small for the squared difference of the input scales"
                )
            return dict(input1_offset=-z1, input2_offset=-z2, **p, output_offset=zo, itemsize=ITEMSIZE[dtype])

        if len(self.t(op.outputs[0]).shape) > 4 or any(len(self.t(i).shape) > 4 for i in op.inputs):
            raise unsupported(self.model, op, "more than 4 dimensions")
        self._binary(op, "td_squared_difference", "td_squared_diff_params", make, dtype)

    def op_maximum(self, op: Op) -> None:
        # TFLite Micro takes the raw values of int8, int16 and int32 (and int64, float32)
        t = self.t(op.inputs[0])
        if t.dtype not in ("int8", "int16", "int32"):
            raise unsupported(
                self.model, op, f"tensor {t.name!r} is {t.dtype}, only int8, int16 and int32 are supported here"
            )
        params = {"op": registry.MINMAX[op.opcode], "itemsize": ITEMSIZE[t.dtype]}
        self._binary(op, "td_minmax", "td_minmax_params", lambda a, b, y: params, t.dtype)

    op_minimum = op_maximum

    # ------------------------------------------------------------- transpose conv, matmul

    def transpose_conv_window(self, op: Op, x: Tensor, w: Tensor, y: Tensor) -> dict[str, int]:
        """TRANSPOSE_CONV's shapes, strides and padding (int8 and 16x8 alike), checked."""
        n, ih, iw, ic = (int(v) for v in x.shape)
        on, oh, ow, oc = (int(v) for v in y.shape)
        occ, kh, kw, fc = (int(v) for v in w.shape)
        if fc != ic or occ != oc or on != n:
            raise unsupported(self.model, op, "filter and tensor shapes do not match")
        o = op.options
        sh, sw = int(o.get("stride_h", 1)), int(o.get("stride_w", 1))
        # the padding of the forward convolution from the output back to the input
        fwd_h, ph = _padding(o.get("padding", "VALID"), sh, 1, oh, kh)
        fwd_w, pw = _padding(o.get("padding", "VALID"), sw, 1, ow, kw)
        if (fwd_h, fwd_w) != (ih, iw):
            raise unsupported(self.model, op, "input shape disagrees with padding and strides")
        return dict(
            batches=n,
            in_h=ih,
            in_w=iw,
            in_c=ic,
            out_h=oh,
            out_w=ow,
            out_c=oc,
            filter_h=kh,
            filter_w=kw,
            filter_c=ic,
            stride_h=sh,
            stride_w=sw,
            dilation_h=1,
            dilation_w=1,
            pad_h=ph,
            pad_w=pw,
        )

    def op_transpose_conv(self, op: Op) -> None:
        # inputs: output shape, filter [out_c][kh][kw][in_c], input, optional bias
        if self.t(op.inputs[2]).dtype == "int16":
            return self.transpose_conv_s16(op)
        w = self.const(op, op.inputs[1], "filter")
        x = self.act(op, op.inputs[2])
        y = self.act(op, op.outputs[0])
        window = self.transpose_conv_window(op, x, w, y)
        oc = window["out_c"]
        scales, per_channel = self._filter_quant(op, w, oc, 0)
        (s_in, z_in), (s_out, z_out) = _q(x), _q(y)
        mults, shifts = quant.per_channel_multipliers(s_in, scales if per_channel else scales * oc, s_out)
        act_min, act_max = self.activation(op, y)
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_filter", "int8_t", np.asarray(w.data), "weights")]
        bias = None
        if len(op.inputs) > 3 and op.inputs[3] >= 0:
            b = self.const(op, op.inputs[3], "bias")
            if b.dtype != "int32" or b.size != oc:
                raise unsupported(self.model, op, "bias is not int32 with one value per channel")
            bias = np.asarray(b.data).ravel()
            arrays.append(ConstArray(f"{pre}_bias", "int32_t", bias, "weights"))
        qa, qrefs = self._quant_arrays(op, pre, mults, shifts, per_channel)
        arrays += qa
        params = dict(
            **window,
            input_offset=-z_in,
            output_offset=z_out,
            act_min=act_min,
            act_max=act_max,
            filter=f"{pre}_filter",
            bias=f"{pre}_bias" if bias is not None else None,
            **qrefs,
            folded_bias=None,
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_transpose_conv2d_s8",
                "td_conv_params",
                params,
                [x.index],
                [y.index],
                arrays,
                {},
            )
        )

    def op_batch_matmul(self, op: Op) -> None:
        s16 = self._is_16x8(op)  # int16 operands and output, zero points 0
        dtype = "int16" if s16 else "int8"
        (a, b), consts, arrays = self._operands(op, dtype)
        y = self.act(op, op.outputs[0], dtype)
        adj_x = bool(op.options.get("adj_x", False))
        adj_y = bool(op.options.get("adj_y", False))
        if len(a.shape) < 2 or len(b.shape) < 2:
            raise unsupported(self.model, op, "operands of fewer than 2 dimensions")
        rows, depth = (a.shape[-1], a.shape[-2]) if adj_x else (a.shape[-2], a.shape[-1])
        depth_b, cols = (b.shape[-1], b.shape[-2]) if adj_y else (b.shape[-2], b.shape[-1])
        if depth != depth_b:
            raise unsupported(self.model, op, "the operands' inner dimensions differ")
        ba = int(np.prod(a.shape[:-2], dtype=np.int64))
        bb = int(np.prod(b.shape[:-2], dtype=np.int64))
        nd = max(len(a.shape), len(b.shape)) - 2
        pa = [1] * (nd - len(a.shape) + 2) + list(a.shape[:-2])
        pb = [1] * (nd - len(b.shape) + 2) + list(b.shape[:-2])
        if not (pa == pb or ba == 1 or bb == 1):
            raise unsupported(self.model, op, "batch dimensions that broadcast partially")
        batches = max(ba, bb)
        if y.size != batches * rows * cols:
            raise unsupported(self.model, op, "output size does not match the operands")
        (sa, za), (sb, zb), (so, zo) = _q(a), _q(b), _q(y)
        if s16 and (za, zb, zo) != (0, 0, 0):
            raise unsupported(self.model, op, "int16 operands and output need zero points of 0")
        m, s = self._multiplier(op, float(sa) * float(sb) / float(so))
        if s16:
            self._s16_quant(op, f"op{op.index}", [m], [s])  # the 64-bit requantization's shift range
        params = dict(
            batches=batches,
            rows=int(rows),
            cols=int(cols),
            depth=int(depth),
            lhs_batch_stride=0 if ba == 1 else int(rows * depth),
            rhs_batch_stride=0 if bb == 1 else int(depth * cols),
            adj_x=int(adj_x),
            adj_y=int(adj_y),
            lhs_offset=-za,
            rhs_offset=-zb,
            output_offset=zo,
            multiplier=m,
            shift=s,
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_batch_matmul_s16" if s16 else "td_batch_matmul_s8",
                "td_batch_matmul_params",
                params,
                [t.index for pos, t in enumerate((a, b)) if pos not in consts],
                [y.index],
                arrays,
                {},
                const_inputs=consts,
            )
        )

    # ------------------------------------------------------------- reductions

    def op_sum(self, op: Op) -> None:
        # QuantizedMeanOrSum with compute_sum: MEAN without the 1/count folded into the
        # multiplier; the same kernel, the zero point still subtracted count times
        self.op_mean(op)
        (si, _), (so, _) = _q(self.t(op.inputs[0])), _q(self.t(op.outputs[0]))
        m, s = self._multiplier(op, float(si) / float(so))
        self.steps[-1].params.update(multiplier=m, shift=s)

    def op_reduce_max(self, op: Op) -> None:
        if self._is_16x8(op):
            raise unsupported(self.model, op, f"int16 {op.opcode}")
        if _q(self.t(op.inputs[0])) != _q(self.t(op.outputs[0])):
            raise unsupported(self.model, op, "input and output quantization differ")
        self.op_mean(op)  # the same shapes and params
        self.steps[-1].kernel = "td_" + op.opcode.lower() + "_s8"

    op_reduce_min = op_reduce_max

    # ------------------------------------------------------------- division, square roots

    def op_div(self, op: Op) -> None:
        if self._is_int32(op):
            return self.arith_i32(op)

        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            f32 = np.float32
            # CalculateOpDataDiv: in1 / (in2 * out), float arithmetic widened to double
            m, s = self._multiplier(op, float(f32(s1) / (f32(s2) * f32(so))))
            act_min, act_max = self.activation(op, y)
            return dict(
                input1_offset=-z1,
                input2_offset=-z2,
                output_offset=zo,
                output_multiplier=m,
                output_shift=s,
                act_min=act_min,
                act_max=act_max,
            )

        self._binary(op, "td_div_s8", "td_div_params", make)

    def op_rsqrt(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        # SetRsqrtOutputMultiplier: 1 / (sqrt(float scale) * float scale), in double
        m, s = quant.quantize_multiplier(1.0 / float(np.sqrt(np.float32(si)) * np.float32(so)))
        if s > 50:
            raise unsupported(self.model, op, "output scale too small")
        self._elementwise(
            op,
            "td_rsqrt_s8",
            "td_requantize_params",
            dict(input_zero_point=zi, output_zero_point=zo, multiplier=m, shift=s, in_itemsize=1, out_itemsize=1),
            x,
            y,
        )

    def op_l2_normalization(self, op: Op) -> None:
        x, y = self._unary_io(op)
        if op.options.get("fused_activation_function", "NONE") != "NONE":
            raise unsupported(self.model, op, "fused activation on L2_NORMALIZATION")
        depth = int(x.shape[-1]) if x.shape else 1
        params = dict(outer=x.size // depth, depth=depth, input_zero_point=_q(x)[1])
        # each row is read whole before any of it is written: no in-place partner
        self.steps.append(
            Step(
                op.index, op.opcode, "td_l2_normalization_s8", "td_l2norm_params", params, [x.index], [y.index], [], {}
            )
        )

    def op_log_softmax(self, op: Op) -> None:
        x, y = self._unary_io(op)
        so, zo = _q(y)
        if zo != 127 or np.float32(so) != np.float32(16.0 / 256):
            raise unsupported(self.model, op, "int8 LOG_SOFTMAX output must have scale 16/256 and zero point 127")
        # PreprocessLogSoftmaxScalingExp: SOFTMAX's scaling (beta 1, 5 integer bits) and
        # its inverse as a multiplier below one
        sp = quant.softmax_params(1.0, _q(x)[0])
        real = float(1 << (31 - sp["input_left_shift"])) / float(sp["input_multiplier"])
        rm, rs = quant.quantize_multiplier(real)
        if rs > 0:
            raise unsupported(self.model, op, "input scale out of range")
        depth = int(x.shape[-1]) if x.shape else 1
        params = dict(outer=x.size // depth, depth=depth, **sp, reverse_scaling_divisor=rm, reverse_scaling_shift=rs)
        self.steps.append(
            Step(
                op.index, op.opcode, "td_log_softmax_s8", "td_log_softmax_params", params, [x.index], [y.index], [], {}
            )
        )

    def op_elu(self, op: Op) -> None:
        x, y = self._unary_io(op)
        table = quant.elu_table(*_q(x), *_q(y))
        name = f"op{op.index}_table"
        arr = ConstArray(name, "int8_t", table.astype(np.int8).astype(np.int64), "params")
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_lut_s8",
                "td_lut_params",
                dict(size=x.size, table=name),
                [x.index],
                [y.index],
                [arr],
                {x.index: inplace_distance(np.arange(x.size), 1, 1)},
            )
        )
