"""Single-op (and few-op) int8 TFLite models built directly as flatbuffers.

The schema's object API (the one tflite-micro ships) writes the model with exact
quantization parameters, shapes and options, in milliseconds: no Keras, no converter.
``check_model`` compiles it with the AOT compiler, builds the C on the host and
compares it with tflite-micro on random inputs (compile.check).

    g = Graph()
    x = g.input([1, 4, 4, 8], scale=0.05, zp=3)
    y = g.tensor([1, 4, 4, 8], 0.02, -10)
    g.op("LEAKY_RELU", [x], [y], "LeakyReluOptions", alpha=0.2)
    raw = g.build([x], [y])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

_TYPES = {
    "int8": fb.TensorType.INT8,
    "int16": fb.TensorType.INT16,
    "int32": fb.TensorType.INT32,
    "float32": fb.TensorType.FLOAT32,
    "int64": fb.TensorType.INT64,
    "bool": fb.TensorType.BOOL,
}
_NP = {
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "float32": np.float32,
    "int64": np.int64,
    "bool": np.bool_,
}


class Graph:
    """One subgraph under construction."""

    def __init__(self) -> None:
        self.tensors: list[fb.TensorT] = []
        self.buffers: list[fb.BufferT] = [fb.BufferT()]
        self.ops: list[fb.OperatorT] = []
        self.codes: list[int] = []

    def tensor(
        self,
        shape: list[int],
        scale: float | list[float] | None = None,
        zp: int | list[int] = 0,
        dtype: str = "int8",
        data: np.ndarray | None = None,
        axis: int = 0,
        name: str | None = None,
    ) -> int:
        t = fb.TensorT()
        t.name = (name or f"t{len(self.tensors)}").encode()
        t.shape = list(shape)
        t.type = _TYPES[dtype]
        t.buffer = 0
        if scale is not None:
            q = fb.QuantizationParametersT()
            q.scale = list(scale) if isinstance(scale, (list, tuple)) else [float(scale)]
            q.zeroPoint = list(zp) if isinstance(zp, (list, tuple)) else [int(zp)] * len(q.scale)
            q.quantizedDimension = axis
            t.quantization = q
        if data is not None:
            b = fb.BufferT()
            arr = np.ascontiguousarray(np.asarray(data, dtype=_NP[dtype]).reshape(shape))
            b.data = np.frombuffer(arr.tobytes(), dtype=np.uint8)
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        self.tensors.append(t)
        return len(self.tensors) - 1

    def input(self, shape: list[int], scale: float | None = None, zp: int = 0, dtype: str = "int8") -> int:
        return self.tensor(shape, scale, zp, dtype)

    def const(
        self,
        values: Any,
        dtype: str = "int32",
        shape: list[int] | None = None,
        scale: float | list[float] | None = None,
        zp: int | list[int] = 0,
        axis: int = 0,
    ) -> int:
        arr = np.asarray(values, dtype=_NP[dtype])
        return self.tensor(list(arr.shape) if shape is None else shape, scale, zp, dtype, arr, axis)

    @staticmethod
    def tensor_type(dtype: str) -> int:
        """The schema's TensorType of ``dtype`` (option fields such as outputType)."""
        return int(_TYPES[dtype])

    def op(self, name: str, inputs: list[int], outputs: list[int], options: str | None = None, **fields: Any) -> None:
        code = getattr(fb.BuiltinOperator, name)
        if code not in self.codes:
            self.codes.append(code)
        o = fb.OperatorT()
        o.opcodeIndex = self.codes.index(code)
        o.inputs, o.outputs = list(inputs), list(outputs)
        if options is not None:
            obj = getattr(fb, options + "T")()
            for k, v in fields.items():
                setattr(obj, k, v)
            o.builtinOptionsType = getattr(fb.BuiltinOptions, options)
            o.builtinOptions = obj
        self.ops.append(o)

    def build(self, inputs: list[int], outputs: list[int]) -> bytes:
        sg = fb.SubGraphT()
        sg.tensors, sg.operators = self.tensors, self.ops
        sg.inputs, sg.outputs = list(inputs), list(outputs)
        sg.name = b"main"
        m = fb.ModelT()
        m.version = 3
        m.description = b"tinydeploy op test"
        m.subgraphs = [sg]
        m.buffers = self.buffers
        m.operatorCodes = []
        for code in self.codes:
            c = fb.OperatorCodeT()
            c.builtinCode = code
            c.deprecatedBuiltinCode = min(code, 127)
            c.version = 1
            m.operatorCodes.append(c)
        b = flatbuffers.Builder(1 << 12)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def check_model(
    raw: bytes,
    out_dir: Path,
    inputs: int = 20,
    seed: int = 0,
    kernels: str = "reference",
    data: np.ndarray | None = None,
) -> dict[str, Any]:
    """Compile ``raw`` with the AOT compiler and compare it with tflite-micro on the host
    (on ``data``, else on ``inputs`` random inputs)."""
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    model = parse_model(raw, name="op_model")
    cm = compile_model(model, out_dir, force=True, kernels=kernels)
    result = check(cm, raw, inputs=inputs, seed=seed, data=data)
    result["kernels"] = cm.kernels
    return result


