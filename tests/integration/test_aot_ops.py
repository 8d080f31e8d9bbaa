"""The AOT compiler's ops beyond the MLPerf Tiny set, each bit-exact with tflite-micro.

Every case is a generated one- or few-op int8 model (tests/op_models.py: built as a
flatbuffer with exact quantization parameters), compiled, built on the host with gcc
and run against tflite-micro on random inputs (compile.check). Binary ops get their
second operand from the input through another op (a requantize, a MEAN that keeps
dimensions for broadcasting) or as a constant, since a compiled model has one input.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from op_models import (
    Graph,
    bool_ops_model,
    check_model,
    extra_ops_model,
    fill_ops_model,
    int32_ops_model,
    lookup_ops_model,
    lstm,
    lstm_ops_model,
    more_ops_model,
    s16_ops_model,
    moves16_model,
    new_ops_model,
    svdf,
    svdf_ops_model,
    typed_ops_model,
    wide_moves_model,
)

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc on the host")

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

Build = Callable[[Graph], tuple[int, int]]  # builds the graph, returns (input, output)
_RUN = itertools.count()  # one folder per model: a shared library path is loaded only once


def assert_exact(
    build: Build, out: Path, kernel: str | None = None, inputs: int = 16, data: np.ndarray | None = None
) -> None:
    g = Graph()
    x, y = build(g)
    result = check_model(g.build([x], [y]), out / str(next(_RUN)), inputs=inputs, data=data)
    assert result["exact_match_rate"] == 1.0, result
    if kernel is not None:
        assert kernel in result["kernels"], result["kernels"]


def unary(
    op: str,
    shape: list[int],
    qin: tuple[float, int],
    qout: tuple[float, int],
    options: str | None = None,
    **fields: object,
) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, *qin)
        y = g.tensor(shape, *qout)
        g.op(op, [x], [y], options, **fields)
        return x, y

    return build


# ---------------------------------------------------------------- activations

ACTIVATION_CASES = [
    ("RELU", (0.05, 3), (0.03, -128), None, {}),
    ("RELU", (0.1, -20), (0.1, -128), None, {}),
    ("RELU", (0.02, 100), (0.07, -50), None, {}),
    ("RELU6", (0.05, 3), (0.05, 3), None, {}),
    ("RELU6", (0.01, -100), (0.03, -128), None, {}),  # TFLM clamps on the input scale
    ("LEAKY_RELU", (0.05, 3), (0.02, -10), "LeakyReluOptions", {"alpha": 0.2}),
    ("LEAKY_RELU", (0.1, 0), (0.1, 0), "LeakyReluOptions", {"alpha": 0.01}),
    ("LEAKY_RELU", (0.03, -40), (0.05, 20), "LeakyReluOptions", {"alpha": 1.7}),
    ("LEAKY_RELU", (0.03, 10), (0.04, 0), "LeakyReluOptions", {"alpha": -0.3}),
    ("HARD_SWISH", (0.05, 3), (0.03, -60), None, {}),
    ("HARD_SWISH", (0.2, -10), (0.1, -100), None, {}),
    ("HARD_SWISH", (0.01, 0), (0.008, -20), None, {}),
    ("HARD_SWISH", (0.5, 30), (0.3, -128), None, {}),
    ("ABS", (0.05, 3), (0.05, 3), None, {}),
    ("ELU", (0.05, 3), (0.03, 40), None, {}),
    ("ELU", (0.2, -30), (0.1, -100), None, {}),
    ("ELU", (0.01, 100), (0.004, 0), None, {}),
    ("ABS", (0.05, -7), (0.03, -128), None, {}),
]


@pytest.mark.parametrize("op,qin,qout,options,fields", ACTIVATION_CASES)
def test_activation_matches_tflm(
    tmp_path: Path, op: str, qin: tuple[float, int], qout: tuple[float, int], options: str | None, fields: dict
) -> None:
    assert_exact(unary(op, [1, 5, 7, 8], qin, qout, options, **fields), tmp_path / "m")


def test_activation_covers_every_int8_value(tmp_path: Path) -> None:
    """256 input elements, so random inputs reach every int8 value across 16 runs."""
    for op, qin, qout in (
        ("HARD_SWISH", (0.04, -5), (0.025, -70)),
        ("LEAKY_RELU", (0.06, 12), (0.05, -3)),
        ("ELU", (0.037, 17), (0.021, -11)),
    ):
        fields = {"alpha": 0.1} if op == "LEAKY_RELU" else {}
        assert_exact(unary(op, [1, 256], qin, qout, "LeakyReluOptions" if fields else None, **fields), tmp_path / op)


def test_prelu_with_constant_alpha(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for k, alpha_shape in enumerate(([1, 1, 8], [8], [5, 7, 8])):

        def build(g: Graph, alpha_shape: list[int] = alpha_shape) -> tuple[int, int]:
            x = g.input([1, 5, 7, 8], 0.05, 3)
            a = g.const(rng.integers(-128, 128, alpha_shape), "int8", scale=0.004, zp=-5)
            y = g.tensor([1, 5, 7, 8], 0.03, -20)
            g.op("PRELU", [x, a], [y])
            return x, y

        assert_exact(build, tmp_path / f"prelu{k}", "td_prelu")


# ---------------------------------------------------------------- binary, broadcasting

BINARY = {
    "ADD": ("AddOptions", {"fusedActivationFunction": 0}),
    "MUL": ("MulOptions", {"fusedActivationFunction": 0}),
    "SUB": ("SubOptions", {"fusedActivationFunction": 0}),
    "MAXIMUM": (None, {}),
    "MINIMUM": (None, {}),
    "SQUARED_DIFFERENCE": (None, {}),
}


def binary(
    op: str,
    shape: list[int],
    form: str,
    qa: tuple[float, int],
    qb: tuple[float, int],
    qo: tuple[float, int],
    act: int = 0,
) -> Build:
    """form: "same" (b = x requantized), "bcast" (b = MEAN of x over H, W: [1,1,1,C]),
    "both" (a = MEAN over C, b = MEAN over H, W), "const" (b a constant [C]),
    "const_first" (a constant [1, W, C] first)."""
    options, fields = BINARY[op]
    if act:
        fields = {"fusedActivationFunction": act}

    def build(g: Graph) -> tuple[int, int]:
        n, h, w, c = shape
        x = g.input(shape, *qa)
        rng = np.random.default_rng(1)
        if form == "same":
            a, b = x, g.tensor(shape, *qb)
            g.op("QUANTIZE", [x], [b])
        elif form in ("bcast", "both"):
            axes = g.const([1, 2])
            b = g.tensor([n, 1, 1, c], *qb)
            g.op("MEAN", [x, axes], [b], "ReducerOptions", keepDims=True)
            a = x
            if form == "both":
                a = g.tensor([n, h, w, 1], *qa)
                g.op("MEAN", [x, g.const([3])], [a], "ReducerOptions", keepDims=True)
        elif form == "const":
            a, b = x, g.const(rng.integers(-128, 128, [c]), "int8", scale=qb[0], zp=qb[1])
        else:
            a = g.const(rng.integers(-128, 128, [1, w, c]), "int8", scale=qb[0], zp=qb[1])
            b = x
        y = g.tensor(shape, *qo)
        g.op(op, [a, b], [y], options, **fields)
        return x, y

    return build


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("form", ["same", "bcast", "both", "const", "const_first"])
def test_binary_matches_tflm(tmp_path: Path, op: str, form: str) -> None:
    same_q = op in ("MAXIMUM", "MINIMUM")  # TFLM compares raw values: converters share one scale
    qa, qb = (0.05, 3), ((0.05, 3) if same_q else (0.03, -12))
    qo = (0.05, 3) if same_q else ((0.004, -128) if op == "SQUARED_DIFFERENCE" else (0.07, 5))
    kernel = {"MAXIMUM": "td_minmax", "MINIMUM": "td_minmax", "SQUARED_DIFFERENCE": "td_squared_difference"}.get(
        op, "td_" + op.lower() + "_s8"
    )
    assert_exact(binary(op, [1, 3, 5, 8], form, qa, qb, qo), tmp_path / "m", kernel)


@pytest.mark.parametrize("kernels", ["dsp", "dsp-small", "v7m", "v6m"])
def test_add_with_a_constant_keeps_the_reference_kernel_under_dsp(tmp_path: Path, kernels: str) -> None:
    """The SIMD ADD tabulates both inputs as activations: a constant operand keeps
    td_add_s8 (and its array) under every kernel set."""
    g = Graph()
    x, y = binary("ADD", [1, 3, 5, 8], "const", (0.05, 3), (0.03, -12), (0.07, 5))(g)
    result = check_model(g.build([x], [y]), tmp_path / kernels, inputs=8, kernels=kernels)
    assert result["exact_match_rate"] == 1.0 and result["kernels"] == ["td_add_s8"], result


def test_sub_fused_relu6(tmp_path: Path) -> None:
    assert_exact(binary("SUB", [1, 4, 4, 6], "bcast", (0.05, 3), (0.02, -1), (0.04, -128), act=3), tmp_path / "m")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    op=st.sampled_from(["SUB", "SQUARED_DIFFERENCE", "ADD", "MUL"]),
    form=st.sampled_from(["same", "bcast", "both", "const"]),
    shape=st.tuples(st.just(1), st.integers(1, 4), st.integers(1, 5), st.integers(1, 9)),
    scales=st.tuples(*[st.floats(0.002, 0.5) for _ in range(3)]),
    zps=st.tuples(*[st.integers(-128, 127) for _ in range(3)]),
)
def test_binary_quantization_property(
    tmp_path: Path, op: str, form: str, shape: tuple[int, ...], scales: tuple[float, ...], zps: tuple[int, ...]
) -> None:
    qa, qb, qo = zip(scales, zps)
    if op == "SQUARED_DIFFERENCE":  # the output scale must hold the squares
        qo = (max(scales[0], scales[1]) ** 2 * 4, zps[2])
    assert_exact(binary(op, list(shape), form, qa, qb, qo), tmp_path / "m")


# ---------------------------------------------------------------- data movement


@dataclasses.dataclass(frozen=True)
class Mover:
    """A one-op data movement model (a Build); ``dtype`` its tensors' type: int8 and int16
    quantized (int16 with a zero point of 0, as 16x8 models have), the others plain."""

    shape: list[int]
    out_shape: list[int]
    op: str
    consts: list[tuple[list, str]]
    options: str | None
    q: tuple[float, int]
    fields: dict[str, object]
    dtype: str = "int8"

    def __call__(self, g: Graph) -> tuple[int, int]:
        q = {"int8": self.q, "int16": (self.q[0] / 256, 0)}.get(self.dtype, (None, 0))
        x = g.input(self.shape, *q, dtype=self.dtype)
        ins = [x] + [g.const(v, dt) for v, dt in self.consts]
        y = g.tensor(self.out_shape, *q, dtype=self.dtype)
        g.op(self.op, ins, [y], self.options, **self.fields)
        return x, y


def mover(
    shape: list[int],
    out_shape: list[int],
    op: str,
    consts: list[tuple[list, str]],
    options: str | None = None,
    q: tuple[float, int] = (0.05, 3),
    **fields: object,
) -> Mover:
    return Mover(shape, out_shape, op, consts, options, q, fields)


def _ss(shape, out, begin, end, strides, **masks):  # noqa: ANN001, ANN003, ANN202
    return mover(
        shape,
        out,
        "STRIDED_SLICE",
        [(begin, "int32"), (end, "int32"), (strides, "int32")],
        "StridedSliceOptions",
        **masks,
    )


MOVER_CASES = {
    "transpose_0312": mover([2, 3, 4, 5], [2, 5, 3, 4], "TRANSPOSE", [([0, 3, 1, 2], "int32")]),
    "transpose_2d": mover([6, 10], [10, 6], "TRANSPOSE", [([1, 0], "int32")]),
    "transpose_5d": mover([2, 3, 2, 4, 3], [3, 4, 2, 2, 3], "TRANSPOSE", [([4, 3, 0, 2, 1], "int32")]),
    "slice": mover([1, 6, 7, 8], [1, 3, 4, 5], "SLICE", [([0, 2, 1, 3], "int32"), ([1, 3, 4, 5], "int32")]),
    "slice_to_end": mover([4, 9], [2, 6], "SLICE", [([2, 3], "int32"), ([-1, -1], "int32")]),
    "strided": _ss([1, 8, 9, 6], [1, 4, 3, 6], [0, 0, 1, 0], [1, 8, 9, 6], [1, 2, 3, 1]),
    "strided_masks": _ss(
        [1, 8, 9, 6], [1, 8, 5, 3], [0, 5, 0, 1], [0, 0, 5, 6], [1, 1, 1, 2], beginMask=0b0011, endMask=0b0011
    ),
    "strided_negative": _ss([1, 8, 9, 6], [1, 4, 9, 6], [0, -1, 0, 0], [1, -9, 9, 6], [1, -2, 1, 1]),
    "strided_shrink": _ss([1, 8, 9, 6], [8, 6], [0, 0, 4, 0], [1, 8, 5, 6], [1, 1, 1, 1], shrinkAxisMask=0b0101),
    "gather_axis0": mover([10, 6], [4, 6], "GATHER", [([9, 0, 3, 3], "int32")], "GatherOptions", axis=0),
    "gather_axis1_2d_indices": mover(
        [3, 7, 4], [3, 2, 2, 4], "GATHER", [([[6, 1], [0, 6]], "int32")], "GatherOptions", axis=1
    ),
    "gather_last_axis_negative": mover(
        [2, 3, 5], [2, 3, 3], "GATHER", [([4, 0, 2], "int32")], "GatherOptions", axis=-1
    ),
    "space_to_depth": mover([1, 6, 4, 3], [1, 3, 2, 12], "SPACE_TO_DEPTH", [], "SpaceToDepthOptions", blockSize=2),
    "depth_to_space": mover([1, 3, 2, 18], [1, 9, 6, 2], "DEPTH_TO_SPACE", [], "DepthToSpaceOptions", blockSize=3),
    "mirror_pad_reflect": mover(
        [1, 5, 6, 3],
        [1, 8, 9, 3],
        "MIRROR_PAD",
        [([[0, 0], [2, 1], [1, 2], [0, 0]], "int32")],
        "MirrorPadOptions",
        mode=0,
    ),
    "mirror_pad_symmetric": mover(
        [1, 5, 6, 3],
        [1, 10, 8, 3],
        "MIRROR_PAD",
        [([[0, 0], [2, 3], [1, 1], [0, 0]], "int32")],
        "MirrorPadOptions",
        mode=1,
    ),
    "resize_nn_up": mover(
        [1, 3, 5, 4], [1, 7, 10, 4], "RESIZE_NEAREST_NEIGHBOR", [([7, 10], "int32")], "ResizeNearestNeighborOptions"
    ),
    "resize_nn_half_pixel": mover(
        [1, 4, 5, 2],
        [1, 8, 7, 2],
        "RESIZE_NEAREST_NEIGHBOR",
        [([8, 7], "int32")],
        "ResizeNearestNeighborOptions",
        halfPixelCenters=True,
    ),
    "reverse_v2": mover([2, 3, 4, 5], [2, 3, 4, 5], "REVERSE_V2", [([1, -2], "int32")]),
    "broadcast_to": mover([3, 1, 5], [2, 3, 4, 5], "BROADCAST_TO", [([2, 3, 4, 5], "int32")]),
    "gather_nd_elements": mover(
        [3, 4, 5], [2, 2], "GATHER_ND", [([[[0, 1, 2], [2, 3, 4]], [[1, 0, 0], [2, 2, 2]]], "int32")]
    ),
    "gather_nd_slices": mover([3, 4, 5], [3, 5], "GATHER_ND", [([[2, 1], [0, 3], [2, 1]], "int32")]),
    "batch_to_space": mover(
        [8, 3, 2, 3], [2, 5, 4, 3], "BATCH_TO_SPACE_ND", [([2, 2], "int32"), ([[0, 1], [0, 0]], "int32")]
    ),
    "batch_to_space_3d": mover([6, 4, 2], [2, 10, 2], "BATCH_TO_SPACE_ND", [([3], "int32"), ([[1, 1]], "int32")]),
    "resize_nn_align": mover(
        [1, 4, 5, 2],
        [1, 7, 3, 2],
        "RESIZE_NEAREST_NEIGHBOR",
        [([7, 3], "int32")],
        "ResizeNearestNeighborOptions",
        alignCorners=True,
    ),
}


@pytest.mark.parametrize("case", list(MOVER_CASES))
def test_data_movement_matches_tflm(tmp_path: Path, case: str) -> None:
    assert_exact(MOVER_CASES[case], tmp_path / "m", "td_remap", inputs=4)


# The types each op's TFLite Micro kernel takes beyond int8 (tensorflow/lite/micro/kernels/
# in the pinned tflite-micro; lower_move.MOVE_TYPES), and some it refuses.
MOVER_TYPES = {
    "TRANSPOSE": ("int16", "float32"),
    "SLICE": ("int16", "int32", "bool", "float32"),
    "STRIDED_SLICE": ("int16", "int32", "bool", "float32"),
    "GATHER": ("float32",),
    "GATHER_ND": ("float32",),
    "SPACE_TO_DEPTH": ("float32",),
    "DEPTH_TO_SPACE": ("float32",),
    "BATCH_TO_SPACE_ND": ("float32",),
    "MIRROR_PAD": ("float32",),
    "RESIZE_NEAREST_NEIGHBOR": ("int16", "float32"),
    "REVERSE_V2": ("int16", "int32", "bool", "float32"),
    "BROADCAST_TO": ("int16", "int32", "bool", "float32"),
}
TYPED_MOVER_CASES = [
    (case, dtype) for case, m in MOVER_CASES.items() for dtype in MOVER_TYPES[m.op]
] + [  # more shapes, axes and strides in the wider types
    ("transpose_5d_other", "int16"),
    ("transpose_5d_other", "float32"),
    ("strided_negative_shrink", "int32"),
    ("strided_negative_shrink", "int16"),
    ("reverse_all_axes", "int16"),
    ("reverse_all_axes", "bool"),
    ("broadcast_scalar_like", "int32"),
    ("broadcast_scalar_like", "int16"),
    ("slice_negative_size", "bool"),
]
MOVER_CASES_WIDE = {
    "transpose_5d_other": mover([2, 3, 2, 4, 3], [3, 3, 2, 4, 2], "TRANSPOSE", [([1, 4, 0, 3, 2], "int32")]),
    "strided_negative_shrink": _ss(
        [3, 7, 5], [4, 3], [-1, 6, -1], [0, -9, 0], [1, -2, -2], shrinkAxisMask=0b001, endMask=0b100
    ),
    "reverse_all_axes": mover([3, 4, 5], [3, 4, 5], "REVERSE_V2", [([0, 1, 2], "int32")]),
    "broadcast_scalar_like": mover([1, 1], [3, 4, 2], "BROADCAST_TO", [([3, 4, 2], "int32")]),
    "slice_negative_size": mover([5, 6, 3], [2, 4, 3], "SLICE", [([3, 2, 0], "int32"), ([-1, 4, -1], "int32")]),
}


@pytest.mark.parametrize("case,dtype", TYPED_MOVER_CASES)
def test_data_movement_of_wider_types_matches_tflm(tmp_path: Path, case: str, dtype: str) -> None:
    """One lowering for every element type: 16x8 (int16), int32, bool and float32 tensors
    move as TFLite Micro moves them, wherever its kernel takes the type."""
    m = MOVER_CASES.get(case) or MOVER_CASES_WIDE[case]
    assert_exact(dataclasses.replace(m, dtype=dtype), tmp_path / "m", "td_remap", inputs=4)


@pytest.mark.parametrize(
    "case,dtype",
    [
        ("transpose_2d", "int32"),
        ("transpose_2d", "bool"),
        ("gather_axis0", "int16"),
        ("space_to_depth", "int16"),
        ("mirror_pad_reflect", "int16"),
        ("gather_nd_slices", "int32"),
    ],
)
def test_data_movement_refuses_a_type_tflm_refuses(case: str, dtype: str) -> None:
    """A type TFLite Micro's kernel does not take: the one-line unsupported-op error
    (TFLite Micro would fail the same model in Prepare)."""
    from tinydeploy.compile.lower import lower
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = dataclasses.replace(MOVER_CASES[case], dtype=dtype)(g)
    with pytest.raises(UnsupportedOpError) as err:
        lower(parse_model(g.build([x], [y]), name="refused"))
    text = str(err.value)
    assert "\n" not in text and MOVER_CASES[case].op in text and f"is {dtype}; TFLite Micro's kernel takes" in text


def split_then_concat(kind: str, dtype: str = "int8") -> Build:
    """Split the input into pieces, then concatenate (or PACK) them in another order."""
    q = {"int8": (0.05, 3), "int16": (0.05 / 256, 0)}.get(dtype, (None, 0))

    def build(g: Graph) -> tuple[int, int]:
        t = lambda shape: g.tensor(shape, *q, dtype=dtype)  # noqa: E731
        x = g.input([2, 6, 4], *q, dtype=dtype)
        if kind == "split":
            outs = [t([2, 2, 4]) for _ in range(3)]
            g.op("SPLIT", [g.const([1]), x], outs, "SplitOptions", numSplits=3)
            y = t([2, 6, 4])
            g.op("CONCATENATION", outs[::-1], [y], "ConcatenationOptions", axis=1)
        elif kind == "split_v":
            sizes = [1, 3]
            outs = [t([2, 6, s]) for s in sizes]
            g.op("SPLIT_V", [x, g.const([1, -1]), g.const([-1])], outs, "SplitVOptions", numSplits=2)
            y = t([2, 6, 4])
            g.op("CONCATENATION", outs[::-1], [y], "ConcatenationOptions", axis=2)
        elif kind == "split_v_negative_axis":  # two pieces along axis -3, packed on axis 1
            outs = [t([1, 6, 4]), t([1, 6, 4])]
            g.op("SPLIT_V", [x, g.const([1, 1]), g.const([-3])], outs, "SplitVOptions", numSplits=2)
            y = t([1, 2, 6, 4])
            g.op("PACK", outs[::-1], [y], "PackOptions", valuesCount=2, axis=1)
        else:  # unpack along axis 1, pack along the last axis
            outs = [t([2, 4]) for _ in range(6)]
            g.op("UNPACK", [x], outs, "UnpackOptions", num=6, axis=1)
            y = t([2, 4, 6])
            g.op("PACK", outs, [y], "PackOptions", valuesCount=6, axis=-1)
        return x, y

    return build


@pytest.mark.parametrize("kind", ["split", "split_v", "unpack_pack"])
def test_split_family_matches_tflm(tmp_path: Path, kind: str) -> None:
    assert_exact(split_then_concat(kind), tmp_path / "m", "td_split", inputs=4)


@pytest.mark.parametrize("dtype", ["int16", "int32", "float32"])
@pytest.mark.parametrize("kind", ["split", "split_v", "split_v_negative_axis", "unpack_pack"])
def test_split_family_of_wider_types_matches_tflm(tmp_path: Path, kind: str, dtype: str) -> None:
    """SPLIT, SPLIT_V, UNPACK and PACK take int16, int32 and float32 in TFLite Micro: one
    raw-bytes kernel each (CONCATENATION of int32 / float32 through td_concat too)."""
    assert_exact(split_then_concat(kind, dtype), tmp_path / "m", "td_split", inputs=4)


@pytest.mark.parametrize(
    "dtype,shape,pads,value",
    [
        ("int32", [2, 3, 4], [[1, 0], [0, 2], [1, 1]], None),
        ("int32", [3, 5], [[2, 2], [0, 3]], -7),
        ("float32", [1, 4, 5, 3], [[0, 0], [1, 2], [2, 1], [0, 1]], None),
        ("float32", [2, 3, 1, 2, 2], [[1, 0], [0, 0], [2, 2], [0, 1], [1, 0]], 1.5),
        ("float32", [6], [[0, 3]], -0.25),
    ],
)
def test_pad_of_int32_and_float32_matches_tflm(
    tmp_path: Path, dtype: str, shape: list[int], pads: list[list[int]], value: float | None
) -> None:
    """PAD (0) and PADV2 (a constant) of the other types TFLite Micro's kernel pads: td_remap
    with a padding value, up to 5 dimensions."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, dtype=dtype)
        out = [n + a + b for n, (a, b) in zip(shape, pads)]
        y = g.tensor(out, dtype=dtype)
        ins = [x, g.const(pads)]
        if value is not None:
            ins.append(g.const([value], dtype, shape=[]))
        g.op("PAD" if value is None else "PADV2", ins, [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_remap", inputs=4)


def test_concatenation_of_bool_tensors_matches_tflm(tmp_path: Path) -> None:
    """CONCATENATION of bool tensors (TFLite Micro copies them): slices of a bool input."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([3, 4, 5], dtype="bool")
        a, b = g.tensor([3, 2, 5], dtype="bool"), g.tensor([3, 4, 2], dtype="bool")
        g.op("SLICE", [x, g.const([0, 1, 0]), g.const([-1, 2, -1])], [a])
        g.op("SLICE", [x, g.const([0, 0, 3]), g.const([-1, -1, 2])], [b])
        ra, rb = g.tensor([3, 10], dtype="bool"), g.tensor([3, 8], dtype="bool")
        g.op("RESHAPE", [a, g.const([3, 10])], [ra], "ReshapeOptions", newShape=[3, 10])
        g.op("RESHAPE", [b, g.const([3, 8])], [rb], "ReshapeOptions", newShape=[3, 8])
        y = g.tensor([3, 18], dtype="bool")
        g.op("CONCATENATION", [rb, ra], [y], "ConcatenationOptions", axis=1)
        return x, y

    assert_exact(build, tmp_path / "m", "td_concat", inputs=4)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_strided_slice_property(tmp_path: Path, data: st.DataObject) -> None:
    """Random begin/end/stride (negative included) and masks, against TFLM."""
    shape = data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    begin, end, strides, out = [], [], [], []
    bm = em = 0
    for d, n in enumerate(shape):
        s = data.draw(st.sampled_from([1, 2, 3, -1, -2]))
        b = data.draw(st.integers(-n - 1, n + 1))
        e = data.draw(st.integers(-n - 1, n + 1))
        if data.draw(st.booleans()):
            bm |= 1 << d
        if data.draw(st.booleans()):
            em |= 1 << d
        sl = slice(None if bm >> d & 1 else b, None if em >> d & 1 else e, s)
        size = len(range(n)[sl])
        if size == 0:  # an empty output is no model
            bm |= 1 << d
            em |= 1 << d
            size = len(range(n)[::s])
        begin.append(b)
        end.append(e)
        strides.append(s)
        out.append(size)
    assert_exact(_ss(shape, out, begin, end, strides, beginMask=bm, endMask=em), tmp_path / "m", inputs=2)


# ---------------------------------------------------------------- kernel sets, the device

NEW_KERNELS = {
    "new_ops": (
        new_ops_model,
        {
            "td_hard_swish_s8",
            "td_leaky_relu_s8",
            "td_minmax",
            "td_sub_s8",
            "td_squared_difference",
            "td_prelu",
            "td_remap",
            "td_split",
            "td_abs",
            "td_relu_s8",
        },
    ),
    "more_ops": (
        more_ops_model,
        {
            "td_transpose_conv2d_s8",
            "td_resize_bilinear_s8",
            "td_l2_normalization_s8",
            "td_batch_matmul_s8",
            "td_mean_s8",
            "td_reduce_max_s8",
            "td_sub_s8",
            "td_div_s8",
            "td_relu_s8",
            "td_rsqrt_s8",
            "td_remap",
            "td_concat",
        },
    ),
    "extra_ops": (
        extra_ops_model,
        {
            "td_lut_s8",
            "td_split",
            "td_add_n_s8",
            "td_remap",
            "td_reduce_min_s8",
            "td_mul_s8",
            "td_log_softmax_s8",
        },
    ),
    "typed_ops": (
        typed_ops_model,
        {"td_arg_min_s8", "td_compare_s8", "td_logical_b8", "td_logical_not_b8", "td_select_v2", "td_minmax"},
    ),
    "int32_ops": (int32_ops_model, {"td_arith_i32", "td_minmax", "td_arg_max_s8", "td_arg_min_s8"}),
    "s16_ops": (
        s16_ops_model,
        {"td_quantize_f32", "td_abs", "td_minmax", "td_squared_difference", "td_requantize", "td_cast"}
        | {"td_dequantize_f32", "td_prelu"},
    ),
    "bool_ops": (
        bool_ops_model,
        {"td_compare_s8", "td_logical_b8", "td_requantize", "td_arg_max_s8", "td_compare_i32"},
    ),
    "lookup_ops": (
        lookup_ops_model,
        {"td_cumsum_s8", "td_remap", "td_arg_max_s8", "td_embedding_lookup_s8", "td_cast"},
    ),
    "fill_ops": (
        fill_ops_model,
        {"td_reduce_all_b8", "td_fill", "td_broadcast_args_i32", "td_dynamic_update_slice", "td_select_v2"},
    ),
    # the data movement ops on wider types: int32 / bool, and a 16x8 chain
    "wide_moves": (
        wide_moves_model,
        {"td_remap", "td_split", "td_concat", "td_cast", "td_compare_s8"},
    ),
    "moves16": (
        moves16_model,
        {"td_remap", "td_transpose_conv2d_s16", "td_split", "td_concat", "td_batch_matmul_s16"},
    ),
    # stateful: every check runs its inputs as consecutive inferences of one model
    "svdf_ops": (svdf_ops_model, {"td_svdf_s8"}),
    "lstm_ops": (lstm_ops_model, {"td_lstm_s8"}),
}


@pytest.mark.parametrize("name", list(NEW_KERNELS))
@pytest.mark.parametrize("kernels", ["reference", "dsp", "dsp-small", "v7m", "v6m"])
def test_new_ops_models_under_every_kernel_set(tmp_path: Path, name: str, kernels: str) -> None:
    """The added ops keep their reference kernels beside the SIMD convolution."""
    build, expected = NEW_KERNELS[name]
    result = check_model(build(), tmp_path / kernels, inputs=8, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, result
    if name == "new_ops":
        fast = {
            "dsp": "td_conv2d_s8_dsp",
            "dsp-small": "td_conv2d_s8_dsp",
            "v7m": "td_conv2d_s8_mac",
            "v6m": "td_conv2d_s8_mac",
        }.get(kernels)
        assert fast is None or fast in result["kernels"], result["kernels"]
    assert expected <= set(result["kernels"])


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)
@pytest.mark.parametrize("name", list(NEW_KERNELS))
def test_new_ops_models_on_qemu_m4_are_bit_exact(tmp_path: Path, capsys: pytest.CaptureFixture, name: str) -> None:
    """Every added kernel on the emulated Cortex-M4 (the DSP kernel set: SIMD for the
    convolution), its outputs checked against tflite-micro on the host."""
    import json

    from tinydeploy.cli import main

    build, expected = NEW_KERNELS[name]
    model = tmp_path / f"{name}.tflite"
    model.write_bytes(build())
    assert (
        main(
            [
                "flash",
                str(model),
                "--board",
                "qemu-m4",
                "--check",
                "8",
                "--runs",
                "1",
                "-o",
                str(tmp_path / "out"),
                "--json",
            ]
        )
        == 0
    ), capsys.readouterr().err
    r = json.loads(capsys.readouterr().out)
    assert r["runtime"] == "aot" and r["check"]["inputs"] == 8
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0
    compiled = json.loads((tmp_path / "out" / "compiled" / "compiled.json").read_text())
    assert compiled["kernel_mode"] == "dsp"
    assert expected <= set(compiled["kernels"])


# ---------------------------------------------------------------- resize, transpose conv, matmul


@pytest.mark.parametrize(
    "out_hw,opts",
    [
        ([7, 10], {}),
        ([8, 9], {"halfPixelCenters": True}),
        ([7, 3], {"alignCorners": True}),
        ([2, 3], {}),
        ([6, 10], {"halfPixelCenters": True}),
    ],
)
def test_resize_bilinear_matches_tflm(tmp_path: Path, out_hw: list[int], opts: dict) -> None:
    assert_exact(
        mover([2, 3, 5, 4], [2, *out_hw, 4], "RESIZE_BILINEAR", [(out_hw, "int32")], "ResizeBilinearOptions", **opts),
        tmp_path / "m",
        "td_resize_bilinear_s8",
        inputs=6,
    )


@pytest.mark.parametrize(
    "in_hw,k,stride,padding,per_channel,bias,act",
    [
        ([4, 5], 3, 2, 0, True, True, 0),  # SAME
        ([4, 5], 3, 2, 1, False, True, 1),  # VALID, RELU
        ([3, 3], 2, 2, 1, True, False, 0),  # the U-Net upsampling: 2x2, stride 2
        ([5, 4], 4, 1, 0, True, True, 3),  # stride 1, RELU6
        ([3, 4], 3, 3, 1, True, True, 0),
    ],
)
def test_transpose_conv_matches_tflm(
    tmp_path: Path, in_hw: list[int], k: int, stride: int, padding: int, per_channel: bool, bias: bool, act: int
) -> None:
    ic, oc = 5, 6
    if padding == 0:  # SAME
        oh, ow = in_hw[0] * stride, in_hw[1] * stride
    else:
        oh, ow = (in_hw[0] - 1) * stride + k, (in_hw[1] - 1) * stride + k

    def build(g: Graph) -> tuple[int, int]:
        rng = np.random.default_rng(2)
        x = g.input([1, *in_hw, ic], 0.05, -3)
        ws = [0.004 + 0.001 * i for i in range(oc)] if per_channel else [0.005]
        w = g.const(rng.integers(-127, 128, [oc, k, k, ic]), "int8", scale=ws, zp=[0] * len(ws))
        ins = [g.const([1, oh, ow, oc]), w, x]
        if bias:
            ins.append(
                g.const(rng.integers(-2000, 2000, [oc]), "int32", scale=[0.05 * s for s in ws], zp=[0] * len(ws))
            )
        y = g.tensor([1, oh, ow, oc], 0.06, 4)
        g.op(
            "TRANSPOSE_CONV",
            ins,
            [y],
            "TransposeConvOptions",
            padding=padding,
            strideW=stride,
            strideH=stride,
            fusedActivationFunction=act,
        )
        return x, y

    assert_exact(build, tmp_path / "m", "td_transpose_conv2d_s8", inputs=6)


@pytest.mark.parametrize("form", ["self_attention", "adj_y", "adj_x", "const_rhs", "broadcast_const"])
def test_batch_matmul_matches_tflm(tmp_path: Path, form: str) -> None:
    """x [2, 6, 5]: x @ x^T as attention scores do (adj_y), x^T @ x (adj_x), x @ W."""

    def build(g: Graph) -> tuple[int, int]:
        rng = np.random.default_rng(3)
        x = g.input([2, 6, 5], 0.05, 3)
        if form in ("self_attention", "adj_y", "adj_x"):
            x2 = g.tensor([2, 6, 5], 0.04, -7)
            g.op("QUANTIZE", [x], [x2])
            adj_x, adj_y = form == "adj_x", form != "adj_x"
            out = [2, 5, 5] if adj_x else [2, 6, 6]
            lhs, rhs = (x, x2) if form != "self_attention" else (x2, x)
        else:
            shape = [5, 4] if form == "broadcast_const" else [2, 5, 4]
            lhs, rhs = x, g.const(rng.integers(-128, 128, shape), "int8", scale=0.02, zp=-4)
            adj_x = adj_y = False
            out = [2, 6, 4]
        y = g.tensor(out, 0.08, -2)
        g.op("BATCH_MATMUL", [lhs, rhs], [y], "BatchMatMulOptions", adjX=adj_x, adjY=adj_y)
        return x, y

    assert_exact(build, tmp_path / "m", "td_batch_matmul_s8", inputs=6)


@pytest.mark.parametrize("op", ["SUM", "REDUCE_MAX", "REDUCE_MIN"])
@pytest.mark.parametrize("axes,keep", [([1, 2], True), ([3], False), ([0, 2, 3], True), ([-1, 1], False)])
def test_reductions_match_tflm(tmp_path: Path, op: str, axes: list[int], keep: bool) -> None:
    def build(g: Graph) -> tuple[int, int]:
        shape = [2, 3, 4, 5]
        x = g.input(shape, 0.05, 3)
        ax = {a % 4 for a in axes}
        out = (
            [1 if d in ax else n for d, n in enumerate(shape)]
            if keep
            else [n for d, n in enumerate(shape) if d not in ax]
        )
        y = g.tensor(out, *((0.4, -6) if op == "SUM" else (0.05, 3)))
        g.op(op, [x, g.const(axes)], [y], "ReducerOptions", keepDims=keep)
        return x, y

    assert_exact(build, tmp_path / "m", "td_mean_s8" if op == "SUM" else f"td_{op.lower()}_s8", inputs=6)


def test_div_matches_tflm(tmp_path: Path) -> None:
    """x / x' (x' = x requantized, never 0 on these inputs), x / c, c / x, with RELU."""
    rng = np.random.default_rng(4)
    data = rng.integers(-100, 128, [12, 1, 3, 4, 5]).astype(np.int8)
    for k, (form, act) in enumerate((("same", 0), ("const", 0), ("const_first", 0), ("same", 1))):

        def build(g: Graph, form: str = form, act: int = act) -> tuple[int, int]:
            x = g.input([1, 3, 4, 5], 0.05, -128)
            if form == "same":
                b = g.tensor([1, 3, 4, 5], 0.04, -128)
                g.op("QUANTIZE", [x], [b])
                a = x
            else:
                c = g.const(rng.choice([v for v in range(-128, 128) if v != 7], [5]), "int8", scale=0.03, zp=7)
                a, b = (x, c) if form == "const" else (c, x)
            y = g.tensor([1, 3, 4, 5], 0.1, -20)
            g.op("DIV", [a, b], [y], "DivOptions", fusedActivationFunction=act)
            return x, y

        assert_exact(build, tmp_path / f"div{k}", "td_div_s8", data=data)


@pytest.mark.parametrize(
    "qin,qout", [((0.05, -128), (0.02, -128)), ((0.3, -128), (0.01, -60)), ((0.002, -128), (0.5, 0))]
)
def test_rsqrt_matches_tflm(tmp_path: Path, qin: tuple[float, int], qout: tuple[float, int]) -> None:
    """Input zero point -128: every input is >= 0 (TFLite Micro fails below)."""
    assert_exact(unary("RSQRT", [1, 256], qin, qout), tmp_path / "m", "td_rsqrt_s8")


@pytest.mark.parametrize("shape,qin", [([1, 4, 4, 16], (0.05, 3)), ([6, 10], (0.1, -128)), ([3, 1], (0.02, 0))])
def test_l2_normalization_matches_tflm(tmp_path: Path, shape: list[int], qin: tuple[float, int]) -> None:
    assert_exact(
        unary("L2_NORMALIZATION", shape, qin, (1 / 128, 0), "L2NormOptions", fusedActivationFunction=0),
        tmp_path / "m",
        "td_l2_normalization_s8",
    )


@pytest.mark.parametrize(
    "shape,qin",
    [([1, 10], (0.1, 3)), ([4, 37], (0.05, -20)), ([2, 3, 6], (0.4, 0)), ([1, 300], (0.02, 10)), ([3, 8], (1.5, -100))],
)
def test_log_softmax_matches_tflm(tmp_path: Path, shape: list[int], qin: tuple[float, int]) -> None:
    assert_exact(
        unary("LOG_SOFTMAX", shape, qin, (16 / 256, 127), "LogSoftmaxOptions"), tmp_path / "m", "td_log_softmax_s8"
    )


@pytest.mark.parametrize("name", list(NEW_KERNELS))
def test_new_kernels_are_sanitizer_clean(tmp_path: Path, name: str) -> None:
    """The chained models built with -fsanitize=address,undefined: no read past a buffer,
    no signed overflow, and still the tflite-micro outputs."""
    from tinydeploy.compile import compile_model
    from tinydeploy.compile.host import build_harness, run_harness
    from tinydeploy.compile.tflm import TflmRunner
    from tinydeploy.model.inputs import random_inputs
    from tinydeploy.model.ir import parse_model

    build, _ = NEW_KERNELS[name]
    raw = build()
    cm = compile_model(parse_model(raw, name=name), tmp_path / name, kernels="reference")
    try:
        exe = build_harness(cm, sanitize=True)
    except Exception as exc:  # pragma: no cover - a toolchain without libasan
        pytest.skip(f"cannot build with sanitizers: {exc}")
    xs = random_inputs(cm, 4, seed=5)
    outs = run_harness(exe, xs, cm.input["bytes"], cm.output["bytes"]).view(cm.output_dtype)
    ref = TflmRunner(raw)
    for x, y in zip(xs, outs):
        assert np.array_equal(y, ref.run(x).reshape(-1))


@pytest.mark.parametrize("count,qo", [(2, (0.1, 4)), (3, (0.15, -20)), (5, (0.05, 0))])
def test_add_n_matches_tflm(tmp_path: Path, count: int, qo: tuple[float, int]) -> None:
    """x split into `count` slices along the channels, summed again."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([1, 3, 4, 2 * count], 0.05, -6)
        parts = [g.tensor([1, 3, 4, 2], 0.05, -6) for _ in range(count)]
        g.op("SPLIT", [g.const([3]), x], parts, "SplitOptions", numSplits=count)
        y = g.tensor([1, 3, 4, 2], *qo)
        g.op("ADD_N", parts, [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_add_n_s8")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 16)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    op=st.sampled_from(["RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "ABS", "ELU"]),
    s_in=st.floats(0.002, 0.5),
    s_out=st.floats(0.002, 0.5),
    z_in=st.integers(-128, 127),
    z_out=st.integers(-128, 127),
    alpha=st.floats(-2.0, 2.0),
)
def test_activation_quantization_property(
    tmp_path: Path, op: str, s_in: float, s_out: float, z_in: int, z_out: int, alpha: float
) -> None:
    """Random scales and zero points over all 256 int8 inputs (HARD_SWISH refuses scales
    too far apart for its 16-bit arithmetic: a clear error, not a wrong result)."""
    from tinydeploy.errors import UnsupportedOpError

    fields = {"alpha": alpha} if op == "LEAKY_RELU" else {}
    build = unary(op, [1, 256], (s_in, z_in), (s_out, z_out), "LeakyReluOptions" if fields else None, **fields)
    try:
        assert_exact(build, tmp_path / "m", inputs=4)
    except UnsupportedOpError as exc:
        assert op == "HARD_SWISH" and "too far apart" in str(exc), exc


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    op=st.sampled_from(
        [
            "DIV",
            "RSQRT",
            "LOG_SOFTMAX",
            "L2_NORMALIZATION",
            "PRELU",
            "BATCH_MATMUL",
            "TRANSPOSE_CONV",
            "RESIZE_BILINEAR",
        ]
    ),
    scales=st.tuples(*[st.floats(0.002, 0.5) for _ in range(3)]),
    zps=st.tuples(*[st.integers(-128, 127) for _ in range(3)]),
    sizes=st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 6)),
)
def test_compute_ops_quantization_property(
    tmp_path: Path, op: str, scales: tuple[float, ...], zps: tuple[int, ...], sizes: tuple[int, int, int]
) -> None:
    """Random scales, zero points and sizes for the ops with their own arithmetic."""
    s_in, s_c, s_out = scales
    z_in, z_c, z_out = zps
    h, w, c = sizes
    rng = np.random.default_rng(sum(sizes))

    def build(g: Graph) -> tuple[int, int]:
        if op == "RSQRT":  # defined from the zero point up only
            x = g.input([1, h, w, c], s_in, -128)
            y = g.tensor([1, h, w, c], s_out, z_out)
            g.op(op, [x], [y])
            return x, y
        x = g.input([1, h, w, c], s_in, z_in)
        if op == "DIV":
            vals = rng.choice([v for v in range(-128, 128) if v != z_c], [c])
            y = g.tensor([1, h, w, c], s_out, z_out)
            g.op(op, [x, g.const(vals, "int8", scale=s_c, zp=z_c)], [y], "DivOptions")
        elif op in ("LOG_SOFTMAX", "L2_NORMALIZATION"):
            qo = (16 / 256, 127) if op == "LOG_SOFTMAX" else (1 / 128, 0)
            y = g.tensor([1, h, w, c], *qo)
            g.op(op, [x], [y])
        elif op == "PRELU":
            y = g.tensor([1, h, w, c], s_out, z_out)
            g.op(op, [x, g.const(rng.integers(-128, 128, [c]), "int8", scale=s_c, zp=z_c)], [y])
        elif op == "BATCH_MATMUL":
            rhs = g.const(rng.integers(-128, 128, [c, 3]), "int8", scale=s_c, zp=z_c)
            y = g.tensor([1, h, w, 3], s_out * 16, z_out)
            g.op(op, [x, rhs], [y], "BatchMatMulOptions")
        elif op == "TRANSPOSE_CONV":
            oc = 3
            w_ = g.const(rng.integers(-127, 128, [oc, 2, 2, c]), "int8", scale=[s_c] * oc, zp=[0] * oc)
            y = g.tensor([1, 2 * h, 2 * w, oc], s_out * 4, z_out)
            g.op(
                op,
                [g.const([1, 2 * h, 2 * w, oc]), w_, x],
                [y],
                "TransposeConvOptions",
                padding=1,
                strideW=2,
                strideH=2,
            )
        else:
            out = [max(1, 2 * h - 1), w + 2]
            y = g.tensor([1, *out, c], s_in, z_in)
            g.op(
                op,
                [x, g.const(out)],
                [y],
                "ResizeBilinearOptions",
                halfPixelCenters=bool(z_c % 2),
                alignCorners=not z_c % 2 and bool(z_c % 3),
            )
        return x, y

    assert_exact(build, tmp_path / "m", inputs=4)


