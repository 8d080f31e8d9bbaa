"""Model IR: the .tflite flatbuffer read into plain dataclasses.

The only reader of TFLite bytes in tinydeploy. It uses the flatbuffer schema
module that the ``tflite-micro`` package ships, so no byte offsets are parsed
here. Everything downstream (inspect, reports, the AOT compiler) works on
:class:`Model`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy.errors import InputFileError, ModelFormatError
from tinydeploy.model.verify import verify_flatbuffer, verify_model

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb


def _enum_names(cls: type) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


OPCODE_NAMES = _enum_names(fb.BuiltinOperator)
_TYPE_NAMES = _enum_names(fb.TensorType)
_PADDING = _enum_names(fb.Padding)
_ACTIVATION = _enum_names(fb.ActivationFunctionType)

# numpy dtype for each TFLite tensor type we can hold data for
_NUMPY = {
    "FLOAT32": np.float32,
    "FLOAT16": np.float16,
    "FLOAT64": np.float64,
    "INT8": np.int8,
    "UINT8": np.uint8,
    "INT16": np.int16,
    "UINT16": np.uint16,
    "INT32": np.int32,
    "UINT32": np.uint32,
    "INT64": np.int64,
    "UINT64": np.uint64,
    "BOOL": np.bool_,
}

# Option fields whose integer value is an enum: translate to names.
_ENUM_OPTIONS = {"padding": _PADDING, "fused_activation_function": _ACTIVATION}


@dataclass(frozen=True)
class Quant:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per axis."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str  # lower-case TFLite type name: "int8", "int32", "float32", ...
    quant: Quant | None = None
    data: np.ndarray | None = None  # constant contents (weights, biases, shapes)
    is_variable: bool = False

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def itemsize(self) -> int:
        np_type = _NUMPY.get(self.dtype.upper())
        return np.dtype(np_type).itemsize if np_type else 0

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize


@dataclass
class Op:
    index: int
    opcode: str  # e.g. "CONV_2D", or "CUSTOM:<name>"
    inputs: tuple[int, ...]  # tensor indices; -1 marks an omitted optional input
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)
    version: int = 1


@dataclass
class Model:
    name: str
    path: Path | None
    tensors: list[Tensor]
    ops: list[Op]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    sha256: str
    size_bytes: int
    description: str = ""

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

    @property
    def input_tensors(self) -> list[Tensor]:
        return [self.tensors[i] for i in self.inputs]

    @property
    def output_tensors(self) -> list[Tensor]:
        return [self.tensors[i] for i in self.outputs]

    @property
    def opcodes(self) -> list[str]:
        """Distinct op names in order of first use."""
        return list(dict.fromkeys(op.opcode for op in self.ops))


# The quantization modes `tinydeploy convert --activations` makes: "int8" (int8
# activations and weights) and "16x8" (int16 activations, int8 weights, int64 biases:
# TensorFlow's EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8).
QUANTIZATION_MODES = ("int8", "16x8")
# UNIDIRECTIONAL_SEQUENCE_LSTM's int8 form keeps its cell state (input 19) in int16.
_LSTM_CELL_STATE = 19


def quantization_mode(model: Model) -> str:
    """ "16x8" when the model's activations are int16 (an op reads or writes an int16
    tensor that is not an int8 LSTM's cell state), else "int8"."""
    for op in model.ops:
        cell = (
            op.inputs[_LSTM_CELL_STATE]
            if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM" and len(op.inputs) > _LSTM_CELL_STATE
            else -1
        )
        for i in (*op.inputs, *op.outputs):
            if i >= 0 and i != cell and model.tensors[i].dtype == "int16" and not model.tensors[i].is_constant:
                return "16x8"
    return "int8"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _options(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    out: dict[str, Any] = {}
    for key, value in vars(obj).items():
        key = _snake(key)
        if key in _ENUM_OPTIONS and isinstance(value, int):
            value = _ENUM_OPTIONS[key].get(value, str(value))
        elif isinstance(value, np.ndarray):
            value = value.tolist()
        out[key] = value
    return out


def _decode(raw: bytes) -> fb.ModelT:
    return fb.ModelT.InitFromObj(fb.Model.GetRootAs(raw, 0))


def model_name(path: Path) -> str:
    return path.stem if path.suffix else path.name


def parse_model(raw: bytes, path: Path | None = None, name: str | None = None) -> Model:
    """Parse TFLite flatbuffer bytes into a :class:`Model`.

    Raises ModelFormatError for anything that is not a well-formed TFLite file.
    """
    where = str(path) if path else "<bytes>"
    if len(raw) < 8 or raw[4:8] != b"TFL3":
        raise ModelFormatError(
            "not a TFLite flatbuffer (no 'TFL3' identifier); pass a .tflite file, "
            "a Keras .keras/.h5 file or a SavedModel folder",
            path=where,
        )
    verify_flatbuffer(raw, where)  # offsets, vtables, vectors, strings, unions in bounds
    try:
        m = _decode(raw)
        verify_model(m, raw, where)  # indices, shapes, quantization, op graph order
        model = _build(m, raw, path, name)
    except ModelFormatError:
        raise
    except Exception as exc:  # flatbuffers raises struct/index errors on bad offsets
        raise ModelFormatError(
            f"corrupt or truncated TFLite file ({type(exc).__name__}: {exc}); re-export the model", path=where
        ) from exc
    return model


def _build(m: Any, raw: bytes, path: Path | None, name: str | None) -> Model:
    where = str(path) if path else "<bytes>"
    if not m.subgraphs:
        raise ModelFormatError("the model has no subgraph", path=where)
    if len(m.subgraphs) > 1:
        raise ModelFormatError(
            f"the model has {len(m.subgraphs)} subgraphs (control flow); tinydeploy supports single-subgraph models",
            path=where,
        )
    sg = m.subgraphs[0]
    buffers = m.buffers or []
    tensors: list[Tensor] = []
    for i, t in enumerate(sg.tensors or []):
        tname = (t.name.decode() if isinstance(t.name, bytes) else t.name) or f"tensor_{i}"
        dtype = _TYPE_NAMES.get(t.type, f"type{t.type}").lower()
        shape = tuple(int(d) for d in (t.shape if t.shape is not None else ()))
        quant = None
        q = t.quantization
        if q is not None and q.scale is not None and len(q.scale) > 0:
            zp = q.zeroPoint if q.zeroPoint is not None else [0] * len(q.scale)
            quant = Quant(tuple(float(s) for s in q.scale), tuple(int(z) for z in zp), int(q.quantizedDimension))
        data = None
        if t.buffer > 0:
            if t.buffer >= len(buffers):
                raise ModelFormatError(f"tensor {tname!r} refers to missing buffer {t.buffer}", path=where)
            buf = buffers[t.buffer]
            blob: bytes | None = None
            if buf.data is not None and len(buf.data) > 0:
                blob = bytes(np.asarray(buf.data, dtype=np.uint8))
            elif buf.offset > 1 and buf.size > 0:  # large models keep buffers after the flatbuffer
                if buf.offset + buf.size > len(raw):
                    raise ModelFormatError(
                        f"tensor {tname!r}: buffer runs past the end of the file (truncated?)", path=where
                    )
                blob = raw[buf.offset : buf.offset + buf.size]
            if blob is not None:
                np_type = _NUMPY.get(dtype.upper())
                if np_type is None:
                    data = np.frombuffer(blob, dtype=np.uint8)
                else:
                    count = int(np.prod(shape)) if shape else 1
                    need = count * np.dtype(np_type).itemsize
                    if len(blob) < need:
                        raise ModelFormatError(
                            f"tensor {tname!r}: buffer holds {len(blob)} bytes, shape {list(shape)} needs {need}",
                            path=where,
                        )
                    data = np.frombuffer(blob[:need], dtype=np_type).reshape(shape).copy()
        tensors.append(Tensor(i, tname, shape, dtype, quant, data, bool(t.isVariable)))

    codes = m.operatorCodes or []
    ops: list[Op] = []
    for i, o in enumerate(sg.operators or []):
        if o.opcodeIndex >= len(codes):
            raise ModelFormatError(f"op #{i} refers to missing operator code {o.opcodeIndex}", path=where)
        code = codes[o.opcodeIndex]
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        opname = OPCODE_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if opname == "CUSTOM":
            custom = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
            opname = f"CUSTOM:{custom}"
        ins = tuple(int(x) for x in (o.inputs if o.inputs is not None else ()))
        outs = tuple(int(x) for x in (o.outputs if o.outputs is not None else ()))
        for t_idx in ins + outs:
            if t_idx >= len(tensors):
                raise ModelFormatError(f"op #{i} {opname} refers to missing tensor {t_idx}", path=where)
        ops.append(Op(i, opname, ins, outs, _options(o.builtinOptions), int(code.version)))

    desc = m.description.decode() if isinstance(m.description, bytes) else (m.description or "")
    return Model(
        name=name or (model_name(path) if path else "model"),
        path=path,
        tensors=tensors,
        ops=ops,
        inputs=tuple(int(x) for x in sg.inputs),
        outputs=tuple(int(x) for x in sg.outputs),
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        description=desc,
    )


def read_model(path: str | Path) -> Model:
    """Read a .tflite file into a :class:`Model`, with one-line errors."""
    path = Path(path)
    if not path.exists():
        raise InputFileError("no such file; check the path", path=str(path))
    if path.is_dir():
        raise InputFileError("is a folder, expected a .tflite file", path=str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read ({exc.strerror})", path=str(path)) from exc
    return parse_model(raw, path)