def new_ops_model(seed: int = 0) -> bytes:
    """One model chaining a convolution (a DSP kernel on Cortex-M4) with the ops added
    beyond the MLPerf Tiny set: activations, broadcasting element-wise ops with
    activation and constant operands, and the data movement ops. The scales keep
    every intermediate tensor spread over many values (tests/op_models.py probes)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([1, 8, 8, 4], 0.04, -2)
    ws = [0.01 + 0.002 * i for i in range(8)]
    w = g.const(rng.integers(-127, 128, [8, 3, 3, 4]), "int8", scale=ws, zp=[0] * 8)
    b = g.const(rng.integers(-500, 500, [8]), "int32", scale=[0.04 * s for s in ws], zp=[0] * 8)
    conv = g.tensor([1, 8, 8, 8], 0.3, 0)
    g.op(
        "CONV_2D",
        [x, w, b],
        [conv],
        "Conv2DOptions",
        padding=0,
        strideW=1,
        strideH=1,
        dilationWFactor=1,
        dilationHFactor=1,
        fusedActivationFunction=0,
    )
    hs = g.tensor([1, 8, 8, 8], 0.15, -100)
    g.op("HARD_SWISH", [conv], [hs])
    q = (0.12, -90)
    lr = g.tensor([1, 8, 8, 8], *q)
    g.op("LEAKY_RELU", [conv], [lr], "LeakyReluOptions", alpha=0.1)
    mean = g.tensor([1, 1, 1, 8], *q)
    g.op("MEAN", [lr, g.const([1, 2])], [mean], "ReducerOptions", keepDims=True)
    mx = g.tensor([1, 8, 8, 8], *q)
    g.op("MAXIMUM", [lr, mean], [mx])
    sub = g.tensor([1, 8, 8, 8], 0.15, -30)
    g.op("SUB", [mx, hs], [sub], "SubOptions", fusedActivationFunction=0)
    sq = g.tensor([1, 8, 8, 8], 0.1, -30)
    g.op("SQUARED_DIFFERENCE", [sub, g.const(rng.integers(-128, 128, [8]), "int8", scale=0.03, zp=1)], [sq])
    pr = g.tensor([1, 8, 8, 8], 0.1, -30)
    g.op("PRELU", [sub, g.const(rng.integers(-128, 128, [1, 1, 8]), "int8", scale=0.004, zp=0)], [pr])
    mn = g.tensor([1, 8, 8, 8], 0.1, -30)
    g.op("MINIMUM", [pr, sq], [mn])
    q = (0.1, -30)
    tr = g.tensor([1, 8, 8, 8], *q)
    g.op("TRANSPOSE", [mn, g.const([0, 2, 1, 3])], [tr])
    ss = g.tensor([1, 4, 4, 8], *q)
    g.op(
        "STRIDED_SLICE",
        [tr, g.const([0, 0, 1, 0]), g.const([1, 8, 8, 8]), g.const([1, 2, 2, 1])],
        [ss],
        "StridedSliceOptions",
    )
    d2s = g.tensor([1, 8, 8, 2], *q)
    g.op("DEPTH_TO_SPACE", [ss], [d2s], "DepthToSpaceOptions", blockSize=2)
    mp = g.tensor([1, 10, 10, 2], *q)
    g.op("MIRROR_PAD", [d2s, g.const([[0, 0], [1, 1], [1, 1], [0, 0]])], [mp], "MirrorPadOptions", mode=0)
    rs = g.tensor([1, 5, 15, 2], *q)
    g.op("RESIZE_NEAREST_NEIGHBOR", [mp, g.const([5, 15])], [rs], "ResizeNearestNeighborOptions")
    halves = [g.tensor([1, 5, 15, 1], *q) for _ in range(2)]
    g.op("SPLIT", [g.const([3]), rs], halves, "SplitOptions", numSplits=2)
    df = g.tensor([1, 5, 15, 1], 0.1, 0)
    g.op("SUB", [halves[1], halves[0]], [df], "SubOptions", fusedActivationFunction=0)
    ab = g.tensor([1, 5, 15, 1], 0.05, -128)
    g.op("ABS", [df], [ab])
    y = g.tensor([1, 5, 15, 1], 0.05, -128)
    g.op("RELU6", [ab], [y])
    return g.build([x], [y])


def more_ops_model(seed: int = 0) -> bytes:
    """The U-Net and attention shaped ops: TRANSPOSE_CONV, RESIZE_BILINEAR,
    L2_NORMALIZATION, BATCH_MATMUL, SUM, REDUCE_MAX, SUB, DIV, RELU, RSQRT, GATHER, PACK."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([1, 4, 4, 6], 0.04, -2)
    ws = [0.01 + 0.001 * i for i in range(6)]
    w = g.const(rng.integers(-127, 128, [6, 2, 2, 6]), "int8", scale=ws, zp=[0] * 6)
    b = g.const(rng.integers(-300, 300, [6]), "int32", scale=[0.04 * s for s in ws], zp=[0] * 6)
    tc = g.tensor([1, 8, 8, 6], 0.05, 3)
    g.op(
        "TRANSPOSE_CONV",
        [g.const([1, 8, 8, 6]), w, x, b],
        [tc],
        "TransposeConvOptions",
        padding=1,
        strideW=2,
        strideH=2,
    )
    rb = g.tensor([1, 6, 6, 6], 0.05, 3)
    g.op("RESIZE_BILINEAR", [tc, g.const([6, 6])], [rb], "ResizeBilinearOptions", halfPixelCenters=True)
    l2 = g.tensor([1, 6, 6, 6], 1 / 128, 0)
    g.op("L2_NORMALIZATION", [rb], [l2], "L2NormOptions")
    seq = g.tensor([1, 36, 6], 1 / 128, 0)
    g.op("RESHAPE", [l2, g.const([1, 36, 6])], [seq], "ReshapeOptions", newShape=[1, 36, 6])
    att = g.tensor([1, 36, 36], 0.008, 0)
    g.op("BATCH_MATMUL", [seq, seq], [att], "BatchMatMulOptions", adjX=False, adjY=True)
    sm = g.tensor([1, 36, 1], 0.1, 0)
    g.op("SUM", [att, g.const([2])], [sm], "ReducerOptions", keepDims=True)
    mx = g.tensor([1, 36, 1], 1 / 128, 0)
    g.op("REDUCE_MAX", [seq, g.const([2])], [mx], "ReducerOptions", keepDims=True)
    gap = g.tensor([1, 36, 1], 0.05, 0)
    g.op("SUB", [sm, mx], [gap], "SubOptions", fusedActivationFunction=0)
    dv = g.tensor([1, 36, 1], 0.05, 0)
    g.op("DIV", [gap, g.const([90], "int8", scale=0.01, zp=0)], [dv], "DivOptions", fusedActivationFunction=0)
    rl = g.tensor([1, 36, 1], 0.05, -128)
    g.op("RELU", [dv], [rl])
    rs = g.tensor([1, 36, 1], 0.02, -128)
    g.op("RSQRT", [rl], [rs])
    q = (0.02, -128)
    ga = g.tensor([1, 30, 1], *q)
    g.op("GATHER", [rs, g.const(list(range(0, 30)))], [ga], "GatherOptions", axis=1)
    gb = g.tensor([1, 30, 1], *q)
    g.op("GATHER", [rs, g.const(list(range(35, 5, -1)))], [gb], "GatherOptions", axis=1)
    y = g.tensor([2, 1, 30, 1], *q)
    g.op("PACK", [ga, gb], [y], "PackOptions", valuesCount=2, axis=0)
    return g.build([x], [y])