# ---------------------------------------------------------------- int32 and bool tensors


@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_int32_and_bool_model_io(tmp_path: Path, dtype: str) -> None:
    """An int32 / bool input reshaped to the output: td_model.h's TD_INT32 / TD_BOOL
    info, the planner's element sizes and the host runner, against tflite-micro."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([1, 3, 4], dtype=dtype)
        y = g.tensor([12], dtype=dtype)
        g.op("RESHAPE", [x, g.const([12])], [y], "ReshapeOptions", newShape=[12])
        return x, y

    g = Graph()
    x, y = build(g)
    result = check_model(g.build([x], [y]), tmp_path / "m", inputs=8)
    assert result["exact_match_rate"] == 1.0, result
    text = (tmp_path / "m" / "model.c").read_text()
    td = {"int32": "TD_INT32", "bool": "TD_BOOL"}[dtype]
    assert f".dtype = {td}, .dims = 3" in text and f".dtype = {td}, .dims = 1" in text
    size = {"int32": 4, "bool": 1}[dtype]
    assert f".bytes = {12 * size}," in text


# ---------------------------------------------------------------- ARG_MAX, ARG_MIN


def arg_op(op: str, shape: list[int], axis: int, q: tuple[float, int] = (0.05, 3), out_dtype: str = "int32") -> Build:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, *q)
        a = axis + len(shape) if axis < 0 else axis
        y = g.tensor(shape[:a] + shape[a + 1 :], dtype=out_dtype)
        options = "ArgMaxOptions" if op == "ARG_MAX" else "ArgMinOptions"
        g.op(op, [x, g.const([axis])], [y], options, outputType=g.tensor_type(out_dtype))
        return x, y

    return build


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize(
    "shape,axis",
    [
        ([1, 10], -1),
        ([1, 10], 1),
        ([2, 3, 5, 4], 3),
        ([2, 3, 5, 4], 0),
        ([2, 3, 5, 4], 2),
        ([1, 7, 6], 1),
        ([12], 0),
        ([3, 1, 4], 1),
    ],
)
def test_arg_min_max_matches_tflm(tmp_path: Path, op: str, shape: list[int], axis: int) -> None:
    assert_exact(arg_op(op, shape, axis), tmp_path / "m", "td_" + op.lower() + "_s8")


def test_arg_max_ties_take_the_first_index(tmp_path: Path) -> None:
    """Few distinct values (many ties) and the all-equal row: the first index wins."""
    data = np.random.default_rng(3).integers(-2, 2, (12, 1, 4, 6)).astype(np.int8)
    data[0] = 5
    for op in ("ARG_MAX", "ARG_MIN"):
        assert_exact(arg_op(op, [1, 4, 6], 2), tmp_path / op, data=data)


def test_classifier_ending_in_arg_max(tmp_path: Path) -> None:
    """FULLY_CONNECTED -> SOFTMAX -> ARG_MAX: the model's output is one int32 class index."""

    def build(g: Graph) -> tuple[int, int]:
        rng = np.random.default_rng(0)
        x = g.input([1, 16], 0.05, -3)
        w = g.const(rng.integers(-127, 128, [10, 16]), "int8", scale=0.01, zp=0)
        b = g.const(rng.integers(-200, 200, [10]), "int32", scale=0.0005, zp=0)
        fc = g.tensor([1, 10], 0.1, 5)
        g.op("FULLY_CONNECTED", [x, w, b], [fc], "FullyConnectedOptions", fusedActivationFunction=0)
        sm = g.tensor([1, 10], 1 / 256, -128)
        g.op("SOFTMAX", [fc], [sm], "SoftmaxOptions", beta=1.0)
        y = g.tensor([1], dtype="int32")
        g.op("ARG_MAX", [sm, g.const([1])], [y], "ArgMaxOptions", outputType=g.tensor_type("int32"))
        return x, y

    assert_exact(build, tmp_path / "m", "td_arg_max_s8", inputs=32)


