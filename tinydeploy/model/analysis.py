"""Per-op figures of a model: shapes, parameters, multiply-accumulates.

MACs follow the convention of the MLPerf Tiny model descriptions: one MAC per
weight use in CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (and the matching
ops below); element-wise ops, pooling and softmax count zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinydeploy.model.ir import Model, Op


@dataclass(frozen=True)
class OpStats:
    index: int
    op: str
    inputs: tuple[tuple[int, ...], ...]  # shapes of non-constant inputs
    outputs: tuple[tuple[int, ...], ...]
    params: int  # elements of constant weight/bias tensors
    macs: int


def _prod(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def op_macs(model: Model, op: Op) -> int:
    t = model.tensors
    if not op.outputs:
        return 0
    out = t[op.outputs[0]].shape
    if op.opcode == "CONV_2D":  # filter OHWI
        _, kh, kw, cin = t[op.inputs[1]].shape
        return _prod(out) * kh * kw * cin
    if op.opcode == "DEPTHWISE_CONV_2D":  # filter 1HW(C*M): each output uses kh*kw weights
        _, kh, kw, _ = t[op.inputs[1]].shape
        return _prod(out) * kh * kw
    if op.opcode == "TRANSPOSE_CONV":
        _, kh, kw, cin = t[op.inputs[1]].shape
        return _prod(t[op.inputs[2]].shape) * kh * kw * cin
    if op.opcode == "FULLY_CONNECTED":  # weights [units, depth]
        units, depth = t[op.inputs[1]].shape
        return (_prod(out) // units) * units * depth
    if op.opcode == "BATCH_MATMUL":
        a = t[op.inputs[0]].shape
        return _prod(out) * a[-1]
    return 0


def op_params(model: Model, op: Op) -> int:
    """Elements of the op's constant inputs (weights, biases, and shape operands).

    Constant shape operands count too, as in the MLPerf Tiny figures (the
    2-element shape of a RESHAPE is part of their params totals).
    """
    return sum(model.tensors[i].size for i in op.inputs if i >= 0 and model.tensors[i].is_constant)


def op_stats(model: Model) -> list[OpStats]:
    rows = []
    for op in model.ops:
        ins = tuple(model.tensors[i].shape for i in op.inputs if i >= 0 and not model.tensors[i].is_constant)
        outs = tuple(model.tensors[i].shape for i in op.outputs)
        rows.append(OpStats(op.index, op.opcode, ins, outs, op_params(model, op), op_macs(model, op)))
    return rows


def total_params(model: Model) -> int:
    """Elements of all constant tensors, each counted once even if shared by several ops."""
    return sum(t.size for t in model.tensors if t.is_constant)