def extra_ops_model(seed: int = 0) -> bytes:
    """ELU, ADD_N, REVERSE_V2, GATHER_ND, REDUCE_MIN, BROADCAST_TO, MUL by a constant,
    LOG_SOFTMAX."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([1, 4, 6, 8], 0.05, 3)
    q = (0.03, -95)
    elu = g.tensor([1, 4, 6, 8], *q)
    g.op("ELU", [x], [elu])
    parts = [g.tensor([1, 4, 6, 4], *q) for _ in range(2)]
    g.op("SPLIT", [g.const([3]), elu], parts, "SplitOptions", numSplits=2)
    q = (0.06, -60)
    an = g.tensor([1, 4, 6, 4], *q)
    g.op("ADD_N", parts, [an])
    rev = g.tensor([1, 4, 6, 4], *q)
    g.op("REVERSE_V2", [an, g.const([2])], [rev])
    gnd = g.tensor([3, 6, 4], *q)
    g.op("GATHER_ND", [rev, g.const([[0, 1], [0, 3], [0, 0]])], [gnd])
    rmin = g.tensor([3, 4], *q)
    g.op("REDUCE_MIN", [gnd, g.const([1])], [rmin], "ReducerOptions", keepDims=False)
    bc = g.tensor([2, 3, 4], *q)
    g.op("BROADCAST_TO", [rmin, g.const([2, 3, 4])], [bc])
    mul = g.tensor([2, 3, 4], 0.05, 0)
    g.op(
        "MUL",
        [bc, g.const(rng.integers(-128, 128, [4]), "int8", scale=0.01, zp=0)],
        [mul],
        "MulOptions",
        fusedActivationFunction=0,
    )
    y = g.tensor([2, 3, 4], 16 / 256, 127)
    g.op("LOG_SOFTMAX", [mul], [y])
    return g.build([x], [y])


def typed_ops_model(seed: int = 0) -> bytes:
    """The ops on int32 / bool tensors, ending in ARG_MIN: comparisons with constant and
    broadcast operands, the logical ops, SELECT_V2; the output is int32 class indices
    (td_model.h TD_INT32)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    q = (0.05, 3)
    x = g.input([2, 5, 12], *q)
    gt = g.tensor([2, 5, 12], dtype="bool")
    g.op("GREATER", [x, g.const([-4], "int8", scale=0.03, zp=-1)], [gt])
    m = g.tensor([2, 1, 12], *q)
    g.op("MEAN", [x, g.const([1])], [m], "ReducerOptions", keepDims=True)
    le = g.tensor([2, 5, 12], dtype="bool")
    g.op("LESS_EQUAL", [m, x], [le])
    ne = g.tensor([2, 5, 12], dtype="bool")
    g.op("NOT_EQUAL", [x, g.const(rng.integers(-20, 20, [12]), "int8", scale=0.05, zp=3)], [ne])
    both = g.tensor([2, 5, 12], dtype="bool")
    g.op("LOGICAL_AND", [gt, le], [both])
    either = g.tensor([2, 5, 12], dtype="bool")
    g.op("LOGICAL_OR", [both, ne], [either])
    neither = g.tensor([2, 5, 12], dtype="bool")
    g.op("LOGICAL_NOT", [either], [neither])
    sel = g.tensor([2, 5, 12], *q)
    g.op("SELECT_V2", [neither, x, g.const(rng.integers(-128, 128, [12]), "int8", scale=0.05, zp=3)], [sel])
    am = g.tensor([2, 5, 12], *q)
    g.op("MAXIMUM", [sel, g.const(np.full([12], -20), "int8", scale=0.05, zp=3)], [am])
    y = g.tensor([2, 12], dtype="int32")
    g.op("ARG_MIN", [am, g.const([1])], [y], "ArgMinOptions", outputType=Graph.tensor_type("int32"))
    return g.build([x], [y])