def test_arg_max_with_int64_output_is_refused(tmp_path: Path) -> None:
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = arg_op("ARG_MAX", [1, 10], 1, out_dtype="int64")(g)
    with pytest.raises(UnsupportedOpError, match="int64; TFLite Micro's ARG_MAX writes int32"):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    op=st.sampled_from(["ARG_MAX", "ARG_MIN"]),
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=5),
    data=st.data(),
)
def test_arg_min_max_property(tmp_path: Path, op: str, shape: list[int], data: st.DataObject) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_exact(arg_op(op, shape, axis), tmp_path / "m", inputs=8)


# ---------------------------------------------------------------- comparisons, logical, select

COMPARISONS = ["EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"]


def second_operand(
    g: Graph, x: int, shape: list[int], form: str, qb: tuple[float, int], rng: np.random.Generator
) -> tuple[int, int]:
    """(a, b) from the input x: "same" (b = x requantized), "bcast" (b = MEAN over H, W),
    "both" (a = MEAN over C, b = MEAN over H, W), "const" (b a constant [C]),
    "const_first" (a a constant [1, W, C]), "scalar" (b a constant of one element)."""
    n, h, w, c = shape
    qa = (g.tensors[x].quantization.scale[0], g.tensors[x].quantization.zeroPoint[0])
    if form == "same":
        b = g.tensor(shape, *qb)
        g.op("QUANTIZE", [x], [b])
        return x, b
    if form in ("bcast", "both"):
        b = g.tensor([n, 1, 1, c], *qb)
        g.op("MEAN", [x, g.const([1, 2])], [b], "ReducerOptions", keepDims=True)
        if form == "bcast":
            return x, b
        a = g.tensor([n, h, w, 1], *qa)
        g.op("MEAN", [x, g.const([3])], [a], "ReducerOptions", keepDims=True)
        return a, b
    if form == "const":
        return x, g.const(rng.integers(-128, 128, [c]), "int8", scale=qb[0], zp=qb[1])
    if form == "scalar":
        return x, g.const(rng.integers(-128, 128, []), "int8", scale=qb[0], zp=qb[1])
    return g.const(rng.integers(-128, 128, [1, w, c]), "int8", scale=qb[0], zp=qb[1]), x


