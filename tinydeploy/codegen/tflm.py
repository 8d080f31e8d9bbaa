"""The TFLite Micro variant of td_model.h: model array, op resolver, sized arena."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from tinydeploy import __version__
from tinydeploy.cgen import comment, sanitize, string_literal
from tinydeploy.templates import render
from tinydeploy.errors import UnsupportedOpError
from tinydeploy.model.carray import write_c_array
from tinydeploy.model.ir import Model
from tinydeploy.model.reference import tflm_arena
from tinydeploy.tflm.library import LAYOUT_FIELDS

# TFLite builtin op -> MicroMutableOpResolver method (tensorflow/lite/micro/micro_mutable_op_resolver.h).
RESOLVER_METHODS = {
    "ABS": "AddAbs",
    "ADD": "AddAdd",
    "ARG_MAX": "AddArgMax",
    "ARG_MIN": "AddArgMin",
    "AVERAGE_POOL_2D": "AddAveragePool2D",
    "BATCH_MATMUL": "AddBatchMatMul",
    "CONCATENATION": "AddConcatenation",
    "CONV_2D": "AddConv2D",
    "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D",
    "DEQUANTIZE": "AddDequantize",
    "ELU": "AddElu",
    "EXP": "AddExp",
    "EXPAND_DIMS": "AddExpandDims",
    "FULLY_CONNECTED": "AddFullyConnected",
    "GATHER": "AddGather",
    "HARD_SWISH": "AddHardSwish",
    "LEAKY_RELU": "AddLeakyRelu",
    "LOGISTIC": "AddLogistic",
    "LOG_SOFTMAX": "AddLogSoftmax",
    "MAXIMUM": "AddMaximum",
    "MAX_POOL_2D": "AddMaxPool2D",
    "MEAN": "AddMean",
    "MINIMUM": "AddMinimum",
    "MUL": "AddMul",
    "PACK": "AddPack",
    "PAD": "AddPad",
    "PADV2": "AddPadV2",
    "PRELU": "AddPrelu",
    "QUANTIZE": "AddQuantize",
    "REDUCE_MAX": "AddReduceMax",
    "RELU": "AddRelu",
    "RELU6": "AddRelu6",
    "RESHAPE": "AddReshape",
    "RESIZE_BILINEAR": "AddResizeBilinear",
    "RESIZE_NEAREST_NEIGHBOR": "AddResizeNearestNeighbor",
    "SHAPE": "AddShape",
    "SLICE": "AddSlice",
    "SOFTMAX": "AddSoftmax",
    "SPLIT": "AddSplit",
    "SQUEEZE": "AddSqueeze",
    "STRIDED_SLICE": "AddStridedSlice",
    "SUB": "AddSub",
    "SUM": "AddSum",
    "SVDF": "AddSvdf",
    "TANH": "AddTanh",
    "TRANSPOSE": "AddTranspose",
    "TRANSPOSE_CONV": "AddTransposeConv",
    "UNPACK": "AddUnpack",
    # The rest of the builtins TFLite Micro registers in a single subgraph without
    # resource variables (IF/WHILE/CALL_ONCE need more subgraphs, VAR_HANDLE/READ_VARIABLE/
    # ASSIGN_VARIABLE a MicroResourceVariables the template does not create).
    "ADD_N": "AddAddN",
    "BATCH_TO_SPACE_ND": "AddBatchToSpaceNd",
    "BROADCAST_ARGS": "AddBroadcastArgs",
    "BROADCAST_TO": "AddBroadcastTo",
    "CAST": "AddCast",
    "CEIL": "AddCeil",
    "COS": "AddCos",
    "CUMSUM": "AddCumSum",
    "DEPTH_TO_SPACE": "AddDepthToSpace",
    "DIV": "AddDiv",
    "DYNAMIC_UPDATE_SLICE": "AddDynamicUpdateSlice",
    "EMBEDDING_LOOKUP": "AddEmbeddingLookup",
    "EQUAL": "AddEqual",
    "FILL": "AddFill",
    "FLOOR": "AddFloor",
    "FLOOR_DIV": "AddFloorDiv",
    "FLOOR_MOD": "AddFloorMod",
    "GATHER_ND": "AddGatherNd",
    "GREATER": "AddGreater",
    "GREATER_EQUAL": "AddGreaterEqual",
    "L2_NORMALIZATION": "AddL2Normalization",
    "L2_POOL_2D": "AddL2Pool2D",
    "LESS": "AddLess",
    "LESS_EQUAL": "AddLessEqual",
    "LOG": "AddLog",
    "LOGICAL_AND": "AddLogicalAnd",
    "LOGICAL_NOT": "AddLogicalNot",
    "LOGICAL_OR": "AddLogicalOr",
    "MIRROR_PAD": "AddMirrorPad",
    "NEG": "AddNeg",
    "NOT_EQUAL": "AddNotEqual",
    "REDUCE_ALL": "AddReduceAll",
    "REDUCE_MIN": "AddReduceMin",
    "REVERSE_V2": "AddReverseV2",
    "ROUND": "AddRound",
    "RSQRT": "AddRsqrt",
    "SELECT_V2": "AddSelectV2",
    "SIN": "AddSin",
    "SPACE_TO_BATCH_ND": "AddSpaceToBatchNd",
    "SPACE_TO_DEPTH": "AddSpaceToDepth",
    "SPLIT_V": "AddSplitV",
    "SQRT": "AddSqrt",
    "SQUARE": "AddSquare",
    "SQUARED_DIFFERENCE": "AddSquaredDifference",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM",
    "ZEROS_LIKE": "AddZerosLike",
}
# The arena measured on a 64-bit host, plus this margin (the tail of TFLM's arena
# holds pointer-sized structs, smaller on a 32-bit MCU: the margin covers alignment).
MARGIN_PERCENT = 10
MARGIN_BYTES = 1024


@dataclass(frozen=True)
class TflmSources:
    files: list[Path]
    arena_bytes: int
    tflm_arena_bytes: int


def resolver_methods(model: Model) -> list[str]:
    """The MicroMutableOpResolver methods the model needs (what TFLM must compile)."""
    return [op["method"] for op in resolver_ops(model)]


def resolver_ops(model: Model) -> list[dict[str, str]]:
    ops = []
    for name in model.opcodes:
        method = RESOLVER_METHODS.get(name)
        if method is None:
            op = next(o for o in model.ops if o.opcode == name)
            raise UnsupportedOpError(
                "TFLite Micro's op resolver has no registration for it; replace it in the model",
                index=op.index,
                op=name,
                tensor=model.tensors[op.outputs[0]].name,
            )
        ops.append({"name": name, "method": method})
    return ops


def arena_with_margin(measured: int) -> int:
    sized = math.ceil(measured * (100 + MARGIN_PERCENT) / 100) + MARGIN_BYTES
    return (sized + 15) // 16 * 16


def write_tflm_model(
    model: Model,
    raw: bytes,
    out_dir: Path,
    arduino_header: str | None = None,
    layout: dict[str, int] | None = None,
    defines: tuple[str, ...] = (),
) -> TflmSources:
    """Write model_data.h/.c and tflm_model.cc into ``out_dir``. ``layout``: the
    library's TfLiteTensor (TflmBuild.layout), static_asserted in tflm_model.cc;
    ``defines``: the library's defines, named in the assertion's message."""
    ops = resolver_ops(model)
    measured = tflm_arena(raw, model).total
    header, source = write_c_array(raw, model.name, out_dir)
    arena = arena_with_margin(measured)
    cc = out_dir / "tflm_model.cc"
    cc.write_text(
        render(
            "tflm_model.cc.j2",
            version=__version__,
            model_name=comment(model.name),
            sha256=model.sha256,
            ops=ops,
            tflm_arena=measured,
            arena_bytes=arena,
            margin_percent=MARGIN_PERCENT,
            margin_bytes=MARGIN_BYTES,
            array=sanitize(model.name, prefix="m_") + "_tflite",
            name_literal=string_literal(model.name),
            arduino_header=arduino_header,
            layout=layout,
            layout_fields=LAYOUT_FIELDS,
            defines=" ".join(f"-D{d}" for d in defines),
        )
    )
    return TflmSources([header, source, cc], arena, measured)