def int32_ops_model(seed: int = 0) -> bytes:
    """int32 arithmetic on ARG_MAX / ARG_MIN indices: ADD, SUB (RELU6), MUL by a constant
    that wraps the product, DIV by broadcast negative and positive constants, SQUARED_
    DIFFERENCE, MAXIMUM and MINIMUM; the output is int32 (td_model.h TD_INT32)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([2, 6, 10], 0.05, 3)
    i1, i2 = g.tensor([2, 10], dtype="int32"), g.tensor([2, 10], dtype="int32")
    g.op("ARG_MAX", [x, g.const([1])], [i1], "ArgMaxOptions", outputType=Graph.tensor_type("int32"))
    g.op("ARG_MIN", [x, g.const([1])], [i2], "ArgMinOptions", outputType=Graph.tensor_type("int32"))
    t = [g.tensor([2, 10], dtype="int32") for _ in range(7)]
    g.op("ADD", [i1, i2], [t[0]], "AddOptions")
    g.op("SUB", [t[0], g.const(rng.integers(-3, 4, [10]))], [t[1]], "SubOptions", fusedActivationFunction=3)
    g.op("MUL", [t[1], g.const(715827883, shape=[])], [t[2]], "MulOptions")  # 3 * it wraps
    divisors = rng.integers(1, 1000, [1, 10]) * rng.choice([-1, 1], [1, 10])
    g.op("DIV", [t[2], g.const(divisors)], [t[3]], "DivOptions")
    g.op("SQUARED_DIFFERENCE", [t[3], i1], [t[4]])
    g.op("MAXIMUM", [t[4], g.const(rng.integers(-(2**31), 2**31 - 1, [10]))], [t[5]])
    g.op("MINIMUM", [g.const([[2**30], [40]]), t[5]], [t[6]])
    return g.build([x], [t[6]])


def s16_ops_model(seed: int = 0) -> bytes:
    """The int16 element-wise ops of 16x8 models and the type changes: QUANTIZE float32 ->
    int16 (the input), PRELU, ABS, MAXIMUM and MINIMUM with constants, SQUARED_DIFFERENCE,
    QUANTIZE int16 -> int8 -> int16, CAST int16 -> int32, QUANTIZE int32 -> int16,
    DEQUANTIZE int16 -> float32 (the output)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    shape = [1, 6, 8]
    f = g.input(shape, dtype="float32")
    x = g.tensor(shape, 0.0002, 0, "int16")
    g.op("QUANTIZE", [f], [x])
    pr = g.tensor(shape, 0.00025, 0, "int16")
    g.op("PRELU", [x, g.const(rng.integers(-128, 128, [8]), "int8", scale=0.01, zp=0)], [pr])
    a = g.tensor(shape, 0.0008, 0, "int16")
    g.op("ABS", [pr], [a])
    m = g.tensor(shape, 0.0008, 0, "int16")
    g.op("MAXIMUM", [a, g.const(rng.integers(0, 30000, [8]), "int16", scale=0.0008, zp=0)], [m])
    n = g.tensor(shape, 0.0008, 0, "int16")
    g.op("MINIMUM", [g.const(rng.integers(5000, 32767, [6, 1]), "int16", scale=0.0008, zp=0), m], [n])
    sd = g.tensor(shape, 0.1, 0, "int16")
    g.op("SQUARED_DIFFERENCE", [n, x], [sd])
    q8 = g.tensor(shape, 12.0, -128)
    g.op("QUANTIZE", [sd], [q8])
    q16 = g.tensor(shape, 0.11, 0, "int16")
    g.op("QUANTIZE", [q8], [q16])
    c32 = g.tensor(shape, 0.11, 0, "int32")
    g.op("CAST", [q16], [c32])
    r16 = g.tensor(shape, 0.13, 0, "int16")
    g.op("QUANTIZE", [c32], [r16])
    y = g.tensor(shape, dtype="float32")
    g.op("DEQUANTIZE", [r16], [y])
    return g.build([f], [y])