def compare(op: str, shape: list[int], form: str, qa: tuple[float, int], qb: tuple[float, int]) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, *qa)
        a, b = second_operand(g, x, shape, form, qb, np.random.default_rng(1))
        y = g.tensor(shape, dtype="bool")
        g.op(op, [a, b], [y])
        return x, y

    return build


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("form", ["same", "bcast", "both", "const", "const_first", "scalar"])
def test_comparison_matches_tflm(tmp_path: Path, op: str, form: str) -> None:
    assert_exact(compare(op, [1, 3, 5, 8], form, (0.05, 3), (0.03, -12)), tmp_path / "m", "td_compare_s8")


@pytest.mark.parametrize("op", ["EQUAL", "NOT_EQUAL", "LESS_EQUAL"])
def test_comparison_rescales_like_tflm(tmp_path: Path, op: str) -> None:
    """Scales below 1/256 map neighbouring raw values to one scaled value: EQUAL of the
    raw values would differ from TFLite, which compares the rescaled ones."""
    assert_exact(compare(op, [1, 4, 4, 16], "same", (0.0011, -7), (0.0013, 20)), tmp_path / "m", inputs=24)


def test_comparison_with_scale_above_one_is_refused(tmp_path: Path) -> None:
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = compare("LESS", [1, 2, 2, 4], "same", (1.5, 0), (0.5, 0))(g)
    with pytest.raises(UnsupportedOpError, match=r"#1 LESS .*scale 1.5; int8 comparisons"):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    op=st.sampled_from(COMPARISONS),
    form=st.sampled_from(["same", "bcast", "both", "const", "const_first", "scalar"]),
    shape=st.tuples(st.just(1), st.integers(1, 4), st.integers(1, 5), st.integers(1, 9)),
    scales=st.tuples(st.floats(0.0005, 0.9), st.floats(0.0005, 0.9)),
    zps=st.tuples(st.integers(-128, 127), st.integers(-128, 127)),
)
def test_comparison_quantization_property(
    tmp_path: Path, op: str, form: str, shape: tuple[int, ...], scales: tuple[float, ...], zps: tuple[int, ...]
) -> None:
    qa, qb = zip(scales, zps)
    assert_exact(compare(op, list(shape), form, qa, qb), tmp_path / "m", inputs=8)


def logical(op: str, form: str) -> Build:
    """x > 0.1 AND/OR x <= (its mean over H, W) ("bcast"), or against a bool constant
    [C] ("const"); LOGICAL_NOT of x > 0.1."""

    def build(g: Graph) -> tuple[int, int]:
        shape = [1, 3, 5, 8]
        x = g.input(shape, 0.05, 3)
        c1 = g.tensor(shape, dtype="bool")
        g.op("GREATER", [x, g.const([5], "int8", scale=0.05, zp=3)], [c1])
        y = g.tensor(shape, dtype="bool")
        if op == "LOGICAL_NOT":
            g.op(op, [c1], [y])
            return x, y
        if form == "const":
            c2 = g.const(np.random.default_rng(2).integers(0, 2, [8]), "bool")
        else:
            m = g.tensor([1, 1, 1, 8], 0.05, 3)
            g.op("MEAN", [x, g.const([1, 2])], [m], "ReducerOptions", keepDims=True)
            c2 = g.tensor(shape, dtype="bool")
            g.op("LESS_EQUAL", [m, x], [c2])  # [1,1,1,8] vs [1,3,5,8]: broadcasts
        g.op(op, [c1, c2] if form != "swap" else [c2, c1], [y])
        return x, y

    return build


@pytest.mark.parametrize(
    "op,form",
    [
        ("LOGICAL_AND", "bcast"),
        ("LOGICAL_OR", "bcast"),
        ("LOGICAL_AND", "const"),
        ("LOGICAL_OR", "const"),
        ("LOGICAL_OR", "swap"),
        ("LOGICAL_NOT", "-"),
    ],
)
def test_logical_matches_tflm(tmp_path: Path, op: str, form: str) -> None:
    kernel = "td_logical_not_b8" if op == "LOGICAL_NOT" else "td_logical_b8"
    assert_exact(logical(op, form), tmp_path / "m", kernel)


