"""Lowering of the ops beyond the MLPerf Tiny set: activations, broadcasting
element-wise ops and data movement (issue 17).

A mixin of :class:`tinydeploy.compile.lower.Lowering`: each ``op_<name>`` method is
TFLite Micro's Prepare of that op (read from its kernels/*_common.cc), done in
Python, appending one :class:`Step`. The float arithmetic of each Prepare is kept:
where TFLite Micro divides two float scales before widening to double, so do we
(np.float32), or the multipliers would differ in the last bit.

Data movement that copies each output element from one input element whose offset
is a sum of one term per output dimension (transpose, slices, gather, depth/space,
mirror pad, nearest-neighbour resize) lowers to one kernel, td_remap_s8, with a
table of offsets per dimension.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tinydeploy.compile import quant
from tinydeploy.compile.lower import (ConstArray, Step, _padding, _q, inplace_distance,
                                      unsupported)
from tinydeploy.model.ir import Op, Tensor

if TYPE_CHECKING:
    from tinydeploy.compile.lower import Lowering

    _Base = Lowering
else:
    _Base = object

IDENTITY = (1 << 30, 1)  # MultiplyByQuantizedMultiplier(x, 2^30, 1) == x exactly


def _f32_ratio(a: float, b: float) -> float:
    """static_cast<double>(a / b) of two float scales (a float division)."""
    return float(np.float32(a) / np.float32(b))


def _strides(shape: list[int]) -> list[int]:
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return out[::-1]


def _ints(t: Tensor) -> list[int]:
    return [int(v) for v in np.asarray(t.data).ravel()]


class OpsMixin(_Base):
    """The ``op_<name>`` methods of the added ops (see the module docstring)."""

    # ------------------------------------------------------------- helpers

    def _elementwise(self, op: Op, kernel: str, ptype: str, params: dict[str, Any],
                     x: Tensor, y: Tensor) -> None:
        self.steps.append(Step(op.index, op.opcode, kernel, ptype, dict(size=x.size, **params),
                               [x.index], [y.index], [],
                               {x.index: inplace_distance(np.arange(x.size), 1, 1)}))

    def _unary_io(self, op: Op) -> tuple[Tensor, Tensor]:
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        if x.size != y.size:
            raise unsupported(self.model, op, "input and output sizes differ")
        return x, y

    def _multiplier(self, op: Op, real: float) -> tuple[int, int]:
        m, s = quant.quantize_multiplier(real)
        if s > 30 or m == -(1 << 31):
            raise unsupported(self.model, op, f"requantization scale {real:g} is out of range")
        return m, s

    def _operands(self, op: Op) -> tuple[list[Tensor], dict[int, str], list[ConstArray]]:
        """The two operands of a binary op: activations, or int8 constants passed to
        the kernel as arrays in flash (``x - 0.5``, ``maximum(x, 0.1)``)."""
        ts, consts, arrays = [], {}, []
        for pos, idx in enumerate(op.inputs[:2]):
            t = self.t(idx)
            if t.data is None:
                ts.append(self.act(op, idx))
                continue
            if t.dtype != "int8" or t.quant is None or not t.quant.scale:
                raise unsupported(self.model, op, f"constant operand {t.name!r} is {t.dtype}, "
                                                  "only quantized int8 constants are supported")
            name = f"op{op.index}_operand{pos}"
            arrays.append(ConstArray(name, "int8_t", np.asarray(t.data).ravel(), "weights"))
            consts[pos] = name
            ts.append(t)
        if len(consts) == 2:
            raise unsupported(self.model, op, "both operands are constants (fold them)")
        return ts, consts, arrays

    def _binary(self, op: Op, kernel: str, ptype: str,
                make: Any) -> None:
        (a, b), consts, arrays = self._operands(op)
        y = self.act(op, op.outputs[0])
        bc, firsts = self._broadcast(op, a, b, y)
        params = make(a, b, y)
        params["bc"] = bc
        inplace = {t.index: inplace_distance(fr, 1, 1)
                   for pos, (t, fr) in enumerate(zip((a, b), firsts)) if pos not in consts}
        self.steps.append(Step(op.index, op.opcode, kernel, ptype, params,
                               [t.index for pos, t in enumerate((a, b)) if pos not in consts],
                               [y.index], arrays, inplace, const_inputs=consts))

    # ------------------------------------------------------------- activations

    def op_relu(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        m, s = self._multiplier(op, _f32_ratio(si, so))
        # CalculateReluOpData: act_min = zero point + round(0 / scale), act_max = int8 max
        self._elementwise(op, "td_relu_s8", "td_relu_params",
                          dict(input_zero_point=zi, output_zero_point=zo, multiplier=m, shift=s,
                               act_min=max(-128, zo), act_max=127), x, y)

    def op_relu6(self, op: Op) -> None:
        # TFLite Micro's int8 RELU6 clamps the raw input to [zero, six] on the *input*
        # scale and ignores the output's quantization
        x, y = self._unary_io(op)
        si, zi = _q(x)
        six = int(np.clip(quant.tflite_round(float(np.float32(6.0) / np.float32(si))) + zi,
                          -128, 127))
        self._elementwise(op, "td_relu_s8", "td_relu_params",
                          dict(input_zero_point=0, output_zero_point=0, multiplier=IDENTITY[0],
                               shift=IDENTITY[1], act_min=zi, act_max=six), x, y)

    def op_leaky_relu(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        alpha = np.float32(op.options.get("alpha", 0.2))
        # float products, widened to double (CalculateOpDataLeakyRelu)
        ma, sa = self._multiplier(op, float(np.float32(si) * alpha / np.float32(so)))
        mi, s_i = self._multiplier(op, _f32_ratio(si, so))
        self._elementwise(op, "td_leaky_relu_s8", "td_leaky_relu_params",
                          dict(input_zero_point=zi, output_zero_point=zo, multiplier_identity=mi,
                               shift_identity=s_i, multiplier_alpha=ma, shift_alpha=sa), x, y)

    def op_hard_swish(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        hires = np.float32(1.0 / 128.0) * np.float32(si)
        mo, eo = quant.quantize_multiplier(float(hires / np.float32(so)))
        mr, er = quant.quantize_multiplier(float(hires / (np.float32(3.0) / np.float32(32768.0))))
        if eo > 0 or eo < -15 or not -15 <= er <= 15:
            raise unsupported(self.model, op, "input and output scales too far apart for the "
                                              "16-bit fixed-point HARD_SWISH")
        self._elementwise(op, "td_hard_swish_s8", "td_hard_swish_params",
                          dict(input_zero_point=zi, output_zero_point=zo,
                               output_multiplier=quant.downscale_multiplier_int16(mo),
                               output_exponent=eo,
                               reluish_multiplier=quant.downscale_multiplier_int16(mr),
                               reluish_exponent=er), x, y)

    def op_abs(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        same = np.float32(si) == np.float32(so)  # TFLite Micro skips the multiply then
        m, s = IDENTITY if same else self._multiplier(op, _f32_ratio(si, so))
        self._elementwise(op, "td_abs_s8", "td_requantize_params",
                          dict(input_zero_point=zi, output_zero_point=zo, multiplier=m, shift=s),
                          x, y)

    def op_prelu(self, op: Op) -> None:
        x = self.act(op, op.inputs[0])
        alpha = self.const(op, op.inputs[1], "alpha")
        y = self.act(op, op.outputs[0])
        if alpha.dtype != "int8" or alpha.quant is None or not alpha.quant.scale:
            raise unsupported(self.model, op, f"alpha {alpha.name!r} is {alpha.dtype}, only "
                                              "quantized int8 is supported")
        bc, firsts = self._broadcast(op, x, alpha, y)
        (si, zi), (so, zo) = _q(x), _q(y)
        sa, za = float(alpha.quant.scale[0]), int(alpha.quant.zero_point[0])
        m1, s1 = self._multiplier(op, float(si) / float(so))
        m2, s2 = self._multiplier(op, float(si) * sa / float(so))
        name = f"op{op.index}_alpha"
        arr = ConstArray(name, "int8_t", np.asarray(alpha.data).ravel(), "weights")
        params = dict(bc=bc, input_offset=-zi, alpha_offset=-za, output_offset=zo,
                      multiplier_1=m1, shift_1=s1, multiplier_2=m2, shift_2=s2, alpha=name)
        self.steps.append(Step(op.index, op.opcode, "td_prelu_s8", "td_prelu_params", params,
                               [x.index], [y.index], [arr],
                               {x.index: inplace_distance(firsts[0], 1, 1)}))

    # ------------------------------------------------------------- binary

    def op_sub(self, op: Op) -> None:
        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            act_min, act_max = self.activation(op, y)
            # the snapshot's CalculateOpDataSub divides float scales; the installed
            # tflite-micro (the oracle) behaves as ADD's double ratios do
            return dict(input1_offset=-z1, input2_offset=-z2, **quant.add_params(s1, s2, so),
                        output_offset=zo, act_min=act_min, act_max=act_max)

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
        params = dict(size=y.size, num_inputs=len(ins), input_offset=-zi, left_shift=20,
                      input_multiplier=mi, input_shift=shi, output_multiplier=mo,
                      output_shift=sho, output_offset=zo)
        self.steps.append(Step(op.index, op.opcode, "td_add_n_s8", "td_add_n_params", params,
                               [t.index for t in ins], [y.index], [], {}))

    def op_squared_difference(self, op: Op) -> None:
        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            p = quant.squared_difference_params(s1, s2, so)
            if p["output_shift"] > 30:
                raise unsupported(self.model, op, "output scale too small for the squared "
                                                  "difference of the input scales")
            return dict(input1_offset=-z1, input2_offset=-z2, **p, output_offset=zo)

        if len(self.t(op.outputs[0]).shape) > 4 or any(
                len(self.t(i).shape) > 4 for i in op.inputs):
            raise unsupported(self.model, op, "more than 4 dimensions")
        self._binary(op, "td_squared_difference_s8", "td_squared_diff_params", make)

    def op_maximum(self, op: Op) -> None:
        self._binary(op, "td_maximum_s8", "td_minmax_params", lambda a, b, y: {})

    def op_minimum(self, op: Op) -> None:
        self._binary(op, "td_minimum_s8", "td_minmax_params", lambda a, b, y: {})

    # ------------------------------------------------------------- data movement

    def _remap(self, op: Op, x: Tensor, y: Tensor, shape: list[int],
               tables: list[np.ndarray]) -> None:
        """Output (viewed with ``shape``) element i0.. copies input sum(tables[d][id])."""
        if not shape:
            shape, tables = [1], [np.zeros(1, np.int64)]
        if len(shape) > 6:
            raise unsupported(self.model, op, "more than 6 dimensions")
        if int(np.prod(shape)) != y.size or y.size == 0:
            raise unsupported(self.model, op, "output shape does not match the operands")
        src = np.zeros(shape, np.int64)
        for d, tab in enumerate(tables):
            tab = np.asarray(tab, np.int64)
            if tab.size != shape[d]:
                raise ValueError(f"table {d} has {tab.size} entries for a dimension of {shape[d]}")
            view = [1] * len(shape)
            view[d] = shape[d]
            src = src + tab.reshape(view)
        if src.min() < 0 or src.max() >= x.size:
            raise unsupported(self.model, op, "an index is out of range")
        name = f"op{op.index}_map"
        arr = ConstArray(name, "int32_t", np.concatenate([np.asarray(t, np.int64)
                                                          for t in tables]), "params")
        params = dict(size=y.size, dims=len(shape), shape=list(shape) + [0] * (6 - len(shape)),
                      map=name)
        self.steps.append(Step(op.index, op.opcode, "td_remap_s8", "td_remap_params", params,
                               [x.index], [y.index], [arr],
                               {x.index: inplace_distance(src.ravel(), 1, 1)}))

    def _mover_io(self, op: Op) -> tuple[Tensor, Tensor, list[int], list[int]]:
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        xs = [int(v) for v in x.shape]
        return x, y, xs, _strides(xs)

    def op_transpose(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        perm = _ints(self.const(op, op.inputs[1], "permutation"))
        if sorted(perm) != list(range(len(xs))):
            raise unsupported(self.model, op, f"permutation {perm} is not one of the axes")
        shape = [xs[p] for p in perm]
        self._remap(op, x, y, shape, [np.arange(n) * st[p] for n, p in zip(shape, perm)])

    def op_slice(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        begin = _ints(self.const(op, op.inputs[1], "begin"))
        size = _ints(self.const(op, op.inputs[2], "size"))
        shape, tables = [], []
        for d, n in enumerate(xs):
            b = begin[d]
            s = n - b if size[d] == -1 else size[d]
            if b < 0 or s < 0 or b + s > n:
                raise unsupported(self.model, op, f"slice [{b}, {b + s}) of a dimension of {n}")
            shape.append(s)
            tables.append((b + np.arange(s)) * st[d])
        self._remap(op, x, y, shape, tables)

    def op_strided_slice(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        o = op.options
        if o.get("ellipsis_mask", 0) or o.get("new_axis_mask", 0) or o.get("offset", False):
            raise unsupported(self.model, op, "ellipsis, new-axis and offset masks are not "
                                              "supported")
        begin = _ints(self.const(op, op.inputs[1], "begin"))
        end = _ints(self.const(op, op.inputs[2], "end"))
        strides = (_ints(self.const(op, op.inputs[3], "strides")) if len(op.inputs) > 3
                   else [1] * len(begin))
        bm, em, sm = (int(o.get(k, 0)) for k in ("begin_mask", "end_mask", "shrink_axis_mask"))
        shape: list[int] = []
        tables: list[np.ndarray] = []
        fixed = 0  # offset of the shrunk dimensions
        for d, n in enumerate(xs):
            if d >= len(begin):  # unspecified trailing dimensions are taken whole
                shape.append(n)
                tables.append(np.arange(n) * st[d])
                continue
            if strides[d] == 0:
                raise unsupported(self.model, op, "a stride of 0")
            if sm >> d & 1:
                i = begin[d] + n if begin[d] < 0 else begin[d]
                if not 0 <= i < n:
                    raise unsupported(self.model, op, f"index {begin[d]} out of range")
                fixed += i * st[d]
                continue
            # Python's slice clamping is TFLite's StartForAxis / StopForAxis
            sl = slice(None if bm >> d & 1 else begin[d], None if em >> d & 1 else end[d],
                       strides[d])
            idx = np.arange(n)[sl]
            if idx.size == 0:
                raise unsupported(self.model, op, "an empty slice")
            shape.append(int(idx.size))
            tables.append(idx * st[d])
        if tables:
            tables[0] = tables[0] + fixed
        else:
            shape, tables = [1], [np.array([fixed])]
        self._remap(op, x, y, shape, tables)

    def op_gather(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        ind = self.const(op, op.inputs[1], "indices")
        if int(op.options.get("batch_dims", 0)) != 0:
            raise unsupported(self.model, op, "batch_dims is not 0")
        axis = int(op.options.get("axis", 0))
        axis = axis + len(xs) if axis < 0 else axis
        idx = np.asarray(ind.data, np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= xs[axis]):
            raise unsupported(self.model, op, "an index is out of range")
        # the index dimensions flattened into one: the same bytes
        shape = xs[:axis] + [int(idx.size)] + xs[axis + 1:]
        tables = [np.arange(n) * st[d] for d, n in enumerate(xs[:axis])]
        tables.append(idx * st[axis])
        tables += [np.arange(n) * st[axis + 1 + d] for d, n in enumerate(xs[axis + 1:])]
        self._remap(op, x, y, shape, tables)

    def op_space_to_depth(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        b = int(op.options.get("block_size", 0))
        if len(xs) != 4 or b < 1 or xs[1] % b or xs[2] % b:
            raise unsupported(self.model, op, "height and width must be multiples of the block")
        n, h, w, c = xs
        # output [n][h/b][w/b][by][bx][c] = input [n][h/b*b + by][w/b*b + bx][c]
        shape = [n, h // b, w // b, b, b, c]
        tables = [np.arange(n) * h * w * c, np.arange(h // b) * b * w * c,
                  np.arange(w // b) * b * c, np.arange(b) * w * c, np.arange(b) * c,
                  np.arange(c)]
        self._remap(op, x, y, shape, tables)

    def op_depth_to_space(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        b = int(op.options.get("block_size", 0))
        if len(xs) != 4 or b < 1 or xs[3] % (b * b):
            raise unsupported(self.model, op, "channels must be a multiple of block^2")
        n, h, w, ci = xs
        c = ci // (b * b)
        # output [n][h][by][w][bx][c] = input [n][h][w][(by * b + bx) * c + c']
        shape = [n, h, b, w, b, c]
        tables = [np.arange(n) * h * w * ci, np.arange(h) * w * ci, np.arange(b) * b * c,
                  np.arange(w) * ci, np.arange(b) * c, np.arange(c)]
        self._remap(op, x, y, shape, tables)

    def op_mirror_pad(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        pads = np.asarray(self.const(op, op.inputs[1], "paddings").data, np.int64).reshape(-1, 2)
        mode = op.options.get("mode", 0)
        symmetric = mode in (1, "SYMMETRIC")
        shape, tables = [], []
        for d, n in enumerate(xs):
            lo, hi = int(pads[d, 0]), int(pads[d, 1])
            limit = n if symmetric else n - 1
            if lo < 0 or hi < 0 or lo > limit or hi > limit:
                raise unsupported(self.model, op, f"padding {lo}, {hi} of a dimension of {n}")
            i = np.arange(n + lo + hi) - lo
            refl = np.where(i < 0, -i - (1 if symmetric else 0), i)
            refl = np.where(refl >= n, 2 * n - (1 if symmetric else 2) - refl, refl)
            shape.append(n + lo + hi)
            tables.append(refl * st[d])
        self._remap(op, x, y, shape, tables)

    def op_resize_nearest_neighbor(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        size = _ints(self.const(op, op.inputs[1], "size"))
        if len(xs) != 4 or len(size) != 2:
            raise unsupported(self.model, op, "expected a 4-D input and a size of 2")
        align = bool(op.options.get("align_corners", False))
        half = bool(op.options.get("half_pixel_centers", False))

        def nearest(out_size: int, in_size: int) -> np.ndarray:
            # GetNearestNeighbor, in float32 as TFLite computes it
            f32 = np.float32
            scale = (f32(in_size - 1) / f32(out_size - 1) if align and out_size > 1
                     else f32(in_size) / f32(out_size))
            v = (np.arange(out_size, dtype=f32) + f32(0.5 if half else 0.0)) * scale
            r = (np.sign(v) * np.floor(np.abs(v) + f32(0.5)) if align else np.floor(v))
            r = np.minimum(r.astype(np.int64), in_size - 1)
            return np.maximum(r, 0) if half else r

        n, h, w, c = xs
        oh, ow = size
        tables = [np.arange(n) * st[0], nearest(oh, h) * st[1], nearest(ow, w) * st[2],
                  np.arange(c)]
        self._remap(op, x, y, [n, oh, ow, c], tables)

    def op_reverse_v2(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        axes = {a + len(xs) if a < 0 else a for a in _ints(self.const(op, op.inputs[1], "axis"))}
        if any(not 0 <= a < len(xs) for a in axes):
            raise unsupported(self.model, op, "an axis is out of range")
        self._remap(op, x, y, xs, [(np.arange(n)[::-1] if d in axes else np.arange(n)) * st[d]
                                   for d, n in enumerate(xs)])

    def op_gather_nd(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        ind = np.asarray(self.const(op, op.inputs[1], "indices").data, np.int64)
        if ind.ndim < 1 or not 1 <= ind.shape[-1] <= len(xs):
            raise unsupported(self.model, op, "indices do not index the input's dimensions")
        nd = int(ind.shape[-1])
        rows = ind.reshape(-1, nd)
        if (rows < 0).any() or (rows >= np.array(xs[:nd])).any():
            raise unsupported(self.model, op, "an index is out of range")
        # one output dimension per slice (the index dimensions flattened), then the slice
        shape = [int(rows.shape[0])] + xs[nd:]
        tables = [rows @ np.array(st[:nd], np.int64)]
        tables += [np.arange(n) * st[nd + d] for d, n in enumerate(xs[nd:])]
        self._remap(op, x, y, shape, tables)

    def op_batch_to_space_nd(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        block = _ints(self.const(op, op.inputs[1], "block shape"))
        crops = _ints(self.const(op, op.inputs[2], "crops"))
        ys = [int(v) for v in y.shape]
        if len(xs) == 3:  # [batch, height, channels]: a width of 1
            xs, ys, block, crops = ([xs[0], xs[1], 1, xs[2]], [ys[0], ys[1], 1, ys[2]],
                                    block[:1] + [1], crops[:2] + [0, 0])
        if len(xs) != 4 or len(block) != 2 or len(crops) != 4 or min(block) < 1:
            raise unsupported(self.model, op, "expected a 3-D or 4-D input and 2 block sizes")
        n, h, w, c = xs
        ob, oh, ow, _ = ys
        bh, bw = block
        if n != ob * bh * bw or oh + crops[0] + crops[1] != h * bh or \
                ow + crops[2] + crops[3] != w * bw:
            raise unsupported(self.model, op, "output shape disagrees with block and crops")
        image = h * w * c
        th = np.arange(oh) + crops[0]
        tw = np.arange(ow) + crops[2]
        # input batch (row offset * bw + column offset) * ob + b, then the pixel
        tables = [np.arange(ob) * image, (th % bh) * bw * ob * image + (th // bh) * w * c,
                  (tw % bw) * ob * image + (tw // bw) * c, np.arange(c)]
        self._remap(op, x, y, [ob, oh, ow, c], tables)

    def op_broadcast_to(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        ys = [int(v) for v in y.shape]
        pad = len(ys) - len(xs)
        if pad < 0:
            raise unsupported(self.model, op, "the target shape has fewer dimensions")
        full, strides = [1] * pad + xs, [0] * pad + st
        if any(n not in (1, m) for n, m in zip(full, ys)):
            raise unsupported(self.model, op, "shapes are not broadcast-compatible")
        self._remap(op, x, y, ys, [np.arange(m) * (s if n == m else 0)
                                   for n, m, s in zip(full, ys, strides)])

    def _split(self, op: Op, x: Tensor, axis: int, pieces: list[int]) -> None:
        xs = [int(v) for v in x.shape]
        axis = axis + len(xs) if axis < 0 else axis
        if not 0 <= axis < len(xs) or sum(pieces) != xs[axis] or len(pieces) != len(op.outputs):
            raise unsupported(self.model, op, "the pieces do not match the input")
        outs = [self.act(op, i) for i in op.outputs]
        inner = int(np.prod(xs[axis + 1:], dtype=np.int64))
        for t, p in zip(outs, pieces):
            if t.size != int(np.prod(xs[:axis], dtype=np.int64)) * p * inner:
                raise unsupported(self.model, op, f"output {t.name!r} has the wrong size")
        name = f"op{op.index}_copy_bytes"
        arr = ConstArray(name, "int32_t", np.array([p * inner for p in pieces], np.int64),
                         "params")
        params = dict(outer=int(np.prod(xs[:axis], dtype=np.int64)), num_outputs=len(outs),
                      copy_bytes=name)
        self.steps.append(Step(op.index, op.opcode, "td_split_s8", "td_split_params", params,
                               [x.index], [t.index for t in outs], [arr], {}))

    def op_split(self, op: Op) -> None:
        x = self.act(op, op.inputs[1])
        axis = _ints(self.const(op, op.inputs[0], "axis"))[0]
        n = int(op.options.get("num_splits", len(op.outputs)))
        dim = int(x.shape[axis])
        if n < 1 or dim % n:
            raise unsupported(self.model, op, f"{dim} does not split into {n} equal pieces")
        self._split(op, x, axis, [dim // n] * n)

    def op_split_v(self, op: Op) -> None:
        x = self.act(op, op.inputs[0])
        sizes = _ints(self.const(op, op.inputs[1], "size_splits"))
        axis = _ints(self.const(op, op.inputs[2], "axis"))[0]
        dim = int(x.shape[axis])
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        self._split(op, x, axis, sizes)

    def op_unpack(self, op: Op) -> None:
        x = self.act(op, op.inputs[0])
        axis = int(op.options.get("axis", 0))
        self._split(op, x, axis, [1] * int(x.shape[axis]))

    def op_pack(self, op: Op) -> None:
        y = self.act(op, op.outputs[0])
        ins = [self.act(op, i) for i in op.inputs]
        if len({t.index for t in ins}) != len(ins):
            raise unsupported(self.model, op, "the same tensor packed twice")
        shape = [int(v) for v in ins[0].shape]
        axis = int(op.options.get("axis", 0))
        axis = axis + len(shape) + 1 if axis < 0 else axis
        if any([int(v) for v in t.shape] != shape for t in ins):
            raise unsupported(self.model, op, "the inputs differ in shape")
        inner = int(np.prod(shape[axis:], dtype=np.int64))
        name = f"op{op.index}_copy_bytes"
        arr = ConstArray(name, "int32_t", np.full(len(ins), inner, np.int64), "params")
        # PACK is CONCATENATION along a new axis: the same kernel
        params = dict(outer=int(np.prod(shape[:axis], dtype=np.int64)), num_inputs=len(ins),
                      copy_bytes=name)
        self.steps.append(Step(op.index, op.opcode, "td_concat_s8", "td_concat_params", params,
                               [t.index for t in ins], [y.index], [arr], {}))

    # ------------------------------------------------------------- resize, transpose conv, matmul

    def op_resize_bilinear(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        size = _ints(self.const(op, op.inputs[1], "size"))
        align = bool(op.options.get("align_corners", False))
        half = bool(op.options.get("half_pixel_centers", False))
        if len(xs) != 4 or len(size) != 2 or [int(v) for v in y.shape] != [xs[0], *size, xs[3]]:
            raise unsupported(self.model, op, "expected a 4-D input and a size of 2 matching "
                                              "the output")
        if align and half:
            raise unsupported(self.model, op, "align_corners with half_pixel_centers")

        def records(out_size: int, in_size: int) -> list[int]:
            # ResizeBilinearInteger's scale in 1/1024 steps (C integer division)
            scale = ((1 << 10) * in_size + out_size // 2) // out_size
            if align and out_size > 1:
                scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
            out = []
            for v in range(out_size):
                sv = v * scale + (scale // 2 - (1 << 9) if half else 0)
                lo = max(int(sv / (1 << 10)), 0)  # truncation toward zero, as in C
                hi = min((sv + (1 << 10) - 1) // (1 << 10), in_size - 1)
                out += [lo, hi, sv - (1 << 10) * lo]
            return out

        n, h, w, c = xs
        pre = f"op{op.index}"
        arrays = [ConstArray(f"{pre}_rows", "int32_t", np.array(records(size[0], h)), "params"),
                  ConstArray(f"{pre}_cols", "int32_t", np.array(records(size[1], w)), "params")]
        params = dict(batches=n, in_h=h, in_w=w, channels=c, out_h=size[0], out_w=size[1],
                      rows=arrays[0].name, cols=arrays[1].name)
        self.steps.append(Step(op.index, op.opcode, "td_resize_bilinear_s8",
                               "td_resize_bilinear_params", params, [x.index], [y.index],
                               arrays, {}))

    def op_transpose_conv(self, op: Op) -> None:
        # inputs: output shape, filter [out_c][kh][kw][in_c], input, optional bias
        w = self.const(op, op.inputs[1], "filter")
        x = self.act(op, op.inputs[2])
        y = self.act(op, op.outputs[0])
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
        scales, per_channel = self._filter_quant(op, w, oc, 0)
        (s_in, z_in), (s_out, z_out) = _q(x), _q(y)
        mults, shifts = quant.per_channel_multipliers(
            s_in, scales if per_channel else scales * oc, s_out)
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
        params = dict(batches=n, in_h=ih, in_w=iw, in_c=ic, out_h=oh, out_w=ow, out_c=oc,
                      filter_h=kh, filter_w=kw, filter_c=ic, stride_h=sh, stride_w=sw,
                      dilation_h=1, dilation_w=1, pad_h=ph, pad_w=pw, input_offset=-z_in,
                      output_offset=z_out, act_min=act_min, act_max=act_max,
                      filter=f"{pre}_filter", bias=f"{pre}_bias" if bias is not None else None,
                      **qrefs, folded_bias=None)
        self.steps.append(Step(op.index, op.opcode, "td_transpose_conv2d_s8", "td_conv_params",
                               params, [x.index], [y.index], arrays, {}))

    def op_batch_matmul(self, op: Op) -> None:
        (a, b), consts, arrays = self._operands(op)
        y = self.act(op, op.outputs[0])
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
        m, s = self._multiplier(op, float(sa) * float(sb) / float(so))
        params = dict(batches=batches, rows=int(rows), cols=int(cols), depth=int(depth),
                      lhs_batch_stride=0 if ba == 1 else int(rows * depth),
                      rhs_batch_stride=0 if bb == 1 else int(depth * cols),
                      adj_x=int(adj_x), adj_y=int(adj_y), lhs_offset=-za, rhs_offset=-zb,
                      output_offset=zo, multiplier=m, shift=s)
        self.steps.append(Step(op.index, op.opcode, "td_batch_matmul_s8", "td_batch_matmul_params",
                               params, [t.index for pos, t in enumerate((a, b)) if pos not in consts],
                               [y.index], arrays, {}, const_inputs=consts))

    # ------------------------------------------------------------- reductions

    def op_sum(self, op: Op) -> None:
        # QuantizedMeanOrSum with compute_sum: MEAN without the 1/count folded into the
        # multiplier; the same kernel, the zero point still subtracted count times
        self.op_mean(op)  # type: ignore[attr-defined]
        (si, _), (so, _) = _q(self.t(op.inputs[0])), _q(self.t(op.outputs[0]))
        m, s = self._multiplier(op, float(si) / float(so))
        self.steps[-1].params.update(multiplier=m, shift=s)

    def op_reduce_max(self, op: Op) -> None:
        if _q(self.t(op.inputs[0])) != _q(self.t(op.outputs[0])):
            raise unsupported(self.model, op, "input and output quantization differ")
        self.op_mean(op)  # type: ignore[attr-defined]  # the same shapes and params
        self.steps[-1].kernel = "td_" + op.opcode.lower() + "_s8"

    op_reduce_min = op_reduce_max

    # ------------------------------------------------------------- division, square roots

    def op_div(self, op: Op) -> None:
        def make(a: Tensor, b: Tensor, y: Tensor) -> dict[str, Any]:
            (s1, z1), (s2, z2), (so, zo) = _q(a), _q(b), _q(y)
            f32 = np.float32
            # CalculateOpDataDiv: in1 / (in2 * out), float arithmetic widened to double
            m, s = self._multiplier(op, float(f32(s1) / (f32(s2) * f32(so))))
            act_min, act_max = self.activation(op, y)
            return dict(input1_offset=-z1, input2_offset=-z2, output_offset=zo,
                        output_multiplier=m, output_shift=s, act_min=act_min, act_max=act_max)

        self._binary(op, "td_div_s8", "td_div_params", make)

    def op_rsqrt(self, op: Op) -> None:
        x, y = self._unary_io(op)
        (si, zi), (so, zo) = _q(x), _q(y)
        # SetRsqrtOutputMultiplier: 1 / (sqrt(float scale) * float scale), in double
        m, s = quant.quantize_multiplier(
            1.0 / float(np.sqrt(np.float32(si)) * np.float32(so)))
        if s > 50:
            raise unsupported(self.model, op, "output scale too small")
        self._elementwise(op, "td_rsqrt_s8", "td_requantize_params",
                          dict(input_zero_point=zi, output_zero_point=zo, multiplier=m, shift=s),
                          x, y)

    def op_l2_normalization(self, op: Op) -> None:
        x, y = self._unary_io(op)
        if op.options.get("fused_activation_function", "NONE") != "NONE":
            raise unsupported(self.model, op, "fused activation on L2_NORMALIZATION")
        depth = int(x.shape[-1]) if x.shape else 1
        params = dict(outer=x.size // depth, depth=depth, input_zero_point=_q(x)[1])
        # each row is read whole before any of it is written: no in-place partner
        self.steps.append(Step(op.index, op.opcode, "td_l2_normalization_s8", "td_l2norm_params",
                               params, [x.index], [y.index], [], {}))

    def op_log_softmax(self, op: Op) -> None:
        x, y = self._unary_io(op)
        so, zo = _q(y)
        if zo != 127 or np.float32(so) != np.float32(16.0 / 256):
            raise unsupported(self.model, op, "int8 LOG_SOFTMAX output must have scale 16/256 "
                                              "and zero point 127")
        # PreprocessLogSoftmaxScalingExp: SOFTMAX's scaling (beta 1, 5 integer bits) and
        # its inverse as a multiplier below one
        sp = quant.softmax_params(1.0, _q(x)[0])
        real = float(1 << (31 - sp["input_left_shift"])) / float(sp["input_multiplier"])
        rm, rs = quant.quantize_multiplier(real)
        if rs > 0:
            raise unsupported(self.model, op, "input scale out of range")
        depth = int(x.shape[-1]) if x.shape else 1
        params = dict(outer=x.size // depth, depth=depth, **sp, reverse_scaling_divisor=rm,
                      reverse_scaling_shift=rs)
        self.steps.append(Step(op.index, op.opcode, "td_log_softmax_s8", "td_log_softmax_params",
                               params, [x.index], [y.index], [], {}))

    def op_elu(self, op: Op) -> None:
        x, y = self._unary_io(op)
        table = quant.elu_table(*_q(x), *_q(y))
        name = f"op{op.index}_table"
        arr = ConstArray(name, "int8_t", table.astype(np.int8).astype(np.int64), "params")
        self.steps.append(Step(op.index, op.opcode, "td_lut_s8", "td_lut_params",
                               dict(size=x.size, table=name), [x.index], [y.index], [arr],
                               {x.index: inplace_distance(np.arange(x.size), 1, 1)}))