def bool_ops_model(seed: int = 0) -> bytes:
    """EQUAL, LESS, GREATER_EQUAL (requantized operands), ARG_MAX indices compared with
    int32 labels, LOGICAL_OR with a bool constant; the output is a bool tensor (td_model.h
    TD_BOOL)."""
    g = Graph()
    x = g.input([1, 6, 8], 0.02, -5)
    r = g.tensor([1, 6, 8], 0.0015, 10)  # below 1/256: the comparisons' rescaling matters
    g.op("QUANTIZE", [x], [r])
    eq = g.tensor([1, 6, 8], dtype="bool")
    g.op("EQUAL", [x, r], [eq])
    idx = g.tensor([1, 8], dtype="int32")
    g.op("ARG_MAX", [x, g.const([1])], [idx], "ArgMaxOptions", outputType=Graph.tensor_type("int32"))
    lt = g.tensor([1, 6, 8], dtype="bool")
    g.op("LESS", [r, g.const([0], "int8", scale=0.02, zp=-5)], [lt])
    ge = g.tensor([1, 6, 8], dtype="bool")
    g.op("GREATER_EQUAL", [x, r], [ge])
    a = g.tensor([1, 6, 8], dtype="bool")
    g.op("LOGICAL_OR", [eq, lt], [a])
    b = g.tensor([1, 6, 8], dtype="bool")
    g.op("LOGICAL_AND", [a, ge], [b])
    hit = g.tensor([1, 8], dtype="bool")  # the int32 indices against constant labels
    g.op("EQUAL", [idx, g.const([[0, 1, 2, 3, 4, 5, 0, 1]])], [hit])
    c = g.tensor([1, 6, 8], dtype="bool")
    g.op("LOGICAL_OR", [b, hit], [c])
    y = g.tensor([1, 6, 8], dtype="bool")
    g.op("LOGICAL_OR", [c, g.const([[True], [False], [False], [True], [False], [False]], "bool")], [y])
    return g.build([x], [y])