@pytest.mark.parametrize("op", ["LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"])
def test_logical_on_a_bool_model_input(tmp_path: Path, op: str) -> None:
    """A bool model input (random 0/1 bytes), broadcast against a bool constant."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([2, 3, 4], dtype="bool")
        y = g.tensor([2, 3, 4], dtype="bool")
        if op == "LOGICAL_NOT":
            g.op(op, [x], [y])
        else:
            g.op(op, [g.const([[True], [False], [True]], "bool"), x], [y])
        return x, y

    assert_exact(build, tmp_path / "m")


def select(form: str, qx: tuple[float, int] = (0.05, 3)) -> Build:
    """SELECT_V2(x > 0.1 or a broadcast condition, x, another operand) as ``form`` says:
    "same" (y = x requantized), "bcast_cond" (condition [1,1,1,C] from the mean),
    "const_y" (y a constant [C]), "scalar_x" (x a constant of one element, y = x),
    "all" (condition [1,H,W,1], x, y a constant [1,1,W,C])."""

    def build(g: Graph) -> tuple[int, int]:
        shape = [1, 3, 5, 8]
        rng = np.random.default_rng(4)
        x = g.input(shape, *qx)
        if form in ("bcast_cond", "all"):
            red = [1, 2] if form == "bcast_cond" else [3]
            m = g.tensor([1, 1, 1, 8] if form == "bcast_cond" else [1, 3, 5, 1], *qx)
            g.op("MEAN", [x, g.const(red)], [m], "ReducerOptions", keepDims=True)
            cond = g.tensor(g.tensors[m].shape, dtype="bool")
            g.op("GREATER", [m, g.const([3], "int8", scale=qx[0], zp=qx[1])], [cond])
        else:
            cond = g.tensor(shape, dtype="bool")
            g.op("GREATER", [x, g.const([5], "int8", scale=qx[0], zp=qx[1])], [cond])
        a, b = x, None
        if form in ("same", "bcast_cond"):
            b = g.tensor(shape, 0.07, -20)
            g.op("QUANTIZE", [x], [b])
        elif form == "const_y":
            b = g.const(rng.integers(-128, 128, [8]), "int8", scale=0.05, zp=3)
        elif form == "scalar_x":
            a, b = g.const([17], "int8", scale=0.05, zp=3), x
        else:
            b = g.const(rng.integers(-128, 128, [1, 1, 5, 8]), "int8", scale=0.05, zp=3)
        y = g.tensor(shape, *qx)
        g.op("SELECT_V2", [cond, a, b], [y])
        return x, y

    return build


@pytest.mark.parametrize("form", ["same", "bcast_cond", "const_y", "scalar_x", "all"])
def test_select_v2_matches_tflm(tmp_path: Path, form: str) -> None:
    assert_exact(select(form), tmp_path / "m", "td_select_v2")


# ---------------------------------------------------------------- CUMSUM


def cumsum(
    shape: list[int],
    axis: int,
    exclusive: bool,
    reverse: bool,
    qin: tuple[float, int] = (0.05, 3),
    qout: tuple[float, int] = (0.3, -10),
) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, *qin)
        y = g.tensor(shape, *qout)
        g.op(
            "CUMSUM",
            [x, g.const([axis], "int32", shape=[])],
            [y],
            "CumsumOptions",
            exclusive=exclusive,
            reverse=reverse,
        )
        return x, y

    return build


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("shape,axis", [([1, 6, 6, 3], 1), ([1, 6, 6, 3], -1), ([2, 5, 4], 0), ([10], 0), ([3, 7], 1)])
def test_cumsum_matches_tflm(tmp_path: Path, shape: list[int], axis: int, exclusive: bool, reverse: bool) -> None:
    assert_exact(cumsum(shape, axis, exclusive, reverse), tmp_path / "m", "td_cumsum_s8")


def test_cumsum_long_axis_saturates_like_tflm(tmp_path: Path) -> None:
    """200 elements along the axis: partial sums far beyond the int8 output range."""
    assert_exact(cumsum([2, 200], 1, False, False, (0.05, -128), (0.4, 0)), tmp_path / "m")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    data=st.data(),
    exclusive=st.booleans(),
    reverse=st.booleans(),
    s_in=st.floats(0.002, 0.5),
    s_out=st.floats(0.01, 2.0),
    z_in=st.integers(-128, 127),
    z_out=st.integers(-128, 127),
)
def test_cumsum_property(
    tmp_path: Path,
    shape: list[int],
    data: st.DataObject,
    exclusive: bool,
    reverse: bool,
    s_in: float,
    s_out: float,
    z_in: int,
    z_out: int,
) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_exact(cumsum(shape, axis, exclusive, reverse, (s_in, z_in), (s_out, z_out)), tmp_path / "m", inputs=8)


# ---------------------------------------------------------------- space to batch, lookup, cast


@pytest.mark.parametrize(
    "shape,block,pads,out,zp",
    [
        ([1, 4, 6, 3], [2, 2], [[0, 0], [0, 0]], [4, 2, 3, 3], 3),
        ([2, 4, 6, 3], [2, 3], [[0, 0], [0, 0]], [12, 2, 2, 3], -20),
        ([2, 6, 4, 1], [3, 1], [[0, 0], [0, 0]], [6, 2, 4, 1], 0),
        ([1, 6, 4], [3], [[0, 0]], [3, 2, 4], 7),  # 3-D: [batch, height, channels]
        ([2, 4, 3], [2], [[0, 0]], [4, 2, 3], -128),
    ],
)
def test_space_to_batch_nd_matches_tflm(
    tmp_path: Path, shape: list[int], block: list[int], pads: list[list[int]], out: list[int], zp: int
) -> None:
    assert_exact(
        mover(shape, out, "SPACE_TO_BATCH_ND", [(block, "int32"), (pads, "int32")], q=(0.05, zp)),
        tmp_path / "m",
        "td_remap",
    )


@pytest.mark.parametrize("case", [0, 1, 3])
def test_space_to_batch_nd_of_float32_matches_tflm(tmp_path: Path, case: int) -> None:
    """SPACE_TO_BATCH_ND of float32 tensors (TFLite Micro's kernel takes int8 and float32)."""
    shape, block, pads, out = [
        ([1, 4, 6, 3], [2, 2], [[0, 0], [0, 0]], [4, 2, 3, 3]),
        ([2, 4, 6, 3], [2, 3], [[0, 0], [0, 0]], [12, 2, 2, 3]),
        None,
        ([1, 6, 4], [3], [[0, 0]], [3, 2, 4]),
    ][case]
    m = mover(shape, out, "SPACE_TO_BATCH_ND", [(block, "int32"), (pads, "int32")])
    assert_exact(dataclasses.replace(m, dtype="float32"), tmp_path / "m", "td_remap")


def test_space_to_batch_nd_padding_is_refused(tmp_path: Path) -> None:
    """TFLite Micro pads with a value it never sets (SpaceToBatchParams.output_offset):
    the bytes its persistent buffer held, so no padded result can be bit-exact."""
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = mover([1, 3, 5, 2], [4, 2, 3, 2], "SPACE_TO_BATCH_ND", [([2, 2], "int32"), ([[1, 0], [0, 1]], "int32")])(g)
    with pytest.raises(UnsupportedOpError, match="SPACE_TO_BATCH_ND .*non-zero paddings"):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


def embedding(rows: int, row_shape: list[int], count: int) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        ids = g.input([count], dtype="int32")
        table = g.const(np.random.default_rng(5).integers(-128, 128, [rows, *row_shape]), "int8", scale=0.02, zp=-4)
        y = g.tensor([count, *row_shape], 0.02, -4)
        g.op("EMBEDDING_LOOKUP", [ids, table], [y])
        return ids, y

    return build


@pytest.mark.parametrize("rows,row_shape,count", [(10, [4], 6), (7, [3, 2], 9), (1, [5], 3), (300, [8], 16)])
def test_embedding_lookup_matches_tflm(tmp_path: Path, rows: int, row_shape: list[int], count: int) -> None:
    """int32 ids as the model input (valid ids: out-of-range ones fail both runtimes)."""
    ids = np.random.default_rng(6).integers(0, rows, (10, count)).astype(np.int32)
    ids[0] = rows - 1
    assert_exact(embedding(rows, row_shape, count), tmp_path / "m", "td_embedding_lookup_s8", data=ids)


def test_embedding_lookup_out_of_range_id_fails_the_inference(tmp_path: Path) -> None:
    from tinydeploy.compile import compile_model
    from tinydeploy.compile.host import HostModel, build_shared
    from tinydeploy.errors import ToolchainError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = embedding(10, [4], 3)(g)
    cm = compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")
    host = HostModel(build_shared(cm))
    assert host.invoke(np.array([0, 9, 3], np.int32), np.dtype(np.int8), 12).size == 12
    with pytest.raises(ToolchainError, match="td_model_invoke returned 3"):  # TD_ERR_INVOKE
        host.invoke(np.array([0, 10, 3], np.int32), np.dtype(np.int8), 12)


@pytest.mark.parametrize(
    "src,dst",
    [("int8", "int32"), ("int32", "int8"), ("bool", "int8"), ("bool", "int32"), ("int32", "int32"), ("int8", "int8")]
    + [("int16", "int8"), ("int16", "int32"), ("int32", "int16"), ("int8", "int16"), ("bool", "int16")]
    + [("int16", "int16"), ("int8", "float32"), ("int16", "float32"), ("int32", "float32"), ("bool", "float32")],
)
def test_cast_matches_tflm(tmp_path: Path, src: str, dst: str) -> None:
    """Raw values converted (no requantization); int32 to int8 or int16 keeps the low
    byte(s), so the random full-range int32 inputs wrap, and int32 to float32 rounds."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([2, 3, 7], *((0.05, 3) if src == "int8" else (None, 0)), dtype=src)
        y = g.tensor([2, 3, 7], *((0.1, -2) if dst == "int8" else (None, 0)), dtype=dst)
        g.op("CAST", [x], [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_cast")


def test_cast_of_arg_max_indices(tmp_path: Path) -> None:
    """ARG_MAX's int32 indices cast to int8, then compared: int32 inside the model."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([3, 5, 9], 0.05, 3)
        idx = g.tensor([3, 9], dtype="int32")
        g.op("ARG_MAX", [x, g.const([1])], [idx], "ArgMaxOptions", outputType=Graph.tensor_type("int32"))
        y = g.tensor([3, 9], 1.0, 0)
        g.op("CAST", [idx], [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_cast")


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("form", ["same", "const", "bcast"])
def test_int32_comparison_matches_tflm(tmp_path: Path, op: str, form: str) -> None:
    """ARG_MAX indices against a second ARG_MAX, constant labels, or one broadcast label
    row: int32 compared as it is."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([4, 6, 5], 0.05, 3)
        i1 = g.tensor([4, 5], dtype="int32")
        g.op("ARG_MAX", [x, g.const([1])], [i1], "ArgMaxOptions", outputType=Graph.tensor_type("int32"))
        if form == "same":
            i2 = g.tensor([4, 5], dtype="int32")
            g.op("ARG_MIN", [x, g.const([1])], [i2], "ArgMinOptions", outputType=Graph.tensor_type("int32"))
        elif form == "const":
            i2 = g.const(np.random.default_rng(7).integers(0, 6, [4, 5]), "int32")
        else:
            i2 = g.const([[2, 0, 5, 3, 1]], "int32")
        y = g.tensor([4, 5], dtype="bool")
        g.op(op, [i1, i2], [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_compare_i32")


# ---------------------------------------------------------------- int32 arithmetic

INT32_OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions"}
INT32_OPS = ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"]


def int32_binary(op: str, shape: list[int], form: str, act: int = 0, dtype: str = "int32") -> Build:
    """An op on the int32 (or ``dtype``) input x and a second operand: "same" (x reversed
    along its last axis), "bcast" (a [1, .., 1, C] slice of x), "both" (a [.., 1] slice
    against a [1, .., C] one), "const" (a constant [C]), "const_first" (a constant
    [W, C] first), "scalar" (a constant of one element). Constants avoid 0 (DIV)."""

    def build(g: Graph) -> tuple[int, int]:
        rank = len(shape)
        x = g.input(shape, dtype=dtype)
        rng = np.random.default_rng(5)
        info = np.iinfo(dtype)
        big = rng.integers(info.min, info.max, shape[-2:], endpoint=True)
        big[big == 0] = 7
        big[big == -1] = -3  # INT_MIN / -1 is undefined

        def sliced(size: list[int]) -> int:
            t = g.tensor(size, dtype=dtype)
            g.op("SLICE", [x, g.const([0] * rank), g.const(size)], [t])
            return t

        if form == "same":
            a, b = x, g.tensor(shape, dtype=dtype)
            g.op("REVERSE_V2", [x, g.const([rank - 1])], [b])
        elif form == "bcast":
            a, b = x, sliced([1] * (rank - 1) + [shape[-1]])
        elif form == "both":
            a, b = sliced(shape[:-1] + [1]), sliced([1] * (rank - 1) + [shape[-1]])
        elif form == "const":
            a, b = x, g.const(big[0], dtype)
        elif form == "scalar":
            a, b = x, g.const(big[0, 0], dtype, shape=[])
        else:
            a, b = g.const(big, dtype), x
        y = g.tensor(shape, dtype=dtype)
        options = INT32_OPTIONS.get(op)
        g.op(op, [a, b], [y], options, **({"fusedActivationFunction": act} if options else {}))
        return x, y

    return build


@pytest.mark.parametrize("op", INT32_OPS)
@pytest.mark.parametrize("form", ["same", "bcast", "both", "const", "const_first", "scalar"])
def test_int32_arithmetic_matches_tflm(tmp_path: Path, op: str, form: str) -> None:
    """Full-range random int32 inputs: sums, differences, products and squares wrap
    modulo 2^32 in both runtimes; DIV truncates toward zero."""
    kernel = "td_minmax" if op in ("MAXIMUM", "MINIMUM") else "td_arith_i32"
    assert_exact(int32_binary(op, [2, 3, 4, 5], form), tmp_path / "m", kernel, inputs=8)


@pytest.mark.parametrize("op,act", [("ADD", 1), ("SUB", 1), ("SUB", 3), ("MUL", 2), ("MUL", 3), ("DIV", 1), ("DIV", 2)])
def test_int32_arithmetic_fused_activation_matches_tflm(tmp_path: Path, op: str, act: int) -> None:
    """SUB, MUL and DIV clamp int32 to RELU's, RELU_N1_TO_1's or RELU6's range; TFLite
    Micro's int32 ADD ignores its fused activation (the full range). Small values, so
    the clamps bite."""
    data = np.random.default_rng(2).integers(-9, 10, (8, 3, 4)).astype(np.int32)
    data[data == 0] = 5
    assert_exact(int32_binary(op, [3, 4], "same", act=act), tmp_path / "m", "td_arith_i32", data=data)


def test_int32_division_edges_match_tflm(tmp_path: Path) -> None:
    """Negative numerators and divisors (truncation toward zero, not floor), exact
    quotients, |a| < |b|, and the extremes; no zero divisor and no INT32_MIN / -1,
    which TFLite leaves undefined."""
    vals = np.array([-7, 7, -6, 6, -1, 1, 2, -2, 3, -3, 2**31 - 1, -(2**31), 100, -100, 13, -13], np.int32)
    data = np.stack([np.random.default_rng(k).permutation(vals) for k in range(6)]).reshape(6, 1, 16)
    data[:, 0, 0] = -(2**31)  # reversed: divides 13 or -13 by it, and it by its partner
    data[:, 0, 15] = np.where(data[:, 0, 15] == -1, 3, data[:, 0, 15])
    assert_exact(int32_binary("DIV", [1, 16], "same"), tmp_path / "same", "td_arith_i32", data=data)
    for form in ("const", "scalar", "const_first"):
        assert_exact(int32_binary("DIV", [1, 16], form), tmp_path / form, "td_arith_i32", data=data)


def test_int32_division_by_zero_is_an_invoke_error(tmp_path: Path) -> None:
    """TFLite leaves it undefined (the host traps); the AOT model returns TD_ERR_INVOKE."""
    from tinydeploy.compile import compile_model
    from tinydeploy.compile.host import HostModel, build_shared
    from tinydeploy.errors import ToolchainError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = int32_binary("DIV", [1, 4], "same")(g)
    cm = compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")
    host = HostModel(build_shared(cm))
    out = host.invoke(np.array([[6, -2, 3, 2]], np.int32), np.dtype(np.int32), 4)
    assert out.tolist() == [3, 0, -1, 0]  # 6/2, -2/3, 3/-2, 2/6: toward zero
    with pytest.raises(ToolchainError, match="td_model_invoke returned 3"):  # TD_ERR_INVOKE
        host.invoke(np.array([[6, 0, 3, 2]], np.int32), np.dtype(np.int32), 4)


@pytest.mark.parametrize(
    "op,dtype,out_dtype,match",
    [
        ("MAXIMUM", "int64", "int64", r"tensor 't0' is int64, only int8, int16 and int32 are supported here"),
        ("MINIMUM", "float32", "float32", r"tensor 't0' is float32, only int8, int16 and int32 are supported here"),
        ("CAST", "float32", "int32", r"float32 to int32; supported: int8, int16, int32, bool to int8, int16"),
        ("ABS", "int16", "int16", r"tensor 't0' is an unquantized int16 \(TFLite Micro's abs wraps -32768 there\)"),
    ],
)
def test_types_still_lacking_are_refused_in_one_line(
    tmp_path: Path, op: str, dtype: str, out_dtype: str, match: str
) -> None:
    """Types TFLite Micro runs and the AOT compiler does not: one line naming the op, the
    tensor and the type, ending in the tflm hint."""
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x = g.input([1, 4], dtype=dtype)
    y = g.tensor([1, 4], dtype=out_dtype)
    g.op(op, [x, x] if op in ("MAXIMUM", "MINIMUM") else [x], [y])
    with pytest.raises(UnsupportedOpError, match=rf"^op #0 {op} \(t1\): {match}.*; --runtime tflm runs it$"):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


@pytest.mark.parametrize("op", ["ADD", "DIV"])
def test_quantized_int32_add_is_refused(tmp_path: Path, op: str) -> None:
    """TFLite Micro's int32 ADD and DIV require unquantized inputs (their Prepare fails)."""
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x = g.input([1, 4], dtype="int32")
    b = g.const([1, 2, 3, 4], "int32", scale=0.5, zp=0)
    y = g.tensor([1, 4], dtype="int32")
    g.op(op, [x, b], [y], INT32_OPTIONS[op])
    with pytest.raises(UnsupportedOpError, match=rf"#0 {op} .*is quantized; TFLite Micro's int32 {op} is not"):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("name,dtype", [("typed_ops", "int32"), ("bool_ops", "bool")])
def test_int32_and_bool_outputs_over_tdlink(
    tmp_path: Path, capsys: pytest.CaptureFixture, name: str, dtype: str
) -> None:
    """The firmware built for the host: td-info names the output's dtype, m-results (the
    EEMBC runner's line) prints the int32 / bool values exactly, td-out holds their bytes."""
    import op_models

    from tinydeploy.boards import load_board
    from tinydeploy.cli import main
    from tinydeploy.model.reference import Reference
    from tinydeploy.targets import HostTarget

    raw = getattr(op_models, f"{name}_model")()
    model = tmp_path / f"{name}.tflite"
    model.write_bytes(raw)
    assert (
        main(["flash", str(model), "--board", "host", "--check", "1", "--runs", "1", "-o", str(tmp_path / "out")]) == 0
    ), capsys.readouterr().err
    elf = tmp_path / "out" / "project" / "build" / "fw"
    ref = Reference(raw)
    x = np.random.default_rng(9).integers(-128, 128, ref.input_shape).astype(np.int8)
    want = ref.run(x).ravel()
    with HostTarget(load_board("host"), elf) as target:
        link = target.link
        assert link.info()["output"]["dtype"] == dtype
        link.load_input(x.tobytes())
        result = link.infer(1, 0)
        assert result.results == [float(v) for v in want.astype(np.int64)]
        assert np.array_equal(np.frombuffer(link.output(), dtype=want.dtype), want)


@st.composite
def broadcast_shapes(draw: st.DrawFn, count: int) -> tuple[list[int], list[list[int]]]:
    """An output shape (rank 1-4) and ``count`` shapes that broadcast to it (leading
    dimensions dropped, others set to 1)."""
    out = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    shapes = []
    for _ in range(count):
        drop = draw(st.integers(0, len(out) - 1))
        shapes.append([1 if draw(st.booleans()) else n for n in out[drop:]])
    return out, shapes


def broadcast_result(*shapes: list[int]) -> list[int]:
    """The shape ``shapes`` broadcast to (the rank of the longest, as TFLite requires)."""
    rank = max(len(s) for s in shapes)
    return [max(dims) for dims in zip(*[[1] * (rank - len(s)) + s for s in shapes])]


@pytest.mark.parametrize("dtype", ["int16", "float32"])
@pytest.mark.parametrize("form", ["const_cond_const_y", "reversed_y"])
def test_select_v2_of_int16_and_float32_matches_tflm(tmp_path: Path, dtype: str, form: str) -> None:
    """SELECT_V2 of the other value types TFLite Micro's kernel takes: a constant bool
    condition broadcast over the input, the other operand a constant or the input
    reversed (REVERSE_V2 of the same type)."""

    def build(g: Graph) -> tuple[int, int]:
        rng = np.random.default_rng(6)
        shape = [2, 3, 5, 4]
        x = g.input(shape, *_q(dtype), dtype=dtype)
        if form == "const_cond_const_y":
            cond = g.const(rng.integers(0, 2, [1, 1, 5, 1]).astype(bool), "bool")
            other = g.const(rng.integers(-3000, 3000, [4]), dtype, scale=_q(dtype)[0], zp=_q(dtype)[1])
        else:
            cond = g.const(rng.integers(0, 2, [3, 1, 1]).astype(bool), "bool")
            other = g.tensor(shape, *_q(dtype), dtype=dtype)
            g.op("REVERSE_V2", [x, g.const([3])], [other])
        y = g.tensor(shape, *_q(dtype), dtype=dtype)
        g.op("SELECT_V2", [cond, x, other] if form == "reversed_y" else [cond, other, x], [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_select_v2", inputs=4)


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(shapes=broadcast_shapes(3), cond_from_input=st.booleans())
def test_select_v2_broadcast_property(
    tmp_path: Path, shapes: tuple[list[int], list[list[int]]], cond_from_input: bool
) -> None:
    """SELECT_V2 over random broadcast shapes; the input is x, and the condition either a
    bool constant or x < 0.1 (then the constant operand is x's shape's partner)."""
    _, (sx, sc, sy) = shapes
    full = broadcast_result(sx, sy) if cond_from_input else broadcast_result(sx, sc, sy)

    def build(g: Graph) -> tuple[int, int]:
        rng = np.random.default_rng(8)
        x = g.input(sx, 0.05, 3)
        c = g.const(rng.integers(-128, 128, sy), "int8", scale=0.05, zp=3)
        if cond_from_input:
            cond = g.tensor(sx, dtype="bool")
            g.op("LESS", [x, g.const([5], "int8", scale=0.05, zp=3)], [cond])
            operands = [cond, c, x]
        else:
            operands = [g.const(rng.integers(0, 2, sc), "bool"), x, c]
        y = g.tensor(full, 0.05, 3)
        g.op("SELECT_V2", operands, [y])
        return x, y

    assert_exact(build, tmp_path / "m", inputs=6)


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(shapes=broadcast_shapes(2), op=st.sampled_from(["LOGICAL_AND", "LOGICAL_OR"]))
def test_logical_broadcast_property(tmp_path: Path, shapes: tuple[list[int], list[list[int]]], op: str) -> None:
    """LOGICAL_AND / LOGICAL_OR of a bool model input and a bool constant, both
    broadcast to the output."""
    _, (sa, sb) = shapes
    full = broadcast_result(sa, sb)

    def build(g: Graph) -> tuple[int, int]:
        x = g.input(sa, dtype="bool")
        y = g.tensor(full, dtype="bool")
        g.op(op, [x, g.const(np.random.default_rng(3).integers(0, 2, sb), "bool")], [y])
        return x, y

    assert_exact(build, tmp_path / "m", inputs=6)


# ---------------------------------------------------------------- FILL, ZEROS_LIKE, SHAPE


def _q(dtype: str, q: tuple[float, int] = (0.05, 3)) -> tuple[float | None, int]:
    """int8 tensors quantized, int16 ones too (zero point 0, as in 16x8 models), int32,
    bool and float32 ones raw."""
    return q if dtype == "int8" else (q[0] / 256, 0) if dtype == "int16" else (None, 0)


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32"])
@pytest.mark.parametrize("shape", [[2, 3, 4], [1, 7], [5], [1, 2, 3, 2, 2]])
def test_zeros_like_matches_tflm(tmp_path: Path, dtype: str, shape: list[int]) -> None:
    """Raw zeros (not the zero point), the input never read."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, *_q(dtype), dtype=dtype)
        y = g.tensor(shape, *_q(dtype), dtype=dtype)
        g.op("ZEROS_LIKE", [x], [y])
        return x, y

    assert_exact(build, tmp_path / "m", "td_fill", inputs=4)


def test_zeros_like_inside_a_model(tmp_path: Path) -> None:
    """ZEROS_LIKE of an intermediate tensor added back to it: raw 0 is -zero point."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([1, 6, 6, 3], 0.05, 3)
        h = g.tensor([1, 6, 6, 3], 0.07, -5)
        g.op("ADD", [x, x], [h], "AddOptions")
        z = g.tensor([1, 6, 6, 3], 0.07, -5)
        g.op("ZEROS_LIKE", [h], [z])
        y = g.tensor([1, 6, 6, 3], 0.3, -10)
        g.op("ADD", [h, z], [y], "AddOptions")
        return x, y

    assert_exact(build, tmp_path / "m", "td_fill")


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32"])
@pytest.mark.parametrize(
    "dims,dims_dtype", [([2, 3], "int32"), ([1, 4, 4, 3], "int64"), ([7], "int32"), ([3, 1, 2], "int8")]
)
def test_fill_matches_tflm(tmp_path: Path, dtype: str, dims: list[int], dims_dtype: str) -> None:
    """A scalar model input spread over the output; the dims tensor of any integer type
    TFLite Micro accepts (it must be a constant)."""

    def build(g: Graph) -> tuple[int, int]:
        v = g.input([], *_q(dtype), dtype=dtype)
        y = g.tensor(dims, *_q(dtype), dtype=dtype)
        g.op("FILL", [g.const(dims, dims_dtype), v], [y])
        return v, y

    assert_exact(build, tmp_path / "m", "td_fill", inputs=8)


def test_fill_of_a_constant_value(tmp_path: Path) -> None:
    """FILL of a constant scalar (a td_fill step from flash), added to the input."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([2, 5], 0.05, 3)
        f = g.tensor([2, 5], 0.02, -7)
        g.op("FILL", [g.const([2, 5]), g.const(41, "int8", scale=0.02, zp=-7)], [f])
        y = g.tensor([2, 5], 0.06, 1)
        g.op("ADD", [x, f], [y], "AddOptions", fusedActivationFunction=0)
        return x, y

    assert_exact(build, tmp_path / "m", "td_fill")


@pytest.mark.parametrize("shape", [[5], [2, 3], [1, 4, 4, 3], [2, 1, 3, 1, 2]])
@pytest.mark.parametrize("dtype", ["int8", "int32", "bool"])
def test_shape_matches_tflm(tmp_path: Path, shape: list[int], dtype: str) -> None:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, *_q(dtype), dtype=dtype)
        y = g.tensor([len(shape)], dtype="int32")
        g.op("SHAPE", [x], [y], "ShapeOptions", outType=Graph.tensor_type("int32"))
        return x, y

    assert_exact(build, tmp_path / "m", "td_fill", inputs=2)


def _refused(build: Build, tmp_path: Path, match: str) -> None:
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x, y = build(g)
    with pytest.raises(UnsupportedOpError, match=match):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


def test_shape_with_int64_output_is_refused(tmp_path: Path) -> None:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input([2, 3], 0.05, 3)
        y = g.tensor([2], dtype="int64")
        g.op("SHAPE", [x], [y], "ShapeOptions", outType=Graph.tensor_type("int64"))
        return x, y

    _refused(build, tmp_path, r"SHAPE .*output 't1' is int64; supported: int32")


# ---------------------------------------------------------------- BROADCAST_ARGS


def broadcast_args(form: str) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        if form == "input":  # the model input against a constant of ones: zeros are valid
            s = g.input([3], dtype="int32")
            y = g.tensor([4], dtype="int32")
            g.op("BROADCAST_ARGS", [s, g.const([7, 1, 1, 1])], [y])
            return s, y
        if form == "both_inputs":
            s = g.input([3], dtype="int32")
            y = g.tensor([3], dtype="int32")
            g.op("BROADCAST_ARGS", [s, s], [y])
            return s, y
        x = g.input([4, 1, 3], 0.05, 3)
        shp = g.tensor([3], dtype="int32")
        g.op("SHAPE", [x], [shp], "ShapeOptions", outType=Graph.tensor_type("int32"))
        y = g.tensor([4], dtype="int32")
        if form == "shape_first":  # a SHAPE at run time against a longer constant
            g.op("BROADCAST_ARGS", [shp, g.const([2, 1, 5, 3])], [y])
        elif form == "shape_second":
            g.op("BROADCAST_ARGS", [g.const([2, 4, 1, 1]), shp], [y])
        else:  # both constant: computed by the compiler, written by td_fill
            g.op("BROADCAST_ARGS", [g.const([6, 1, 5]), g.const([3, 1, 1, 1])], [y])
        return x, y

    return build


@pytest.mark.parametrize("form", ["input", "both_inputs", "shape_first", "shape_second", "const"])
def test_broadcast_args_matches_tflm(tmp_path: Path, form: str) -> None:
    data = None
    if form == "input":  # valid shapes only: TFLite Micro aborts on the others
        data = np.array([[4, 1, 3], [1, 1, 1], [6, 5, 9], [0, 5, 0], [1, 9, 1]], np.int32)
    kernel = "td_fill" if form == "const" else "td_broadcast_args_i32"
    assert_exact(broadcast_args(form), tmp_path / "m", kernel, inputs=4, data=data)


def test_broadcast_args_that_do_not_broadcast(tmp_path: Path) -> None:
    """Constant shapes are refused in one line; shapes known at run time fail the
    inference (TD_ERR_INVOKE) where TFLite Micro aborts."""
    from tinydeploy.compile import compile_model
    from tinydeploy.compile.host import HostModel, build_shared
    from tinydeploy.errors import ToolchainError
    from tinydeploy.model.ir import parse_model

    def const(g: Graph) -> tuple[int, int]:
        x = g.input([2], 0.05, 3)
        y = g.tensor([2], dtype="int32")
        g.op("BROADCAST_ARGS", [g.const([2, 3]), g.const([4, 3])], [y])
        return x, y

    _refused(const, tmp_path, r"BROADCAST_ARGS .*shapes \[2, 3\] and \[4, 3\] do not broadcast")

    def run_time(g: Graph) -> tuple[int, int]:
        s = g.input([2], dtype="int32")
        y = g.tensor([2], dtype="int32")
        g.op("BROADCAST_ARGS", [s, g.const([3, 4])], [y])
        return s, y

    g = Graph()
    s, y = run_time(g)
    cm = compile_model(parse_model(g.build([s], [y]), name="m"), tmp_path / "run")
    host = HostModel(build_shared(cm))
    assert list(host.invoke(np.array([1, 4], np.int32), np.dtype(np.int32), 2)) == [3, 4]
    with pytest.raises(ToolchainError, match="td_model_invoke returned 3"):  # TD_ERR_INVOKE
        host.invoke(np.array([3, 5], np.int32), np.dtype(np.int32), 2)


# ---------------------------------------------------------------- DYNAMIC_UPDATE_SLICE


def update_slice(
    dtype: str,
    shape: list[int],
    update: list[int],
    start: list[int] | None,
    start_dtype: str = "int32",
    form: str = "const",
) -> Build:
    """The operand is the model input and the update a constant ("const"), a SLICE of the
    input ("sliced"), or operand and update constant with the start indices the model
    input ("start_input"); ``start`` None: the start indices are the input."""

    def build(g: Graph) -> tuple[int, int]:
        rng = np.random.default_rng(4)
        values = g.const(rng.integers(-128, 128, update), dtype, scale=_q(dtype)[0], zp=_q(dtype)[1])
        y = g.tensor(shape, *_q(dtype), dtype=dtype)
        if form == "start_input":
            s = g.input([len(shape)], dtype="int32")
            operand = g.const(rng.integers(-128, 128, shape), dtype, scale=_q(dtype)[0], zp=_q(dtype)[1])
            g.op("DYNAMIC_UPDATE_SLICE", [operand, values, s], [y])
            return s, y
        x = g.input(shape, *_q(dtype), dtype=dtype)
        if form == "sliced":
            values = g.tensor(update, *_q(dtype), dtype=dtype)
            g.op("SLICE", [x, g.const([0] * len(shape)), g.const(update)], [values])
        g.op("DYNAMIC_UPDATE_SLICE", [x, values, g.const(start, start_dtype)], [y])
        return x, y

    return build


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32"])
@pytest.mark.parametrize(
    "shape,update,start,start_dtype",
    [
        ([3, 4, 5], [1, 2, 3], [2, 1, 2], "int32"),
        ([3, 4, 5], [2, 4, 1], [-3, 0, 9], "int32"),  # clamped into the operand
        ([6], [2], [5], "int64"),
        ([2, 3], [2, 3], [1, 1], "int32"),  # the whole operand replaced
        ([2, 2, 3, 2, 3], [1, 2, 1, 2, 2], [1, 0, 1, 0, 1], "int64"),
        ([1, 4, 4, 3], [1, 2, 2, 3], [0, 2, 1, 0], "int32"),
    ],
)
def test_dynamic_update_slice_matches_tflm(
    tmp_path: Path, dtype: str, shape: list[int], update: list[int], start: list[int], start_dtype: str
) -> None:
    assert_exact(
        update_slice(dtype, shape, update, start, start_dtype), tmp_path / "m", "td_dynamic_update_slice", inputs=6
    )


def test_dynamic_update_slice_of_a_slice_of_the_operand(tmp_path: Path) -> None:
    """The update read from the operand itself (a SLICE): the output may not overlap it."""
    assert_exact(update_slice("int8", [4, 6], [2, 3], [1, 3], form="sliced"), tmp_path / "m", "td_dynamic_update_slice")


@pytest.mark.parametrize("dtype", ["int8", "int32"])
def test_dynamic_update_slice_with_start_indices_at_run_time(tmp_path: Path, dtype: str) -> None:
    """int32 start indices as the model input, in and out of range: clamped as TFLite
    Micro clamps them."""
    data = np.random.default_rng(2).integers(-4, 9, (24, 3)).astype(np.int32)
    assert_exact(
        update_slice(dtype, [3, 4, 5], [2, 2, 3], None, form="start_input"),
        tmp_path / "m",
        "td_dynamic_update_slice",
        data=data,
    )


def test_dynamic_update_slice_refusals(tmp_path: Path) -> None:
    """int64 operands (no int64 tensors in the AOT runtime) and int64 start indices that
    are not constants are refused in one line each."""

    def int64(g: Graph) -> tuple[int, int]:
        x = g.input([4], dtype="int64")
        y = g.tensor([4], dtype="int64")
        g.op("DYNAMIC_UPDATE_SLICE", [x, g.const([1], "int64"), g.const([1])], [y])
        return x, y

    _refused(
        int64, tmp_path / "a", r"DYNAMIC_UPDATE_SLICE .*output 't1' is int64; supported: int8, int16, int32, float32"
    )

    def int64_input(g: Graph) -> tuple[int, int]:
        s = g.input([1], dtype="int64")
        y = g.tensor([4], 0.05, 3)
        g.op(
            "DYNAMIC_UPDATE_SLICE",
            [g.const([1, 2, 3, 4], "int8", scale=0.05, zp=3), g.const([9], "int8", scale=0.05, zp=3), s],
            [y],
        )
        return s, y

    _refused(int64_input, tmp_path / "b", "start indices 't0' are an int64 activation")


# ---------------------------------------------------------------- REDUCE_ALL


@pytest.mark.parametrize(
    "shape,axes,keep",
    [
        ([2, 3, 4], [1], False),
        ([2, 3, 4], [0, 2], True),
        ([2, 3, 4], [-1], False),
        ([5, 2], [0, 1], False),
        ([1, 2, 3, 4], [1, 3], True),
        ([6], [0], True),
        ([2, 3, 4], [2, -1], True),
    ],
)
def test_reduce_all_matches_tflm(tmp_path: Path, shape: list[int], axes: list[int], keep: bool) -> None:
    """bool inputs true 9 times in 10, so that whole rows are true as often as not."""
    nd = len(shape)
    red = {a % nd for a in axes}
    out = [1 if d in red else n for d, n in enumerate(shape) if keep or d not in red]

    def build(g: Graph) -> tuple[int, int]:
        x = g.input(shape, dtype="bool")
        y = g.tensor(out, dtype="bool")
        g.op("REDUCE_ALL", [x, g.const(axes)], [y], "ReducerOptions", keepDims=keep)
        return x, y

    data = np.random.default_rng(1).random((12, *shape)) < 0.9
    assert_exact(build, tmp_path / "m", "td_reduce_all_b8", data=data)


def test_reduce_all_of_a_comparison(tmp_path: Path) -> None:
    """GREATER of the int8 input then REDUCE_ALL over channels: is every channel above
    a threshold."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([1, 4, 4, 3], 0.05, 3)
        gt = g.tensor([1, 4, 4, 3], dtype="bool")
        g.op("GREATER", [x, g.const([-100], "int8", scale=0.05, zp=3)], [gt])
        y = g.tensor([1, 4, 4], dtype="bool")
        g.op("REDUCE_ALL", [gt, g.const([3])], [y], "ReducerOptions", keepDims=False)
        return x, y

    assert_exact(build, tmp_path / "m", "td_reduce_all_b8")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), data=st.data(), dtype=st.sampled_from(["int8", "int32"])
)
def test_dynamic_update_slice_property(tmp_path: Path, shape: list[int], data: st.DataObject, dtype: str) -> None:
    """Random operand and update shapes, start indices anywhere (clamped), int32 or int64."""
    update = [data.draw(st.integers(1, n)) for n in shape]
    start = [data.draw(st.integers(-3, n + 2)) for n in shape]
    start_dtype = data.draw(st.sampled_from(["int32", "int64"]))
    assert_exact(
        update_slice(dtype, shape, update, start, start_dtype), tmp_path / "m", "td_dynamic_update_slice", inputs=3
    )


# ---------------------------------------------------------------- SVDF (a variable state)


def svdf_op(
    batches: int,
    input_size: int,
    units: int,
    rank: int,
    memory: int,
    state: str,
    q_in: tuple[float, int],
    q_state: tuple[float, int],
    q_out: tuple[float, int],
    seed: int = 0,
) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        x = g.input([batches, input_size], *q_in)
        rng = np.random.default_rng(seed)
        return x, svdf(g, x, batches, input_size, units, rank, memory, q_out, rng, state=state, q_state=q_state)

    return build


SVDF_CASES = [
    # batches, input_size, units, rank, memory, state, q_in, q_state, q_out
    (1, 12, 8, 2, 5, "int16", (0.05, 3), (0.01, 0), (0.4, -6)),
    (1, 16, 4, 1, 10, "int16", (0.02, -20), (0.004, 0), (0.2, 10)),
    (2, 7, 3, 3, 4, "int16", (0.1, 0), (0.02, 0), (0.5, 0)),
    (1, 10, 4, 1, 3, "int8", (0.4, 5), (0.1, -7), (0.1, 2)),
    (3, 5, 6, 2, 2, "int8", (0.05, -128), (0.05, 20), (0.05, -3)),
    (1, 1, 1, 1, 1, "int8", (0.1, 0), (0.02, 0), (0.02, 0)),
    (2, 32, 16, 4, 8, "int16", (0.03, 7), (0.01, 0), (0.3, -1)),
]


@pytest.mark.parametrize("case", SVDF_CASES, ids=[f"b{c[0]}i{c[1]}u{c[2]}r{c[3]}m{c[4]}{c[5]}" for c in SVDF_CASES])
def test_svdf_matches_tflm(tmp_path: Path, case: tuple) -> None:
    """16 consecutive inferences of one compiled model against as many of one tflite-micro
    interpreter: the state (int16, or int8 with a zero point) carries between them."""
    assert_exact(svdf_op(*case), tmp_path / "m", "td_svdf_s8", inputs=16)


def test_svdf_fused_activation_is_ignored_as_tflite_micro_does(tmp_path: Path) -> None:
    """A fused RELU on an int8 SVDF: TFLite Micro's int8 kernel never applies it (negative
    outputs stay), and neither does the compiled model."""

    def build(g: Graph) -> tuple[int, int]:
        x = g.input([1, 12], 0.05, 3)
        return x, svdf(g, x, 1, 12, 8, 2, 5, (0.4, -6), np.random.default_rng(0), activation=1)

    assert_exact(build, tmp_path / "m", "td_svdf_s8", inputs=8)


@pytest.mark.parametrize("options", [{"kernels": "mve"}, {"kernels": "dsp", "weights": "packed"}, {"remat": False}])
def test_svdf_under_the_other_modes(tmp_path: Path, options: dict) -> None:
    """The Helium kernel set (the FULLY_CONNECTED becomes a Helium convolution), packed
    weights and no rematerialisation: SVDF keeps its reference kernel and its state."""
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = svdf_ops_model(1)
    cm = compile_model(parse_model(raw, name="svdf"), tmp_path / "m", **options)
    assert "td_svdf_s8" in cm.kernels
    assert check(cm, raw, inputs=10)["exact_match_rate"] == 1.0


def test_svdf_state_persists_and_is_planned_as_a_variable(tmp_path: Path) -> None:
    """The same input twice gives two outputs (the state moved on), both tflite-micro's;
    compiled.json marks the state variable, alive over every step, counted in the arena
    and overlapping no other buffer."""
    import json

    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = svdf_ops_model()
    cm = compile_model(parse_model(raw, name="svdf"), tmp_path / "m", kernels="reference")
    xs = np.repeat(np.random.default_rng(3).integers(-128, 128, [1, 1, 12]).astype(np.int8), 6, axis=0)
    assert check(cm, raw, data=xs)["exact_match_rate"] == 1.0
    from tinydeploy.compile.tflm import TflmRunner

    ref = TflmRunner(raw)
    outs = [ref.run(x).ravel().tolist() for x in xs]
    assert len({tuple(o) for o in outs}) > 1, outs
    meta = json.loads(cm.metadata.read_text())
    variables = [b for b in meta["buffers"] if b.get("variable")]
    assert [b["bytes"] for b in variables] == [2 * 16 * 5, 4 * 3]
    steps = len(meta["ops"])
    for v in variables:
        assert (v["first_step"], v["last_step"]) == (-1, steps)
        assert v["offset"] + v["bytes"] <= meta["arena_bytes"]
        for b in meta["buffers"]:
            if b is not v:
                assert b["offset"] >= v["offset"] + v["bytes"] or b["offset"] + b["bytes"] <= v["offset"], (b, v)
    c_text = cm.model_c.read_text()
    assert "starts at its zero point" in c_text and "= -7;" in c_text


def test_svdf_reference_reset_restarts_the_state(tmp_path: Path) -> None:
    """The arena probe runs an inference; Reference.arena() resets the state after it, so
    the oracle's first output is a fresh interpreter's."""
    from tinydeploy.model.reference import Reference

    raw = svdf_ops_model()
    x = np.random.default_rng(4).integers(-128, 128, [1, 12]).astype(np.int8)
    fresh = Reference(raw).run(x)
    probed = Reference(raw)
    assert probed.arena().total > 0
    assert np.array_equal(probed.run(x), fresh)
    moved = probed.run(x)
    probed.reset()
    assert np.array_equal(probed.run(x), fresh) and not np.array_equal(moved, fresh)


@pytest.mark.parametrize(
    "change,message",
    [
        ("no_bias", "without a bias"),
        ("mixed_types", "both int8 or both int16"),
        ("per_channel", r"one \(per-tensor\) scale"),
    ],
)
def test_svdf_refusals(tmp_path: Path, change: str, message: str) -> None:
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x = g.input([1, 6], 0.05, 0)
    svdf(g, x, 1, 6, 2, 1, 3, (0.2, 0), np.random.default_rng(0))
    wf, st_ = 1, 4
    if change == "no_bias":
        g.ops[0].inputs[3] = -1
    elif change == "mixed_types":
        g.tensors[st_].type = Graph.tensor_type("int8")
    else:
        g.tensors[wf].quantization.scale = [0.02, 0.03]
        g.tensors[wf].quantization.zeroPoint = [0, 0]
    raw = g.build([x], [len(g.tensors) - 1])
    with pytest.raises(UnsupportedOpError, match=message):
        compile_model(parse_model(raw, name="svdf"), tmp_path / "m", kernels="reference")


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    dims=st.tuples(st.integers(1, 3), st.integers(1, 20), st.integers(1, 8), st.integers(1, 4), st.integers(1, 8)),
    state=st.sampled_from(["int8", "int16"]),
    scales=st.tuples(st.floats(0.005, 0.5), st.floats(0.002, 0.2), st.floats(0.01, 1.0)),
    zps=st.tuples(st.integers(-128, 127), st.integers(-30, 30), st.integers(-128, 127)),
)
def test_svdf_property(
    tmp_path: Path,
    dims: tuple[int, int, int, int, int],
    state: str,
    scales: tuple[float, float, float],
    zps: tuple[int, int, int],
) -> None:
    """Random shapes, ranks, memory sizes and quantization (int8 states with a zero point,
    int16 ones at zero as the converter makes them), 6 consecutive inferences."""
    batches, input_size, units, rank, memory = dims
    s_in, s_state, s_out = scales
    z_in, z_state, z_out = zps
    q_state = (s_state, z_state if state == "int8" else 0)
    build = svdf_op(batches, input_size, units, rank, memory, state, (s_in, z_in), q_state, (s_out, z_out), sum(dims))
    assert_exact(build, tmp_path / "m", "td_svdf_s8", inputs=6)


def test_svdf_multiplier_is_the_oracles() -> None:
    """The state's newest column after one inference (read from tflite-micro with every
    tensor preserved) is the feature sum times the lowering's multiplier_1, on every value.
    Scales chosen where float and double arithmetic give multipliers 1.1e-7 apart (1156418176 and 1156418047); an int16
    state near its limits makes about one value in 20,000 round differently."""
    from tflite_micro.python.tflite_micro import runtime

    from tinydeploy.compile import quant
    from tinydeploy.compile.lower import lower
    from tinydeploy.model.ir import parse_model

    s_in, s_wf, s_state = 0.04754696413874626, 0.010610450990498066, 1.4638334505434614e-05
    g = Graph()
    x = g.input([1, 64], s_in, 0)
    rng = np.random.default_rng(1)
    svdf(g, x, 1, 64, 64, 1, 1, (1.0, 0), rng, s_feature=s_wf, q_state=(s_state, 0))
    raw = g.build([x], [len(g.tensors) - 1])
    (step,) = lower(parse_model(raw, name="svdf"))
    m1, sh1 = step.params["multiplier_1"], step.params["shift_1"]
    wf = np.frombuffer(g.buffers[g.tensors[1].buffer].data.tobytes(), np.int8).reshape(64, 64).astype(np.int64)
    ip = runtime.Interpreter.from_bytes(
        raw, arena_size=1 << 20, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors
    )
    xs = rng.integers(-128, 128, [1500, 1, 64]).astype(np.int8)
    wrong = 0
    for xv in xs:
        ip.set_input(xv, 0)
        ip.invoke()
        state = np.asarray(ip.GetTensor(4, 0)["tensor_data"]).ravel()
        acc = wf @ xv.ravel().astype(np.int64)
        want = [min(32767, max(-32768, quant.multiply_by_quantized_multiplier(int(v), m1, sh1))) for v in acc]
        wrong += int((np.asarray(want) != state).sum())
    assert wrong == 0


# ---------------------------------------------------------------- LSTM (hidden and cell states)


def lstm_op(
    batches: int,
    time_steps: int,
    input_size: int,
    units: int,
    time_major: bool,
    q_in: tuple[float, int],
    q_hidden: tuple[float, int],
    cell_scale: float,
    cell_clip: float,
    seed: int = 0,
    gain: float = 1.5,
) -> Build:
    def build(g: Graph) -> tuple[int, int]:
        shape = [time_steps, batches, input_size] if time_major else [batches, time_steps, input_size]
        x = g.input(shape, *q_in)
        rng = np.random.default_rng(seed)
        y = lstm(
            g,
            x,
            batches,
            time_steps,
            input_size,
            units,
            q_in,
            rng,
            q_hidden=q_hidden,
            cell_scale=cell_scale,
            cell_clip=cell_clip,
            time_major=time_major,
            gain=gain,
        )
        return x, y

    return build


LSTM_CASES = [
    # batches, time_steps, input_size, units, time_major, q_in, q_hidden, cell_scale, cell_clip
    (1, 1, 4, 3, False, (0.05, 3), (1 / 128, 0), 2.0**-11, 0.0),
    (1, 5, 10, 8, False, (0.1, -20), (0.009, -3), 2.0**-11, 0.0),
    (2, 4, 6, 5, False, (0.05, 3), (1 / 128, 0), 2.0**-12, 2.0),
    (3, 2, 7, 4, True, (0.02, 100), (0.008, 10), 2.0**-11, 0.0),
    (1, 8, 16, 16, False, (0.05, -128), (1 / 128, 0), 2.0**-10, 3.0),
    (2, 3, 1, 1, True, (0.3, 0), (0.01, 0), 2.0**-13, 0.0),
]


@pytest.mark.parametrize(
    "case", LSTM_CASES, ids=[f"b{c[0]}t{c[1]}i{c[2]}u{c[3]}{'tm' if c[4] else ''}c{c[8]:g}" for c in LSTM_CASES]
)
def test_lstm_matches_tflm(tmp_path: Path, case: tuple) -> None:
    """12 consecutive inferences of one compiled model against as many of one tflite-micro
    interpreter: the hidden (int8, with a zero point) and cell (int16) states carry between
    them; batch-major and time-major sequences, clipped and unclipped cells."""
    assert_exact(lstm_op(*case), tmp_path / "m", "td_lstm_s8", inputs=12)


@pytest.mark.parametrize("gain", [0.2, 6.0])
def test_lstm_gates_near_zero_and_saturated(tmp_path: Path, gain: float) -> None:
    """Gate sums of about +-0.2 (the tables' first entries) and +-6 (sigmoid and tanh
    saturate, the Q3.12 sums clamp to int16)."""
    build = lstm_op(2, 3, 9, 6, False, (0.05, 3), (1 / 128, 0), 2.0**-11, 0.0, seed=7, gain=gain)
    assert_exact(build, tmp_path / "m", "td_lstm_s8", inputs=10)


@pytest.mark.parametrize("options", [{"kernels": "mve"}, {"kernels": "dsp", "weights": "packed"}, {"remat": False}])
def test_lstm_under_the_other_modes(tmp_path: Path, options: dict) -> None:
    """The Helium kernel set, packed weights and no rematerialisation: LSTM keeps its
    reference kernel and its states."""
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = lstm_ops_model(1)
    cm = compile_model(parse_model(raw, name="lstm"), tmp_path / "m", **options)
    assert "td_lstm_s8" in cm.kernels
    assert check(cm, raw, inputs=10)["exact_match_rate"] == 1.0


def test_lstm_states_persist_and_are_planned_as_variables(tmp_path: Path) -> None:
    """The same input twice gives two outputs (the states moved on), both tflite-micro's;
    compiled.json marks the four states variable (hidden int8, cell int16), alive over
    every step, counted in the arena and overlapping no other buffer; the hidden state
    with a zero point starts at it."""
    import json

    from tinydeploy.compile import check, compile_model
    from tinydeploy.compile.tflm import TflmRunner
    from tinydeploy.model.ir import parse_model

    raw = lstm_ops_model()
    cm = compile_model(parse_model(raw, name="lstm"), tmp_path / "m", kernels="reference")
    xs = np.repeat(np.random.default_rng(3).integers(-128, 128, [1, 1, 3, 10]).astype(np.int8), 5, axis=0)
    assert check(cm, raw, data=xs)["exact_match_rate"] == 1.0
    ref = TflmRunner(raw)
    outs = [ref.run(x).ravel().tolist() for x in xs]
    assert len({tuple(o) for o in outs}) > 1, outs
    meta = json.loads(cm.metadata.read_text())
    variables = [b for b in meta["buffers"] if b.get("variable")]
    assert sorted(b["bytes"] for b in variables) == sorted([8, 2 * 8, 6, 2 * 6])
    steps = len(meta["ops"])
    for v in variables:
        assert (v["first_step"], v["last_step"]) == (-1, steps)
        assert v["offset"] + v["bytes"] <= meta["arena_bytes"]
        for b in meta["buffers"]:
            if b is not v:
                assert b["offset"] >= v["offset"] + v["bytes"] or b["offset"] + b["bytes"] <= v["offset"], (b, v)
    assert "= -5;" in cm.model_c.read_text()


@pytest.mark.parametrize(
    "change,message",
    [
        ("peephole", "with peephole"),
        ("projection", "with projection"),
        ("layer_norm", "with layer normalization"),
        ("float_cell", "int16 cell state"),
        ("per_channel", "one scale and zero point 0"),
        ("relu", "runs TANH"),
        ("tiny_clip", "below one cell state step"),
    ],
)
def test_lstm_refusals(tmp_path: Path, change: str, message: str) -> None:
    """The variants TFLite Micro's LSTM kernel has not (peephole, projection, layer norm),
    a float cell state, per-channel weights, a cell activation other than TANH and a cell
    clip that quantizes to 0: one UnsupportedOpError line each."""
    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError
    from tinydeploy.model.ir import parse_model

    g = Graph()
    x = g.input([1, 2, 4], 0.05, 0)
    lstm(g, x, 1, 2, 4, 3, (0.05, 0), np.random.default_rng(0), cell_clip=1e-5 if change == "tiny_clip" else 0.0)
    op = g.ops[0]
    if change == "peephole":
        op.inputs[9] = g.const(np.ones(3), "int16", scale=0.01)
    elif change == "projection":
        op.inputs[16] = g.const(np.ones([3, 3]), "int8", scale=0.01)
    elif change == "layer_norm":
        op.inputs[20] = g.const(np.ones(3), "int16", scale=0.01)
    elif change == "float_cell":
        g.tensors[op.inputs[19]].type = Graph.tensor_type("float32")
    elif change == "per_channel":
        w = g.tensors[op.inputs[1]].quantization
        w.scale, w.zeroPoint = [0.02, 0.03, 0.04], [0, 0, 0]
    elif change == "relu":
        op.builtinOptions.fusedActivationFunction = 1
    raw = g.build([x], [len(g.tensors) - 1])
    with pytest.raises(UnsupportedOpError, match=message) as err:
        compile_model(parse_model(raw, name="lstm"), tmp_path / "m", kernels="reference")
    assert "\n" not in str(err.value)


@settings(
    max_examples=int(os.environ.get("TD_OPS_EXAMPLES", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    dims=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 12), st.integers(1, 10)),
    time_major=st.booleans(),
    q=st.tuples(st.floats(0.005, 0.5), st.integers(-128, 127), st.floats(0.003, 0.05), st.integers(-30, 30)),
    cell_power=st.integers(-15, -8),
    clip=st.sampled_from([0.0, 0.5, 4.0]),
    gain=st.floats(0.1, 8.0),
)
def test_lstm_property(
    tmp_path: Path,
    dims: tuple[int, int, int, int],
    time_major: bool,
    q: tuple[float, int, float, int],
    cell_power: int,
    clip: float,
    gain: float,
) -> None:
    """Random shapes, orders, quantization (hidden states with a zero point), cell scales,
    clips and gate reaches; 5 consecutive inferences."""
    batches, time_steps, input_size, units = dims
    s_in, z_in, s_h, z_h = q
    clip = clip if clip >= 2.0**cell_power else 0.0
    build = lstm_op(
        batches,
        time_steps,
        input_size,
        units,
        time_major,
        (s_in, z_in),
        (s_h, z_h),
        2.0**cell_power,
        clip,
        seed=sum(dims),
        gain=gain,
    )
    assert_exact(build, tmp_path / "m", "td_lstm_s8", inputs=5)


_SIGMOID_TABLE: list[int] = []


def _lstm_table() -> list[int]:
    """The sigmoid table td_lstm_s8.c uses (td_sigmoid_s16.h), read from the source."""
    import re

    if not _SIGMOID_TABLE:
        src = (Path(__file__).parents[2] / "firmware" / "runtime" / "td_sigmoid_s16.h").read_text()
        body = src.split("td_sigmoid_s16_table[256] = {", 1)[1].split("}", 1)[0]
        _SIGMOID_TABLE.extend(int(v) for v in re.findall(r"\d+", body))
    return _SIGMOID_TABLE


def _sigmoid16(x: int) -> int:
    """TFLite's int16 Logistic of a Q3.12 value (multiplier 3), as td_lstm_s8.c."""
    t, v = _lstm_table(), 3 * x
    a = abs(v)
    r = 0x7FFF << 10 if a >> 9 >= 255 else (t[a >> 9] << 9) + (a & 0x1FF) * (t[(a >> 9) + 1] - t[a >> 9])
    r = r + (1 << 9) if v >= 0 else (1 << 25) - r + (1 << 9) - 1
    return int(np.int16(np.uint16((r >> 10) & 0xFFFF)))


def _tanh16(x: int) -> int:
    """TFLite's int16 Tanh of a Q3.12 value (multiplier 3, no shift)."""
    t, v = _lstm_table(), 3 * x
    a = abs(v)
    r = 0xFFFF << 8 if a >> 8 >= 255 else (t[a >> 8] << 8) + (a & 0xFF) * (t[(a >> 8) + 1] - t[a >> 8])
    r = r - (1 << 23) + (1 << 7) if v >= 0 else -r + (1 << 23) + (1 << 7) - 1
    return int(np.int16(np.uint16((r >> 8) & 0xFFFF)))


def test_lstm_gate_multiplier_is_the_oracles() -> None:
    """The cell state after one inference from zero states (read from tflite-micro with
    every tensor preserved; recurrent weights zero) is sat16(mbqm(sigmoid(i) x tanh(g)))
    of the input gate sums rescaled by the lowering's multipliers, on every value; the
    multipliers of the float32 product of the scales would miss some (scales where the
    two differ)."""
    from tflite_micro.python.tflite_micro import runtime

    from tinydeploy.compile import quant
    from tinydeploy.compile.lower import lower
    from tinydeploy.model.ir import parse_model

    s_in, units, n = 0.09786204993724823, 64, 40  # multipliers 2053323456 (double), 2053323520 (float)
    g = Graph()
    x = g.input([1, 1, n], s_in, 0)
    lstm(g, x, 1, 1, n, units, (s_in, 0), np.random.default_rng(1), gain=3.0)
    for i in range(5, 9):  # recurrent weights zero: the gates are the input FCs alone
        g.buffers[g.tensors[i].buffer].data = np.zeros(units * units, np.uint8)
    raw = g.build([x], [len(g.tensors) - 1])
    (step,) = lower(parse_model(raw, name="lstm"))
    p = step.params

    def weights(i: int) -> np.ndarray:
        return np.frombuffer(g.buffers[g.tensors[i].buffer].data.tobytes(), np.int8).reshape(units, n).astype(np.int64)

    def biases(i: int) -> np.ndarray:
        return np.frombuffer(g.buffers[g.tensors[i].buffer].data.tobytes(), np.int32).astype(np.int64)

    s_w = float(g.tensors[1].quantization.scale[0])
    m_float = quant.quantize_multiplier(float(np.float32(s_in) * np.float32(s_w)) / 2.0**-12)
    assert (p["input_multiplier"][0], p["input_shift"][0]) != m_float
    wi, wc = weights(1), weights(3)
    bi, bc = biases(9), biases(11)
    cell = g.ops[0].inputs[19]
    ip = runtime.Interpreter.from_bytes(
        raw, arena_size=1 << 20, intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors
    )
    xs = np.random.default_rng(2).integers(-128, 128, [600, 1, 1, n]).astype(np.int8)

    def predicted(xv: np.ndarray, mi: tuple[int, int], mc: tuple[int, int]) -> np.ndarray:
        ai, ac = wi @ xv.ravel().astype(np.int64) + bi, wc @ xv.ravel().astype(np.int64) + bc
        out = []
        for u in range(units):
            gi = _sigmoid16(max(-32768, min(32767, quant.multiply_by_quantized_multiplier(int(ai[u]), *mi))))
            gc = _tanh16(max(-32768, min(32767, quant.multiply_by_quantized_multiplier(int(ac[u]), *mc))))
            v = quant.multiply_by_quantized_multiplier(gi * gc, p["input_gate_multiplier"], p["input_gate_shift"])
            out.append(max(-32768, min(32767, v)))
        return np.asarray(out)

    ours = ((p["input_multiplier"][0], p["input_shift"][0]), (p["input_multiplier"][2], p["input_shift"][2]))
    wrong = float_wrong = 0
    for xv in xs:
        ip.reset()
        ip.set_input(xv, 0)
        ip.invoke()
        state = np.asarray(ip.GetTensor(cell, 0)["tensor_data"]).ravel()
        wrong += int((predicted(xv, *ours) != state).sum())
        float_wrong += int((predicted(xv, m_float, m_float) != state).sum())
    assert wrong == 0
    assert float_wrong > 0
