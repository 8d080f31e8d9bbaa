"""Lowering of the ops whose inputs or outputs are int32 or bool tensors (issue 17):
ARG_MAX / ARG_MIN (int8 in, int32 class indices out).

A mixin of :class:`tinydeploy.compile.lower.Lowering`, like :mod:`.lower_ops`: each
``op_<name>`` method is TFLite Micro's Prepare of that op, done in Python, appending
one :class:`Step`. int32 tensors are 4 bytes an element, bool tensors one byte holding
0 or 1 (TFLite's bool), so the in-place distances use those element sizes.
"""

from __future__ import annotations

import numpy as np

from tinydeploy.compile.lower import Step, inplace_distance, unsupported
from tinydeploy.model.ir import Model, Op, Tensor


def _axis(t: Tensor, rank: int) -> int | None:
    """The one axis a constant int32 axis tensor holds (negative counted from the end),
    or None when it holds something else."""
    v = np.asarray(t.data).ravel()
    if t.dtype != "int32" or v.size != 1 or not -rank <= int(v[0]) < rank:
        return None
    return int(v[0]) % rank


class TypedMixin:
    """The ``op_<name>`` methods of the ops on int32 / bool tensors (module docstring)."""

    # provided by Lowering, which mixes this class in: model, steps, and the helpers
    # t, act, const, _broadcast
    model: Model
    steps: list[Step]

    def op_arg_max(self, op: Op) -> None:
        x = self.act(op, op.inputs[0])
        y = self.t(op.outputs[0])
        if y.dtype != "int32":  # the converter's default is int64
            raise unsupported(self.model, op, f"output {y.name!r} is {y.dtype}; TFLite Micro's "
                                              f"{op.opcode} writes int32 indices only")
        self.act(op, y.index, "int32")
        xs = [int(v) for v in x.shape]
        axis_t = self.const(op, op.inputs[1], "axis")
        axis = _axis(axis_t, len(xs)) if xs else None
        if axis is None:
            raise unsupported(self.model, op, f"axis {axis_t.name!r} must be one int32 value "
                                              f"in [-{len(xs)}, {len(xs)})")
        outer = int(np.prod(xs[:axis], dtype=np.int64))
        inner = int(np.prod(xs[axis + 1:], dtype=np.int64))
        if y.size != outer * inner or xs[axis] < 1:
            raise unsupported(self.model, op, "output shape does not match the input without "
                                              "the axis")
        # output (o, i) reads input (o, 0.., i) first, then writes 4 bytes
        k = np.arange(outer * inner)
        first = (k // inner) * xs[axis] * inner + k % inner
        params = dict(outer=outer, axis_size=xs[axis], inner=inner)
        self.steps.append(Step(op.index, op.opcode, "td_" + op.opcode.lower() + "_s8",
                               "td_arg_min_max_params", params, [x.index], [y.index], [],
                               {x.index: inplace_distance(first, 1, 4)}))

    op_arg_min = op_arg_max