def lookup_ops_model(seed: int = 0) -> bytes:
    """CUMSUM (exclusive), SPACE_TO_BATCH_ND (3-D), ARG_MAX, EMBEDDING_LOOKUP of the
    indices in a constant table and CAST of the rows to int32 (the output)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([1, 4, 6], 0.05, 3)
    cs = g.tensor([1, 4, 6], 0.2, -10)
    g.op("CUMSUM", [x, g.const([2], "int32", shape=[])], [cs], "CumsumOptions", exclusive=True, reverse=False)
    s2b = g.tensor([2, 2, 6], 0.2, -10)
    g.op("SPACE_TO_BATCH_ND", [cs, g.const([2]), g.const([[0, 0]])], [s2b])
    idx = g.tensor([2, 2], dtype="int32")
    g.op("ARG_MAX", [s2b, g.const([2])], [idx], "ArgMaxOptions", outputType=Graph.tensor_type("int32"))
    ids = g.tensor([4], dtype="int32")
    g.op("RESHAPE", [idx, g.const([4])], [ids], "ReshapeOptions", newShape=[4])
    emb = g.tensor([4, 5], 0.02, -4)
    g.op("EMBEDDING_LOOKUP", [ids, g.const(rng.integers(-128, 128, [6, 5]), "int8", scale=0.02, zp=-4)], [emb])
    y = g.tensor([4, 5], dtype="int32")
    g.op("CAST", [emb], [y])
    return g.build([x], [y])


def fill_ops_model(seed: int = 0) -> bytes:
    """GREATER, REDUCE_ALL, ZEROS_LIKE and SELECT_V2; SHAPE and BROADCAST_ARGS giving
    DYNAMIC_UPDATE_SLICE its int32 start indices at run time (clamped into the operand);
    REDUCE_MAX to a scalar that FILL spreads, added to the result."""
    rng = np.random.default_rng(seed)
    g = Graph()
    q = (0.05, 3)
    x = g.input([2, 4, 6], *q)
    gt = g.tensor([2, 4, 6], dtype="bool")  # mostly true: a row is all true 4 times in 5
    g.op("GREATER", [x, g.const([-117], "int8", scale=0.05, zp=3)], [gt])
    rows = g.tensor([2, 4, 1], dtype="bool")
    g.op("REDUCE_ALL", [gt, g.const([2])], [rows], "ReducerOptions", keepDims=True)
    zeros = g.tensor([2, 4, 6], *q)
    g.op("ZEROS_LIKE", [x], [zeros])
    sel = g.tensor([2, 4, 6], *q)
    g.op("SELECT_V2", [rows, x, zeros], [sel])
    shp = g.tensor([3], dtype="int32")
    g.op("SHAPE", [sel], [shp], "ShapeOptions", outType=Graph.tensor_type("int32"))
    start = g.tensor([3], dtype="int32")
    g.op("BROADCAST_ARGS", [shp, g.const([2, 1, 6])], [start])
    dus = g.tensor([2, 4, 6], *q)
    g.op(
        "DYNAMIC_UPDATE_SLICE",
        [sel, g.const(rng.integers(-128, 128, [1, 2, 3]), "int8", scale=0.05, zp=3), start],
        [dus],
    )
    top = g.tensor([], *q)
    g.op("REDUCE_MAX", [x, g.const([0, 1, 2])], [top], "ReducerOptions", keepDims=False)
    fill = g.tensor([2, 4, 6], *q)
    g.op("FILL", [g.const([2, 4, 6]), top], [fill])
    y = g.tensor([2, 4, 6], 0.1, -20)
    g.op("ADD", [dus, fill], [y], "AddOptions", fusedActivationFunction=0)
    return g.build([x], [y])


def wide_moves_model(seed: int = 0) -> bytes:
    """The data movement ops on int32 and bool tensors (one element-size-generic
    lowering): int8 TRANSPOSE, GATHER and MIRROR_PAD cast to int32, int32 STRIDED_SLICE (a
    negative stride), SPLIT_V, CONCATENATION and REVERSE_V2, a bool branch (GREATER,
    SLICE, REVERSE_V2, CAST), then UNPACK and PACK of int32 (the output). (No float32
    tensor: the CLI takes a model holding one for a float model to quantize.)"""
    g = Graph()
    x = g.input([2, 5, 6], 0.05, 3)
    a = g.tensor([2, 6, 5], 0.05, 3)
    g.op("TRANSPOSE", [x, g.const([0, 2, 1])], [a])
    b = g.tensor([2, 4, 5], 0.05, 3)
    g.op("GATHER", [a, g.const([5, 0, 2, 2])], [b], "GatherOptions", axis=1)
    q = g.tensor([2, 6, 7], 0.05, 3)
    g.op("MIRROR_PAD", [b, g.const([[0, 0], [1, 1], [2, 0]])], [q], "MirrorPadOptions", mode=0)
    i = g.tensor([2, 6, 7], dtype="int32")
    g.op("CAST", [q], [i])
    s = g.tensor([2, 3, 4], dtype="int32")
    g.op("STRIDED_SLICE", [i, g.const([0, 0, -1]), g.const([2, 6, -8]), g.const([1, 2, -2])], [s],
         "StridedSliceOptions")  # fmt: skip
    parts = [g.tensor([2, 3, 1], dtype="int32"), g.tensor([2, 3, 3], dtype="int32")]
    g.op("SPLIT_V", [s, g.const([1, -1]), g.const([2], shape=[])], parts, "SplitVOptions", numSplits=2)
    cc = g.tensor([2, 3, 4], dtype="int32")
    g.op("CONCATENATION", parts[::-1], [cc], "ConcatenationOptions", axis=2)
    r = g.tensor([2, 3, 4], dtype="int32")
    g.op("REVERSE_V2", [cc, g.const([0])], [r])
    gt = g.tensor([2, 6, 7], dtype="bool")
    g.op("GREATER", [q, g.const([3], "int8", scale=0.05, zp=3)], [gt])
    gs = g.tensor([2, 3, 4], dtype="bool")
    g.op("SLICE", [gt, g.const([0, 1, 2]), g.const([-1, 3, 4])], [gs])
    gr = g.tensor([2, 3, 4], dtype="bool")
    g.op("REVERSE_V2", [gs, g.const([2])], [gr])
    gc = g.tensor([2, 3, 4], dtype="int32")
    g.op("CAST", [gr], [gc])
    both = g.tensor([4, 3, 4], dtype="int32")
    g.op("CONCATENATION", [r, gc], [both], "ConcatenationOptions", axis=0)
    rows = [g.tensor([4, 4], dtype="int32") for _ in range(3)]
    g.op("UNPACK", [both], rows, "UnpackOptions", num=3, axis=1)
    y = g.tensor([4, 4, 3], dtype="int32")
    g.op("PACK", rows, [y], "PackOptions", valuesCount=3, axis=2)
    return g.build([x], [y])


def moves16_model(seed: int = 0) -> bytes:
    """A 16x8 chain (int16 activations, zero points 0): TRANSPOSE, TRANSPOSE_CONV (int64
    bias), STRIDED_SLICE with a negative stride, SPLIT, PACK, BATCH_MATMUL with a constant,
    REVERSE_V2, SLICE, BROADCAST_TO, UNPACK and CONCATENATION."""
    rng = np.random.default_rng(seed)
    g = Graph()
    s = 1 / 4096
    x = g.input([1, 4, 6, 3], s, 0, "int16")
    t = lambda shape, scale=s: g.tensor(shape, scale, 0, "int16")  # noqa: E731
    a = t([1, 6, 4, 3])
    g.op("TRANSPOSE", [x, g.const([0, 2, 1, 3])], [a])
    ws = list(rng.uniform(0.005, 0.015, 4))
    w = g.const(rng.integers(-127, 128, [4, 2, 2, 3]), "int8", scale=ws, zp=[0] * 4)
    bias = g.const(rng.integers(-50000, 50000, [4]), "int64", scale=[s * v for v in ws], zp=[0] * 4)
    s_tc = 5e-4
    tc = t([1, 12, 8, 4], s_tc)
    g.op("TRANSPOSE_CONV", [g.const([1, 12, 8, 4]), w, a, bias], [tc], "TransposeConvOptions", padding=0,
         strideH=2, strideW=2)  # fmt: skip
    ss = t([1, 6, 8, 4], s_tc)
    g.op("STRIDED_SLICE", [tc, g.const([0, -1, 0, 0]), g.const([1, -13, 8, 4]), g.const([1, -2, 1, 1])], [ss],
         "StridedSliceOptions")  # fmt: skip
    halves = [t([1, 6, 8, 2], s_tc), t([1, 6, 8, 2], s_tc)]
    g.op("SPLIT", [g.const([3], shape=[]), ss], halves, "SplitOptions", numSplits=2)
    pk = t([1, 2, 6, 8, 2], s_tc)
    g.op("PACK", halves[::-1], [pk], "PackOptions", valuesCount=2, axis=1)
    flat = t([2, 6, 16], s_tc)
    g.op("RESHAPE", [pk, g.const([2, 6, 16])], [flat], "ReshapeOptions", newShape=[2, 6, 16])
    s_w = 3e-5
    s_mm = 2e-3
    mm = t([2, 6, 5], s_mm)
    g.op("BATCH_MATMUL", [flat, g.const(rng.integers(-32768, 32768, [16, 5]), "int16", scale=s_w, zp=0)], [mm],
         "BatchMatMulOptions")  # fmt: skip
    rv = t([2, 6, 5], s_mm)
    g.op("REVERSE_V2", [mm, g.const([1, -1])], [rv])
    sl = t([2, 1, 5], s_mm)
    g.op("SLICE", [rv, g.const([0, 2, 0]), g.const([-1, 1, -1])], [sl])
    bc = t([2, 4, 5], s_mm)
    g.op("BROADCAST_TO", [sl, g.const([2, 4, 5])], [bc])
    parts = [t([4, 5], s_mm), t([4, 5], s_mm)]
    g.op("UNPACK", [bc], parts, "UnpackOptions", num=2, axis=0)
    y = t([4, 10], s_mm)
    g.op("CONCATENATION", parts, [y], "ConcatenationOptions", axis=1)
    return g.build([x], [y])


def svdf(
    g: Graph,
    x: int,
    batches: int,
    input_size: int,
    units: int,
    rank: int,
    memory: int,
    q_out: tuple[float, int],
    rng: np.random.Generator,
    state: str = "int16",
    q_state: tuple[float, int] = (0.01, 0),
    s_feature: float = 0.02,
    s_time: float | None = None,
    activation: int = 0,
) -> int:
    """An SVDF of x [batches, input_size] with random weights: time weights and the
    variable state both ``state`` (int8 or int16), the bias at the scale TFLite Micro
    requires (state scale times time-weights scale); ``activation`` the schema's fused
    activation (TFLite Micro's int8 SVDF ignores it). Returns the output tensor."""
    filters = units * rank
    lim = 128 if state == "int8" else 32768
    s_time = 1.0 / lim if s_time is None else s_time  # time weights in about [-1, 1]
    wf = g.const(rng.integers(-127, 128, [filters, input_size]), "int8", scale=s_feature)
    wt = g.const(rng.integers(-lim + 1, lim, [filters, memory]), state, scale=s_time)
    s_bias = float(np.float32(q_state[0]) * np.float32(s_time))
    b = g.const(np.clip(np.round(rng.uniform(-2, 2, [units]) / s_bias), -(2**30), 2**30), "int32", scale=s_bias)
    st = g.tensor([batches, filters * memory], q_state[0], q_state[1], dtype=state)
    g.tensors[st].isVariable = True
    y = g.tensor([batches, units], *q_out)
    g.op("SVDF", [x, wf, wt, b, st], [y], "SVDFOptions", rank=rank, fusedActivationFunction=activation)
    return y


def svdf_ops_model(seed: int = 0) -> bytes:
    """SVDF (int16 state) -> FULLY_CONNECTED -> SVDF (int8 state with a zero point, whose
    newest column wraps as TFLite Micro's cast wraps it): two states kept between
    inferences beside the other activations."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([1, 12], 0.05, 3)
    a = svdf(g, x, 1, 12, 8, 2, 5, (0.4, -6), rng)
    w = g.const(rng.integers(-127, 128, [10, 8]), "int8", scale=0.01)
    b = g.const(rng.integers(-500, 500, [10]), "int32", scale=float(np.float32(0.4) * np.float32(0.01)))
    h = g.tensor([1, 10], 0.4, 5)
    g.op("FULLY_CONNECTED", [a, w, b], [h], "FullyConnectedOptions", fusedActivationFunction=0)
    y = svdf(g, h, 1, 10, 4, 1, 3, (0.1, 2), rng, state="int8", q_state=(0.1, -7))
    return g.build([x], [y])


def lstm(
    g: Graph,
    x: int,
    batches: int,
    time_steps: int,
    input_size: int,
    units: int,
    q_in: tuple[float, int],
    rng: np.random.Generator,
    q_hidden: tuple[float, int] = (1 / 128, 0),
    cell_scale: float = 2.0**-11,
    cell_clip: float = 0.0,
    time_major: bool = False,
    gain: float = 1.5,
) -> int:
    """An int8 UNIDIRECTIONAL_SEQUENCE_LSTM of x ([batches, time, input_size], or [time,
    batches, input_size] when ``time_major``) with random int8 weights whose gate sums
    reach about +-``gain`` (real), int32 biases at the input FC's scale, an int8 hidden
    state ``q_hidden`` and an int16 cell state at ``cell_scale`` (both variable tensors),
    a TANH cell gate and ``cell_clip`` (0: none). Returns the output tensor."""
    s_wi = gain / (127 * np.sqrt(input_size) * q_in[0] * 64)
    s_wr = gain / (127 * np.sqrt(units))
    wi = [g.const(rng.integers(-127, 128, [units, input_size]), "int8", scale=s_wi) for _ in range(4)]
    wr = [g.const(rng.integers(-127, 128, [units, units]), "int8", scale=s_wr) for _ in range(4)]
    s_bias = float(np.float32(q_in[0]) * np.float32(s_wi))
    bias = [
        g.const(np.round(rng.uniform(-gain / 2, gain / 2, [units]) / s_bias), "int32", scale=s_bias) for _ in range(4)
    ]
    h = g.tensor([batches, units], *q_hidden)
    c = g.tensor([batches, units], cell_scale, 0, dtype="int16")
    g.tensors[h].isVariable = True
    g.tensors[c].isVariable = True
    shape = [time_steps, batches, units] if time_major else [batches, time_steps, units]
    y = g.tensor(shape, *q_hidden)
    inputs = [x, *wi, *wr, -1, -1, -1, *bias, -1, -1, h, c, -1, -1, -1, -1]
    g.op(
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        inputs,
        [y],
        "UnidirectionalSequenceLSTMOptions",
        fusedActivationFunction=4,  # TANH
        cellClip=cell_clip,
        timeMajor=time_major,
    )
    return y


def lstm_ops_model(seed: int = 0) -> bytes:
    """LSTM -> LSTM (a hidden state with a zero point, a clipped cell): two pairs of
    states kept between inferences beside the other activations."""
    rng = np.random.default_rng(seed)
    g = Graph()
    x = g.input([1, 3, 10], 0.05, 3)
    a = lstm(g, x, 1, 3, 10, 8, (0.05, 3), rng)
    y = lstm(g, a, 1, 3, 8, 6, (1 / 128, 0), rng, q_hidden=(0.008, -5), cell_scale=2.0**-12, cell_clip=3.0)
    return g.build([x], [y])
