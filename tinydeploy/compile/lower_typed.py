"""Lowering of the ops whose inputs or outputs are int32 or bool tensors (issue 17):
ARG_MAX / ARG_MIN (int8 in, int32 class indices out), the comparisons (int8 or int32
in, bool out), LOGICAL_AND / LOGICAL_OR / LOGICAL_NOT (bool) and SELECT_V2 (bool condition,
int8, int16 or float32 values); CUMSUM (int8, its axis an int32 operand),
EMBEDDING_LOOKUP (int32 ids, a constant int8 table) and CAST (int8, int16, int32 or bool
to int8, int16, int32 or float32); the int32 arithmetic (ADD, SUB, MUL, DIV,
SQUARED_DIFFERENCE: ``arith_i32``, which those ops' methods hand int32 operands to);
FILL (int8, int32, float32), ZEROS_LIKE (int8, int32, float32), SHAPE, BROADCAST_ARGS,
DYNAMIC_UPDATE_SLICE (int8, int16, int32, float32) and REDUCE_ALL (bool): the value types
as TFLite Micro's kernels take them (float32 constants stored as their bits: these ops
copy values).

The compiler folds no constants into tensors: an output known at compile time (SHAPE,
ZEROS_LIKE, BROADCAST_ARGS of constant shapes) is written by a td_fill step from values
in flash, as TFLite Micro writes it at run time.

A mixin of :class:`tinydeploy.compile.lower.Lowering`, like :mod:`.lower_ops`: each
``op_<name>`` method is TFLite Micro's Prepare of that op, done in Python, appending
one :class:`Step`. int32 tensors are 4 bytes an element, bool tensors one byte holding
0 or 1 (TFLite's bool), so the in-place distances use those element sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import kernels as registry
from tinydeploy.compile import quant
from tinydeploy.compile.lower import ITEMSIZE, ConstArray, Step, _q, inplace_distance, unsupported
from tinydeploy.model.ir import Model, Op, Tensor

MAX_DIMS = 6  # broadcast rank of the kernels (TD_KMAX_DIMS)
# td_model.h's td_dtype values (td_cast_params); CAST's output is never bool in TFLM
TD_DTYPE_IDS = {"int8": 0, "float32": 1, "int32": 2, "bool": 3, "int16": 4}
CAST_FROM = ("int8", "int16", "int32", "bool")
CAST_TO = ("int8", "int16", "int32", "float32")
# constants in flash; float32 ones as their raw bits (the ops here copy values, never compute)
CTYPE = {"int8": "int8_t", "int32": "int32_t", "bool": "uint8_t", "int16": "int16_t", "float32": "int32_t"}


INT32_RANGE = (-(1 << 31), (1 << 31) - 1)
# CalculateActivationRange<int32_t>: any other activation leaves the full range
INT32_ACTIVATIONS = {"RELU": (0, (1 << 31) - 1), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}


def _raw(values: Any, dtype: str) -> np.ndarray:
    """Constant values as the integers stored for them (a float32's bits), flattened."""
    if dtype == "float32":
        return np.asarray(values, np.float32).ravel().view(np.int32).astype(np.int64)
    return np.asarray(values).ravel().astype(np.int64)


def _axis(t: Tensor, rank: int) -> int | None:
    """The one axis a constant int32 axis tensor holds (negative counted from the end),
    or None when it holds something else."""
    v = np.asarray(t.data).ravel()
    if t.dtype != "int32" or v.size != 1 or not -rank <= int(v[0]) < rank:
        return None
    return int(v[0]) % rank


def _broadcast_strides(out_shape: list[int], t: Tensor) -> tuple[list[int], np.ndarray] | None:
    """``t``'s element stride per output dimension (0 where it broadcasts) and the input
    element each output element reads; None when ``t`` does not broadcast to the shape."""
    nd = len(out_shape)
    shp = [1] * (nd - len(t.shape)) + [int(v) for v in t.shape]
    if len(shp) > nd:
        return None
    st, acc = [0] * nd, 1
    for d in range(nd - 1, -1, -1):
        if shp[d] not in (1, out_shape[d]):
            return None
        st[d] = acc if shp[d] == out_shape[d] and shp[d] != 1 else 0
        acc *= shp[d]
    idx = np.zeros(out_shape, np.int64)
    for d in range(nd):
        view = [1] * nd
        view[d] = out_shape[d]
        idx = idx + np.arange(out_shape[d]).reshape(view) * st[d]
    return st, idx.ravel()


class TypedMixin:
    """The ``op_<name>`` methods of the ops on int32 / bool tensors (module docstring)."""

    # provided by Lowering, which mixes this class in: model, steps, and the helpers
    # t, act, const, _broadcast, _operands
    model: Model
    steps: list[Step]

    def _typed_operands(self, op: Op, dtypes: list[str]) -> tuple[list[Tensor], dict[int, str], list[ConstArray]]:
        """The operands of an op taking raw values of ``dtypes`` (int32 indices, bool
        masks, int8 values copied as they are): activations, or constants passed to the
        kernel as arrays in flash (their argument position -> the array's name)."""
        ts: list[Tensor] = []
        consts: dict[int, str] = {}
        arrays: list[ConstArray] = []
        for pos, (idx, dtype) in enumerate(zip(op.inputs, dtypes)):
            t = self.t(idx)
            if t.data is None:
                ts.append(self.act(op, idx, dtype))
                continue
            if t.dtype != dtype:
                raise unsupported(self.model, op, f"constant operand {t.name!r} is {t.dtype}, not {dtype}")
            arrays.append(self._const_array(op, pos, t.data, dtype))
            consts[pos] = arrays[-1].name
            ts.append(t)
        if len(consts) == len(dtypes):
            raise unsupported(self.model, op, "every operand is a constant (fold them)")
        return ts, consts, arrays

    @staticmethod
    def _const_array(op: Op, pos: int, values: Any, dtype: str) -> ConstArray:
        """Operand ``pos`` of ``op`` as a constant array in flash."""
        return ConstArray(f"op{op.index}_operand{pos}", CTYPE[dtype], _raw(values, dtype), "weights")

    def _step(
        self,
        op: Op,
        kernel: str,
        ptype: str,
        params: dict[str, Any],
        ins: list[Tensor],
        firsts: list[np.ndarray],
        y: Tensor,
        arrays: list[ConstArray],
        consts: dict[int, str],
        in_size: int = 1,
        out_size: int = 1,
    ) -> None:
        """Append an element-wise step whose activation inputs (``ins`` not in ``consts``)
        read ``firsts`` per output element (in-place distances)."""
        inplace = {
            t.index: inplace_distance(fr, in_size, out_size)
            for pos, (t, fr) in enumerate(zip(ins, firsts))
            if pos not in consts
        }
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                kernel,
                ptype,
                params,
                [t.index for pos, t in enumerate(ins) if pos not in consts],
                [y.index],
                arrays,
                inplace,
                const_inputs=consts,
            )
        )

    def op_arg_max(self, op: Op) -> None:
        x = self.act(op, op.inputs[0])
        y = self.t(op.outputs[0])
        if y.dtype != "int32":  # the converter's default is int64
            raise unsupported(
                self.model, op, f"output {y.name!r} is {y.dtype}; TFLite Micro's {op.opcode} writes int32 indices only"
            )
        self.act(op, y.index, "int32")
        xs = [int(v) for v in x.shape]
        axis_t = self.const(op, op.inputs[1], "axis")
        axis = _axis(axis_t, len(xs)) if xs else None
        if axis is None:
            raise unsupported(
                self.model, op, f"axis {axis_t.name!r} must be one int32 value in [-{len(xs)}, {len(xs)})"
            )
        outer = int(np.prod(xs[:axis], dtype=np.int64))
        inner = int(np.prod(xs[axis + 1 :], dtype=np.int64))
        if y.size != outer * inner or xs[axis] < 1:
            raise unsupported(self.model, op, "output shape does not match the input without the axis")
        # output (o, i) reads input (o, 0.., i) first, then writes 4 bytes
        k = np.arange(outer * inner)
        first = (k // inner) * xs[axis] * inner + k % inner
        params = dict(outer=outer, axis_size=xs[axis], inner=inner)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_" + op.opcode.lower() + "_s8",
                "td_arg_min_max_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(first, 1, 4)},
            )
        )

    op_arg_min = op_arg_max

    # ------------------------------------------------------------- int32 arithmetic

    def arith_i32(self, op: Op) -> None:
        """ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE of int32 tensors: TFLite Micro's
        unquantized reference arithmetic (wrapping, truncating division)."""
        (a, b), consts, arrays = self._typed_operands(op, ["int32", "int32"])
        y = self.act(op, op.outputs[0], "int32")
        if op.opcode in ("ADD", "DIV"):  # their Prepare requires kTfLiteNoQuantization
            for t in (a, b):
                if t.quant is not None and len(t.quant.scale):
                    raise unsupported(
                        self.model, op, f"input {t.name!r} is quantized; TFLite Micro's int32 {op.opcode} is not"
                    )
        if op.opcode == "SQUARED_DIFFERENCE" and max(len(t.shape) for t in (a, b, y)) > 4:
            raise unsupported(self.model, op, "more than 4 dimensions")
        act = op.options.get("fused_activation_function", "NONE")
        # int32 ADD clamps to the full range whatever its activation; SUB, MUL and DIV
        # take CalculateActivationRange's int32 range; SQUARED_DIFFERENCE has none
        lo, hi = INT32_RANGE
        if op.opcode in ("SUB", "MUL", "DIV"):
            lo, hi = INT32_ACTIVATIONS.get(act, INT32_RANGE)
        bc, firsts = self._broadcast(op, a, b, y)
        params = {"bc": bc, "op": registry.ARITH[op.opcode], "act_min": lo, "act_max": hi}
        self._step(op, "td_arith_i32", "td_arith_params", params, [a, b], firsts, y, arrays, consts, 4, 4)

    # ------------------------------------------------------------- comparisons

    def _compare_i32(self, op: Op) -> None:
        """int32 comparisons (ARG_MAX indices against a label): raw values, no scaling."""
        ts, consts, arrays = self._typed_operands(op, ["int32", "int32"])
        a, b = ts
        y = self.act(op, op.outputs[0], "bool")
        bc, firsts = self._broadcast(op, a, b, y)
        params = {
            "bc": bc,
            "cmp": registry.COMPARISONS[op.opcode],
            "left_shift": 0,
            "input1_offset": 0,
            "input1_multiplier": 0,
            "input1_shift": 0,
            "input2_offset": 0,
            "input2_multiplier": 0,
            "input2_shift": 0,
        }
        self._step(op, "td_compare_i32", "td_compare_params", params, [a, b], firsts, y, arrays, consts, in_size=4)

    def _compare(self, op: Op) -> None:
        # int8, rescaled as TFLite Micro's ComparisonsPrepare does, and int32 as it is
        types = [self.t(idx).dtype for idx in op.inputs[:2]]
        if types == ["int32", "int32"]:
            self._compare_i32(op)
            return
        for idx in op.inputs[:2]:
            t = self.t(idx)
            if t.dtype != "int8":
                raise unsupported(
                    self.model, op, f"input {t.name!r} is {t.dtype}; int8 and int32 comparisons are supported"
                )
        (a, b), consts, arrays = self._operands(op)
        y = self.act(op, op.outputs[0], "bool")
        params: dict[str, Any] = {}
        for k, t in ((1, a), (2, b)):
            scale, zp = _q(t)
            if not 0.0 < scale < 1.0:  # TFLM's QuantizeMultiplierSmallerThanOneExp checks it
                raise unsupported(
                    self.model, op, f"input {t.name!r} has scale {scale:g}; int8 comparisons need a scale in (0, 1)"
                )
            m, s = quant.quantize_multiplier_smaller_than_one(scale)
            params.update({f"input{k}_offset": -zp, f"input{k}_multiplier": m, f"input{k}_shift": s})
        bc, firsts = self._broadcast(op, a, b, y)
        params = {"bc": bc, "cmp": registry.COMPARISONS[op.opcode], "left_shift": 8, **params}
        self._step(op, "td_compare_s8", "td_compare_params", params, [a, b], firsts, y, arrays, consts)

    op_equal = op_not_equal = op_less = op_less_equal = _compare
    op_greater = op_greater_equal = _compare

    # ------------------------------------------------------------- logical ops

    def _logical(self, op: Op) -> None:
        (a, b), consts, arrays = self._typed_operands(op, ["bool", "bool"])
        y = self.act(op, op.outputs[0], "bool")
        bc, firsts = self._broadcast(op, a, b, y)
        params = {"bc": bc, "op": registry.LOGICAL[op.opcode]}
        self._step(op, "td_logical_b8", "td_logical_params", params, [a, b], firsts, y, arrays, consts)

    op_logical_and = op_logical_or = _logical

    def op_logical_not(self, op: Op) -> None:
        x = self.act(op, op.inputs[0], "bool")
        y = self.act(op, op.outputs[0], "bool")
        if x.size != y.size:
            raise unsupported(self.model, op, "input and output sizes differ")
        bc = dict(size=x.size, dims=0, shape=[0] * 6, stride1=[0] * 6, stride2=[0] * 6)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_logical_not_b8",
                "td_logical_params",
                {"bc": bc, "op": registry.LOGICAL["LOGICAL_NOT"]},
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(np.arange(x.size), 1, 1)},
            )
        )

    # ------------------------------------------------------------- select

    def op_select_v2(self, op: Op) -> None:
        if len(op.inputs) != 3:
            raise unsupported(self.model, op, "expected a condition, x and y")
        cond = self.t(op.inputs[0])
        if cond.dtype != "bool":
            raise unsupported(self.model, op, f"condition {cond.name!r} is {cond.dtype}, not bool")
        # TFLM copies the raw values of x or y (no requantization, no quantization needed),
        # of the types its kernel takes
        dtype = self.t(op.inputs[1]).dtype
        if dtype not in ("int8", "int16", "float32"):
            raise unsupported(self.model, op, f"values are {dtype}; TFLite Micro's kernel takes int8, int16, float32")
        ts, consts, arrays = self._typed_operands(op, ["bool", dtype, dtype])
        y = self.act(op, op.outputs[0], dtype)
        out_shape = [int(v) for v in y.shape] or [1]
        if len(out_shape) > MAX_DIMS:
            raise unsupported(self.model, op, f"broadcast over more than {MAX_DIMS} dimensions")
        same = all(list(t.shape) == list(y.shape) for t in ts)
        strides, firsts = [], []
        for t in ts:
            got = _broadcast_strides(out_shape, t)
            if got is None:
                raise unsupported(self.model, op, f"{t.name!r} does not broadcast to the output")
            strides.append(got[0] + [0] * (MAX_DIMS - len(out_shape)))
            firsts.append(np.arange(y.size) if same else got[1])
        params = dict(
            size=y.size,
            dims=0 if same else len(out_shape),
            shape=(out_shape if not same else [0] * len(out_shape)) + [0] * (MAX_DIMS - len(out_shape)),
            stride_cond=[0] * MAX_DIMS if same else strides[0],
            stride_x=[0] * MAX_DIMS if same else strides[1],
            stride_y=[0] * MAX_DIMS if same else strides[2],
            itemsize=ITEMSIZE[dtype],
        )
        size = ITEMSIZE[dtype]
        inplace = {
            t.index: inplace_distance(fr, 1 if pos == 0 else size, size)
            for pos, (t, fr) in enumerate(zip(ts, firsts))
            if pos not in consts
        }
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_select_v2",
                "td_select_params",
                params,
                [t.index for pos, t in enumerate(ts) if pos not in consts],
                [y.index],
                arrays,
                inplace,
                const_inputs=consts,
            )
        )

    # ------------------------------------------------------------- cumsum

    def op_cumsum(self, op: Op) -> None:
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        xs = [int(v) for v in x.shape]
        if [int(v) for v in y.shape] != xs or not xs:
            raise unsupported(self.model, op, "output shape differs from the input's")
        axis_t = self.const(op, op.inputs[1], "axis")
        axis = _axis(axis_t, len(xs))
        if axis is None:
            raise unsupported(
                self.model, op, f"axis {axis_t.name!r} must be one int32 value in [-{len(xs)}, {len(xs)})"
            )
        (si, zi), (so, zo) = _q(x), _q(y)
        # CumSumPrepare: the common scale is twice the input scale, in double
        twice = 2 * float(si)
        real_out = twice / ((1 << 20) * float(so))
        if not real_out < 1.0:
            raise unsupported(
                self.model,
                op,
                f"output scale {so:g} is too small for input scale {si:g} (TFLite Micro needs a multiplier below 1)",
            )
        mi, shi = quant.quantize_multiplier_smaller_than_one(float(si) / twice)
        mo, sho = quant.quantize_multiplier_smaller_than_one(real_out)
        params = dict(
            before=int(np.prod(xs[:axis], dtype=np.int64)),
            depth=xs[axis],
            after=int(np.prod(xs[axis + 1 :], dtype=np.int64)),
            exclusive=int(bool(op.options.get("exclusive", False))),
            reverse=int(bool(op.options.get("reverse", False))),
            left_shift=20,
            input_offset=-zi,
            input_multiplier=mi,
            input_shift=shi,
            output_multiplier=mo,
            output_shift=sho,
            output_offset=zo,
        )
        # the kernel writes along the axis, not in address order: no overlap
        self.steps.append(
            Step(op.index, op.opcode, "td_cumsum_s8", "td_cumsum_params", params, [x.index], [y.index], [], {})
        )

    # ------------------------------------------------------------- space to batch

    # ------------------------------------------------------------- embedding lookup

    def op_embedding_lookup(self, op: Op) -> None:
        ids = self.act(op, op.inputs[0], "int32")
        table = self.const(op, op.inputs[1], "table")
        y = self.act(op, op.outputs[0])
        if table.dtype != "int8" or len(table.shape) < 2:
            raise unsupported(
                self.model,
                op,
                f"table {table.name!r} must be int8 with at least 2 dimensions (float tables are not supported)",
            )
        if len(ids.shape) != 1:
            raise unsupported(self.model, op, f"ids {ids.name!r} must be 1-D")
        rows = int(table.shape[0])
        row_size = int(np.prod(table.shape[1:], dtype=np.int64))
        if y.size != ids.size * row_size:
            raise unsupported(self.model, op, "output shape does not match ids x table rows")
        name = f"op{op.index}_table"
        arr = ConstArray(name, "int8_t", np.asarray(table.data).ravel().astype(np.int64), "weights")
        params = dict(count=ids.size, rows=rows, row_size=row_size, table=name)
        # output value (i, k) needs id i, read before row i is written
        first = np.repeat(np.arange(ids.size), row_size)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_embedding_lookup_s8",
                "td_embedding_lookup_params",
                params,
                [ids.index],
                [y.index],
                [arr],
                {ids.index: inplace_distance(first, 4, 1)},
            )
        )

    # ------------------------------------------------------------- cast

    def op_cast(self, op: Op) -> None:
        src, dst = self.t(op.inputs[0]), self.t(op.outputs[0])
        # float32 input is left out: static_cast of an out-of-range float differs by core
        if src.dtype not in CAST_FROM or dst.dtype not in CAST_TO:
            raise unsupported(
                self.model,
                op,
                f"{src.dtype} to {dst.dtype}; supported: {', '.join(CAST_FROM)} to {', '.join(CAST_TO)}",
            )
        # the raw values are converted: no quantization is required on either side
        if src.data is not None:
            raise unsupported(self.model, op, f"constant input {src.name!r} (fold it)")
        if src.size != dst.size:
            raise unsupported(self.model, op, "input and output sizes differ")
        params = dict(size=src.size, in_dtype=TD_DTYPE_IDS[src.dtype], out_dtype=TD_DTYPE_IDS[dst.dtype])
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_cast",
                "td_cast_params",
                params,
                [src.index],
                [dst.index],
                [],
                {src.index: inplace_distance(np.arange(src.size), ITEMSIZE[src.dtype], ITEMSIZE[dst.dtype])},
            )
        )

    # ------------------------------------------------------------- fill, zeros, shapes

    def _raw_output(self, op: Op, dtypes: tuple[str, ...]) -> Tensor:
        """The op's one output, an activation of one of ``dtypes`` with elements."""
        y = self.t(op.outputs[0])
        if y.dtype not in dtypes:
            raise unsupported(self.model, op, f"output {y.name!r} is {y.dtype}; supported: {', '.join(dtypes)}")
        if y.size == 0:
            raise unsupported(self.model, op, f"output {y.name!r} has no elements")
        return self.act(op, y.index, y.dtype)

    def _write_values(self, op: Op, y: Tensor, values: np.ndarray) -> None:
        """A td_fill step writing ``values`` (known at compile time, repeated over ``y``)."""
        arr = ConstArray(f"op{op.index}_values", CTYPE[y.dtype], _raw(values, y.dtype), "weights")
        params = dict(size=y.size, itemsize=ITEMSIZE[y.dtype], period=arr.values.size)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_fill",
                "td_fill_params",
                params,
                [],
                [y.index],
                [arr],
                {},
                const_inputs={0: arr.name},
            )
        )

    def op_fill(self, op: Op) -> None:
        dims_t = self.const(op, op.inputs[0], "dims")
        value = self.t(op.inputs[1])
        y = self._raw_output(op, ("int8", "int32", "float32"))  # TFLM's FillEval switch
        if value.dtype != y.dtype:  # TFLM's FillPrepare
            raise unsupported(self.model, op, f"value {value.name!r} is {value.dtype}, the output {y.dtype}")
        if len(value.shape):
            raise unsupported(self.model, op, f"value {value.name!r} must be a scalar")
        dims = [int(v) for v in np.asarray(dims_t.data).ravel()]
        if len(dims_t.shape) != 1 or dims != [int(v) for v in y.shape]:
            raise unsupported(self.model, op, f"dims {dims} disagree with the output shape {list(y.shape)}")
        if value.data is not None:
            self._write_values(op, y, np.asarray(value.data))
            return
        self.act(op, value.index, value.dtype)
        params = dict(size=y.size, itemsize=ITEMSIZE[y.dtype], period=1)
        # every output element reads the one value: kept apart from the output
        self.steps.append(
            Step(op.index, op.opcode, "td_fill", "td_fill_params", params, [value.index], [y.index], [], {})
        )

    def op_zeros_like(self, op: Op) -> None:
        x = self.t(op.inputs[0])
        y = self._raw_output(op, ("int8", "int32", "float32"))  # TFLM's also int64
        if x.dtype != y.dtype or x.size != y.size:
            raise unsupported(self.model, op, "input and output differ in type or size")
        # TFLM writes raw zeros (not the zero point) and never reads the input
        self._write_values(op, y, np.zeros(1, np.int64))

    def op_shape(self, op: Op) -> None:
        x = self.t(op.inputs[0])
        y = self._raw_output(op, ("int32",))  # TFLM's ShapeEval refuses any other type
        if y.size != len(x.shape):
            raise unsupported(self.model, op, f"output size {y.size} is not the input's rank {len(x.shape)}")
        self._write_values(op, y, np.array(x.shape, np.int64))

    def op_broadcast_args(self, op: Op) -> None:
        s1, s2 = (self.t(i) for i in op.inputs[:2])
        y = self._raw_output(op, ("int32",))  # int64 shapes: no int64 tensors in the runtime
        if any(len(t.shape) != 1 for t in (s1, s2, y)):
            raise unsupported(self.model, op, "shapes and output must be 1-D")
        if s1.data is None or s2.data is None:
            ts, consts, arrays = self._typed_operands(op, ["int32", "int32"])
            params = dict(size1=s1.size, size2=s2.size, size=y.size)
            # written from the end: kept apart from the inputs
            self.steps.append(
                Step(
                    op.index,
                    op.opcode,
                    "td_broadcast_args_i32",
                    "td_broadcast_args_params",
                    params,
                    [t.index for pos, t in enumerate(ts) if pos not in consts],
                    [y.index],
                    arrays,
                    {},
                    const_inputs=consts,
                )
            )
            return
        if s1.dtype != "int32" or s2.dtype != "int32":
            raise unsupported(self.model, op, f"shapes are {s1.dtype} and {s2.dtype}, not int32")
        a, b = ([int(v) for v in np.asarray(t.data).ravel()] for t in (s1, s2))
        out = []
        for back in range(y.size):  # reference_ops::BroadcastArgs, from the end
            da = a[-1 - back] if back < len(a) else 1
            db = b[-1 - back] if back < len(b) else 1
            if da != 1 and db != 1 and da != db:
                raise unsupported(self.model, op, f"shapes {a} and {b} do not broadcast")
            out.append(db if da == 1 else da)
        self._write_values(op, y, np.array(out[::-1], np.int64))

    # ------------------------------------------------------------- dynamic update slice

    def op_dynamic_update_slice(self, op: Op) -> None:
        operand, update, start = (self.t(i) for i in op.inputs[:3])
        y = self._raw_output(op, ("int8", "int16", "int32", "float32"))  # TFLM's also int64
        if operand.dtype != y.dtype or update.dtype != y.dtype:
            raise unsupported(
                self.model,
                op,
                f"operand, update and output are {operand.dtype}, {update.dtype}, {y.dtype}: they must be alike",
            )
        xs, us = [int(v) for v in operand.shape], [int(v) for v in update.shape]
        if (
            not 0 < len(xs) <= MAX_DIMS
            or len(us) != len(xs)
            or any(u > x for u, x in zip(us, xs))
            or [int(v) for v in y.shape] != xs
        ):
            raise unsupported(
                self.model,
                op,
                f"operand {xs}, update {us} and output "
                f"{list(y.shape)}: the update must fit the operand "
                f"(1 to {MAX_DIMS} dimensions)",
            )
        if list(start.shape) != [len(xs)] or start.dtype not in ("int32", "int64"):
            raise unsupported(self.model, op, f"start indices {start.name!r} must be {len(xs)} int32 or int64 values")
        if start.dtype == "int64" and start.data is None:
            raise unsupported(
                self.model,
                op,
                f"start indices {start.name!r} are an int64 activation; the AOT runtime holds int32 ones",
            )
        ts: list[Tensor] = []
        consts: dict[int, str] = {}
        arrays: list[ConstArray] = []
        for pos, (idx, dtype) in enumerate(zip(op.inputs[:3], [y.dtype, y.dtype, "int32"])):
            t = self.t(idx)
            ts.append(t)
            if t.data is None:
                self.act(op, idx, dtype)
                continue
            values = np.asarray(t.data)
            if pos == 2:  # clamped as TFLM clamps them: int64 ones then fit int32
                values = np.clip(values.astype(np.int64).ravel(), 0, np.array(xs, np.int64) - np.array(us, np.int64))
            arrays.append(self._const_array(op, pos, values, dtype))
            consts[pos] = arrays[-1].name
        if len(consts) == 3:
            raise unsupported(self.model, op, "every operand is a constant (fold them)")
        pad = [0] * (MAX_DIMS - len(xs))
        params = dict(dims=len(xs), itemsize=ITEMSIZE[y.dtype], shape=xs + pad, update_shape=us + pad)
        # the operand is copied first, element by element: the output may be its buffer
        inplace = (
            {}
            if 0 in consts
            else {operand.index: inplace_distance(np.arange(y.size), ITEMSIZE[y.dtype], ITEMSIZE[y.dtype])}
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_dynamic_update_slice",
                "td_dynamic_update_slice_params",
                params,
                [t.index for pos, t in enumerate(ts) if pos not in consts],
                [y.index],
                arrays,
                inplace,
                const_inputs=consts,
            )
        )

    # ------------------------------------------------------------- reduce all

    def op_reduce_all(self, op: Op) -> None:
        x = self.act(op, op.inputs[0], "bool")
        y = self.act(op, op.outputs[0], "bool")
        axes_t = self.const(op, op.inputs[1], "axis")
        nd = len(x.shape)
        if nd > 4:
            raise unsupported(self.model, op, "more than 4 dimensions")
        axes = [int(a) for a in np.asarray(axes_t.data).ravel()]
        if axes_t.dtype != "int32" or any(not -nd <= a < nd for a in axes):
            raise unsupported(self.model, op, f"axis {axes_t.name!r} must hold int32 values in [-{nd}, {nd})")
        shape = [1] * (4 - nd) + [int(v) for v in x.shape]
        reduced = [0] * 4
        for a in axes:  # ResolveAxis: negative and repeated axes
            reduced[a % nd + 4 - nd] = 1
        if y.size != int(np.prod([shape[d] for d in range(4) if not reduced[d]], dtype=np.int64)):
            raise unsupported(self.model, op, "output size disagrees with the reduced axes")
        count = int(np.prod([shape[d] for d in range(4) if reduced[d]], dtype=np.int64))
        params = dict(
            in_shape=shape, reduced=reduced, count=count, input_zero_point=0, output_zero_point=0, multiplier=0, shift=0
        )
        first = np.arange(x.size).reshape(shape)[tuple(slice(0, 1) if reduced[d] else slice(None) for d in range(4))]
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_reduce_all_b8",
                "td_mean_params",
                params,
                [x.index],
                [y.index],
                [],
                {x.index: inplace_distance(first.ravel(), 1, 1)},
            )
        )
