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

_TYPES = {"int8": fb.TensorType.INT8, "int32": fb.TensorType.INT32,
          "float32": fb.TensorType.FLOAT32, "int64": fb.TensorType.INT64}
_NP = {"int8": np.int8, "int32": np.int32, "float32": np.float32, "int64": np.int64}


class Graph:
    """One subgraph under construction."""

    def __init__(self) -> None:
        self.tensors: list[fb.TensorT] = []
        self.buffers: list[fb.BufferT] = [fb.BufferT()]
        self.ops: list[fb.OperatorT] = []
        self.codes: list[int] = []

    def tensor(self, shape: list[int], scale: float | list[float] | None = None, zp: int | list[int] = 0,
               dtype: str = "int8", data: np.ndarray | None = None, axis: int = 0,
               name: str | None = None) -> int:
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

    def input(self, shape: list[int], scale: float, zp: int) -> int:
        return self.tensor(shape, scale, zp)

    def const(self, values: Any, dtype: str = "int32", shape: list[int] | None = None,
              scale: float | list[float] | None = None, zp: int | list[int] = 0,
              axis: int = 0) -> int:
        arr = np.asarray(values, dtype=_NP[dtype])
        return self.tensor(list(arr.shape) if shape is None else shape, scale, zp, dtype, arr,
                           axis)

    def op(self, name: str, inputs: list[int], outputs: list[int], options: str | None = None,
           **fields: Any) -> None:
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


def check_model(raw: bytes, out_dir: Path, inputs: int = 20, seed: int = 0,
                kernels: str = "reference") -> dict[str, Any]:
    """Compile ``raw`` with the AOT compiler and compare it with tflite-micro on the host."""
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    model = parse_model(raw, name="op_model")
    cm = compile_model(model, out_dir, force=True, kernels=kernels)
    result = check(cm, raw, inputs=inputs, seed=seed)
    result["kernels"] = cm.kernels
    return result
