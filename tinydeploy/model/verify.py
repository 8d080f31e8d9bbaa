"""Verify a .tflite flatbuffer before anything reads it.

Two passes, both raising :class:`~tinydeploy.errors.ModelFormatError` with one line
that names the fault:

1. :func:`verify_flatbuffer` walks the raw bytes the way FlatBuffers' C++ verifier
   does: every table's vtable, every offset, vector, string and union lies inside
   the file and is aligned, strings are NUL-terminated, union types are known, and
   each table is visited once (so neither a huge count nor shared sub-tables make it
   slow). The table layouts come from the schema module tflite-micro ships
   (``schema_py_generated``), learnt once by calling its builder functions and
   accessors, so the verifier follows the schema the reader uses.
2. :func:`verify_model` checks what a well-formed flatbuffer can still get wrong:
   schema version; tensor, buffer and opcode indices in range; tensor types known;
   shapes non-negative, of sane rank, not empty for activations and not larger
   than a microcontroller could hold; quantization parameters consistent and finite;
   external buffers inside the file; and the op graph in execution order: every op
   reads only model inputs, constants or tensors an earlier op wrote (a cycle or a
   dangling reference is refused), and no tensor is written twice.

Only then are the bytes decoded by the Python reader, or handed to TFLite Micro's
C++ interpreter (which trusts them and would read out of bounds).
"""

from __future__ import annotations

import bisect
import math
import struct
from functools import lru_cache
from typing import Any

import flatbuffers
from flatbuffers.table import Table as FbTable

from tinydeploy.errors import ModelFormatError

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

TFLITE_SCHEMA_VERSION = 3
MAX_DEPTH = 32  # tables nested deeper than this are refused (the schema needs 6)
MAX_RANK = 8
# An activation larger than this cannot live in a microcontroller's RAM.
MAX_ACTIVATION_BYTES = 16 << 20
MAX_TENSOR_BYTES = (1 << 31) - 1  # TFLite sizes are 32-bit
# Inputs (min, max) of the builtins whose kernels index their inputs without checking
# the count (TFLite Micro reads past the end of the input list otherwise).
ARITY = {
    "CONV_2D": (2, 3),
    "DEPTHWISE_CONV_2D": (2, 3),
    "FULLY_CONNECTED": (2, 3),
    "TRANSPOSE_CONV": (3, 4),
    "AVERAGE_POOL_2D": (1, 1),
    "MAX_POOL_2D": (1, 1),
    "L2_POOL_2D": (1, 1),
    "SOFTMAX": (1, 1),
    "LOGISTIC": (1, 1),
    "TANH": (1, 1),
    "RELU": (1, 1),
    "RELU6": (1, 1),
    "QUANTIZE": (1, 1),
    "DEQUANTIZE": (1, 1),
    "ADD": (2, 2),
    "SUB": (2, 2),
    "MUL": (2, 2),
    "DIV": (2, 2),
    "MAXIMUM": (2, 2),
    "MINIMUM": (2, 2),
    "SQUARED_DIFFERENCE": (2, 2),
    "PAD": (2, 2),
    "PADV2": (2, 3),
    "MEAN": (2, 2),
    "SUM": (2, 2),
    "REDUCE_MAX": (2, 2),
    "RESHAPE": (1, 2),
    "SQUEEZE": (1, 1),
    "EXPAND_DIMS": (2, 2),
    "CONCATENATION": (1, 1 << 16),
    "STRIDED_SLICE": (4, 4),
    "TRANSPOSE": (2, 2),
    "GATHER": (2, 2),
    "SLICE": (3, 3),
}
# Builtin option fields that must be at least 1 (a 0 divides by zero in the kernels).
_POSITIVE_OPTIONS = ("strideW", "strideH", "dilationWFactor", "dilationHFactor", "filterWidth", "filterHeight")

_FLAG_SIZE = {
    "Bool": 1,
    "Int8": 1,
    "Uint8": 1,
    "Int16": 2,
    "Uint16": 2,
    "Int32": 4,
    "Uint32": 4,
    "Float32": 4,
    "Int64": 8,
    "Uint64": 8,
    "Float64": 8,
}
_ITEMSIZE = {
    "FLOAT32": 4,
    "FLOAT16": 2,
    "FLOAT64": 8,
    "INT8": 1,
    "UINT8": 1,
    "INT16": 2,
    "UINT16": 2,
    "INT32": 4,
    "UINT32": 4,
    "INT64": 8,
    "UINT64": 8,
    "BOOL": 1,
    "INT4": 1,
    "STRING": 1,
    "COMPLEX64": 8,
    "COMPLEX128": 16,
    "RESOURCE": 1,
    "VARIANT": 1,
    "BFLOAT16": 2,
}


# ---------------------------------------------------------------- layouts from the schema module

# The layouts are learnt by calling the generated code, not by reading it: each
# ``<Table>Add<Field>(builder, x)`` is called with a recording builder (which slot,
# which scalar type), ``<Table>Start<Field>Vector`` gives a vector's element size,
# and where an offset could point at a table, a string or a union, a tiny flatbuffer
# built for the purpose is read back through the field's accessor.


class _Recorder:
    """Stands in for flatbuffers.Builder: records the builder call a generated
    Start/Add function makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, method: str) -> Any:
        def record(*args: Any) -> int:
            self.calls.append((method, args))
            return 0

        return record


def _first_call(fn: Any, *args: Any) -> tuple[str, tuple[Any, ...]]:
    rec = _Recorder()
    fn(rec, *args)
    return rec.calls[0]


_NAMES = sorted(vars(fb))


def _names(prefix: str) -> list[str]:
    i = bisect.bisect_left(_NAMES, prefix)
    out = []
    while i < len(_NAMES) and _NAMES[i].startswith(prefix):
        out.append(_NAMES[i])
        i += 1
    return out


def _slots(name: str) -> int:
    return int(_first_call(getattr(fb, name + "Start"))[1][0])


def _read_back(name: str, slot: int, vector: bool, utype: tuple[int, int] | None = None) -> Any:
    """A ``name`` table whose field ``slot`` points at an empty table (or a vector of
    one), with union type ``utype`` = (type slot, value) set, as the generated class."""
    b = flatbuffers.Builder(64)
    b.StartObject(0)
    target = b.EndObject()
    if vector:
        b.StartVector(4, 1, 4)
        b.PrependUOffsetTRelative(target)
        target = b.EndVector()
    b.StartObject(_slots(name))
    b.PrependUOffsetTRelativeSlot(slot, target, 0)
    if utype:
        b.PrependUint8Slot(utype[0], utype[1], 0)
    b.Finish(b.EndObject())
    return getattr(fb, name).GetRootAs(b.Output(), 0)


def _field_kind(name: str, attr: str, slot: int) -> tuple[str, Any] | None:
    """What field ``attr`` (an offset at ``slot``) of table ``name`` points at."""
    cls = getattr(fb, name)
    start_vector = getattr(fb, f"{name}Start{attr}Vector", None)
    if start_vector is not None:
        elem = int(_first_call(start_vector, 1)[1][0])
        if hasattr(cls, attr + "AsNumpy") or elem != 4:
            return ("vec_scalar", elem)
        got = getattr(_read_back(name, slot, True), attr)(0)
        if isinstance(got, bytes):
            return ("vec_str", None)
        if hasattr(got, "Init") and not isinstance(got, FbTable):
            return ("vec_table", type(got).__name__)
        return None
    got = getattr(_read_back(name, slot, False), attr)()
    if isinstance(got, bytes):
        return ("str", None)
    if isinstance(got, FbTable):
        return ("union", None)
    if hasattr(got, "Init"):
        return ("table", type(got).__name__)
    return None


@lru_cache(maxsize=None)
def _layout(name: str) -> tuple[tuple[int, str, str, Any], ...]:
    """(vtable offset, accessor name, kind, detail) of every field of table ``name``."""
    cls = getattr(fb, name)
    prefix = name + "Add"
    fields = []
    for fn_name in _names(prefix):
        attr = fn_name[len(prefix) :]
        if not hasattr(cls, attr):
            continue
        method, args = _first_call(getattr(fb, fn_name), 0)
        slot = int(args[0])
        if method == "PrependUOffsetTRelativeSlot":
            kind = _field_kind(name, attr, slot)
        else:  # Prepend<Type>Slot(slot, value, default): a scalar
            scalar = method[len("Prepend") : -len("Slot")]
            kind = ("scalar", _FLAG_SIZE[scalar]) if scalar in _FLAG_SIZE else None
        if kind:
            fields.append((4 + 2 * slot, attr, kind[0], kind[1]))
    return tuple(sorted(fields))


@lru_cache(maxsize=None)
def _union_members(table: str, accessor: str) -> dict[int, str]:
    """Union type value -> table name, for union field ``accessor`` of ``table``: the
    object API (``<Table>T``) unpacks a union of type 1; the enum that names that
    member at 1 and has a ``<Enum>Creator`` is the union's type enum."""
    obj_api = getattr(fb, table + "T", None)
    if obj_api is None:
        return {}
    slot = _first_call(getattr(fb, f"{table}Add{accessor}"), 0)[1][0]
    type_slot = _first_call(getattr(fb, f"{table}Add{accessor}Type"), 0)[1][0]
    field = accessor[0].lower() + accessor[1:]

    def member(utype: int) -> str | None:
        got = getattr(obj_api.InitFromObj(_read_back(table, slot, False, (type_slot, utype))), field, None)
        return type(got).__name__[:-1] if got is not None else None  # FooOptionsT -> FooOptions

    first = member(1)
    enums = [
        e
        for e in (getattr(fb, n[: -len("Creator")], None) for n in _names("") if n.endswith("Creator"))
        if isinstance(e, type) and first and vars(e).get(first) == 1
    ]
    for enum in enums:
        values = {
            v: k for k, v in vars(enum).items() if isinstance(v, int) and not k.startswith("_") and hasattr(fb, k)
        }
        last = max(values)
        if len(enums) == 1 or member(last) == values[last]:
            return values
    return {}


# ---------------------------------------------------------------- pass 1: the bytes


class _Walker:
    def __init__(self, buf: bytes, where: str) -> None:
        self.buf = buf
        self.n = len(buf)
        self.where = where
        self.seen: set[tuple[int, str]] = set()

    def fail(self, what: str) -> ModelFormatError:
        return ModelFormatError(f"corrupt or truncated TFLite file: {what}; re-export the model", path=self.where)

    def _read(self, fmt: str, pos: int, what: str) -> int:
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > self.n:
            raise self.fail(f"{what} at byte {pos} lies outside the file ({self.n} bytes)")
        return struct.unpack_from(fmt, self.buf, pos)[0]

    def _target(self, pos: int, what: str) -> int:
        """Follow the uoffset stored at ``pos``."""
        if pos % 4:
            raise self.fail(f"misaligned offset to {what} at byte {pos}")
        target = pos + self._read("<I", pos, f"offset to {what}")
        if target >= self.n:
            raise self.fail(f"{what} at byte {target} lies outside the file ({self.n} bytes)")
        return target

    def vector(self, pos: int, elem: int, what: str) -> int:
        if pos % 4:
            raise self.fail(f"misaligned vector {what} at byte {pos}")
        count = self._read("<I", pos, f"length of {what}")
        if pos + 4 + count * elem > self.n:
            raise self.fail(f"{what} claims {count} elements, more than the file holds")
        if elem > 4 and (pos + 4) % min(elem, 8):
            raise self.fail(f"misaligned elements of {what} at byte {pos + 4}")
        return count

    def string(self, pos: int, what: str) -> None:
        length = self.vector(pos, 1, what)
        if self._read("<B", pos + 4 + length, f"end of {what}") != 0:
            raise self.fail(f"{what} is not NUL-terminated")

    def table(self, pos: int, name: str, depth: int = 0) -> None:
        if (pos, name) in self.seen:
            return
        self.seen.add((pos, name))
        if depth > MAX_DEPTH:
            raise self.fail(f"tables nested deeper than {MAX_DEPTH}")
        if pos % 4:
            raise self.fail(f"misaligned {name} table at byte {pos}")
        vt = pos - self._read("<i", pos, f"{name} table")
        if vt % 2:
            raise self.fail(f"misaligned vtable of a {name} table")
        vsize = self._read("<H", vt, f"vtable of a {name} table")
        osize = self._read("<H", vt + 2, f"vtable of a {name} table")
        if vsize < 4 or vsize % 2 or vt + vsize > self.n:
            raise self.fail(f"bad vtable (size {vsize}) of a {name} table")
        if osize < 4 or pos + osize > self.n:
            raise self.fail(f"a {name} table of {osize} bytes runs past the end of the file")
        types: dict[str, int] = {}
        for voff, attr, kind, detail in _layout(name):
            if voff + 2 > vsize:
                continue
            fo = self._read("<H", vt + voff, f"vtable of a {name} table")
            if fo == 0:
                continue
            size = detail if kind == "scalar" else 4
            if fo + size > osize:
                raise self.fail(f"field {name}.{attr} lies outside its table")
            at = pos + fo
            what = f"{name}.{attr}"
            if kind == "scalar":
                if attr.endswith("Type") and size == 1:
                    types[attr[:-4]] = self.buf[at]
                continue
            target = self._target(at, what)
            if kind == "str":
                self.string(target, what)
            elif kind == "table":
                self.table(target, detail, depth + 1)
            elif kind == "vec_scalar":
                self.vector(target, detail, what)
            elif kind == "vec_str":
                for i in range(self.vector(target, 4, what)):
                    self.string(self._target(target + 4 + 4 * i, what), what)
            elif kind == "vec_table":
                for i in range(self.vector(target, 4, what)):
                    self.table(self._target(target + 4 + 4 * i, what), detail, depth + 1)
            elif kind == "union":
                utype = types.get(attr, 0)
                member = _union_members(name, attr).get(utype)
                if utype and member is None:
                    raise self.fail(f"{what} has unknown union type {utype}")
                if member:
                    self.table(target, member, depth + 1)


def verify_flatbuffer(raw: bytes, where: str = "<bytes>") -> None:
    """Structural check of the flatbuffer bytes (see the module docstring)."""
    walker = _Walker(raw, where)
    if len(raw) < 8:
        raise walker.fail("shorter than a flatbuffer header")
    walker.table(walker._target(0, "the root Model table"), "Model")


# ---------------------------------------------------------------- pass 2: the model

_OPCODES = {v: k for k, v in vars(fb.BuiltinOperator).items() if isinstance(v, int) and not k.startswith("_")}


def _type_names() -> dict[int, str]:
    return {v: k for k, v in vars(fb.TensorType).items() if isinstance(v, int) and not k.startswith("_")}


def _text(value: Any, fallback: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value or fallback


def _ints(values: Any) -> list[int]:
    return [] if values is None else [int(v) for v in values]


def _enum_values(cls: type) -> set[int]:
    return {v for k, v in vars(cls).items() if isinstance(v, int) and not k.startswith("_")}


def _check_op(k: int, opname: str, op: Any, fail: Any) -> None:
    """Input count and option values of one op (names: the TFLite builtin)."""
    lo, hi = ARITY.get(opname, (0, 1 << 16))
    count = len(_ints(op.inputs))
    if not lo <= count <= hi:
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        raise fail(f"op #{k} {opname} has {count} inputs, it takes {want}")
    opts = op.builtinOptions
    if opts is None:
        return
    for attr, value in vars(opts).items():
        if attr in _POSITIVE_OPTIONS and value < 1:
            raise fail(f"op #{k} {opname}: option {attr} is {value}, it must be at least 1")
        if attr == "padding" and value not in _enum_values(fb.Padding):
            raise fail(f"op #{k} {opname}: unknown padding {value}")
        if attr == "fusedActivationFunction" and value not in _enum_values(fb.ActivationFunctionType):
            raise fail(f"op #{k} {opname}: unknown fused activation {value}")
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"op #{k} {opname}: option {attr} is {value}, it must be finite")


def verify_model(m: Any, raw: bytes, where: str = "<bytes>") -> None:
    """Semantic checks on the decoded ``fb.ModelT`` (see the module docstring)."""

    def fail(detail: str) -> ModelFormatError:
        return ModelFormatError(detail, path=where)

    if m.version != TFLITE_SCHEMA_VERSION:
        raise fail(
            f"TFLite schema version {m.version}, expected {TFLITE_SCHEMA_VERSION}; "
            "re-export the model with a current TensorFlow"
        )
    buffers = m.buffers or []
    codes = m.operatorCodes or []
    for b, buf in enumerate(buffers):
        if buf.offset > 1 and (buf.size < 0 or buf.offset + buf.size > len(raw)):
            raise fail(f"buffer {b} runs past the end of the file (truncated?)")
    if not m.subgraphs:
        raise fail("the model has no subgraph")
    types = _type_names()
    for sg in m.subgraphs:
        tensors = sg.tensors or []
        n = len(tensors)
        constant = set()
        # Tensors an op lists as intermediates carry only quantization parameters (the
        # int8 LSTM's gate scales): a zero-sized shape is their normal form.
        intermediate = {x for op in (sg.operators or []) for x in _ints(op.intermediates)}
        intermediate -= {x for op in (sg.operators or []) for x in _ints(op.inputs) + _ints(op.outputs)}
        intermediate -= set(_ints(sg.inputs)) | set(_ints(sg.outputs))
        for i, t in enumerate(tensors):
            name = _text(t.name, f"tensor_{i}")
            label = f"tensor #{i} {name!r}"
            if t.buffer < 0 or t.buffer >= max(len(buffers), 1):
                raise fail(f"{label} refers to missing buffer {t.buffer} (the model has {len(buffers)})")
            buf = buffers[t.buffer] if buffers else None
            if (
                t.buffer > 0
                and buf is not None
                and ((buf.data is not None and len(buf.data) > 0) or (buf.offset > 1 and buf.size > 0))
            ):
                constant.add(i)
            tname = types.get(t.type)
            if tname is None:
                raise fail(f"{label} has unknown type code {t.type}")
            shape = _ints(t.shape)
            if len(shape) > MAX_RANK:
                raise fail(f"{label} has {len(shape)} dimensions (at most {MAX_RANK})")
            if any(d < 0 for d in shape):
                raise fail(f"{label} has a negative dimension in shape {shape}")
            count = math.prod(shape)
            nbytes = count * _ITEMSIZE.get(tname, 1)
            if count == 0 and i not in constant and i not in intermediate:
                raise fail(f"{label} has a zero-sized shape {shape}; every activation must hold data")
            if nbytes > MAX_TENSOR_BYTES:
                raise fail(f"{label} of shape {shape} needs {nbytes:,} bytes, more than a TFLite tensor can hold")
            if i not in constant and nbytes > MAX_ACTIVATION_BYTES:
                raise fail(
                    f"{label} of shape {shape} needs {nbytes:,} bytes, more than any "
                    f"microcontroller's RAM (limit {MAX_ACTIVATION_BYTES:,})"
                )
            q = t.quantization
            if q is not None and q.scale is not None and len(q.scale) > 0:
                scales = [float(s) for s in q.scale]
                if not all(math.isfinite(s) and s > 0 for s in scales):
                    raise fail(f"{label} has a quantization scale that is not a positive finite number")
                zps = q.zeroPoint
                if zps is not None and len(zps) not in (0, len(scales)):
                    raise fail(f"{label} has {len(scales)} scales but {len(zps)} zero points")
                zrange = {"INT8": (-128, 127), "UINT8": (0, 255), "INT16": (-32768, 32767)}.get(tname)
                if zrange and zps is not None and any(not zrange[0] <= int(z) <= zrange[1] for z in zps):
                    raise fail(f"{label} is {tname.lower()} but has a zero point outside [{zrange[0]}, {zrange[1]}]")
                if len(scales) > 1 and not (
                    0 <= q.quantizedDimension < max(len(shape), 1) and shape[q.quantizedDimension] == len(scales)
                ):
                    raise fail(
                        f"{label}: {len(scales)} per-channel scales do not match "
                        f"dimension {q.quantizedDimension} of shape {shape}"
                    )
        sg_in, sg_out = _ints(sg.inputs), _ints(sg.outputs)
        for what, idx in [("input", x) for x in sg_in] + [("output", x) for x in sg_out]:
            if not 0 <= idx < n:
                raise fail(f"model {what} refers to missing tensor {idx} (the subgraph has {n})")
        available = set(sg_in) | constant | {i for i, t in enumerate(tensors) if t.isVariable}
        writer: dict[int, int] = {}
        ops = sg.operators or []
        for k, op in enumerate(ops):
            for t_idx in _ints(op.outputs):
                writer.setdefault(t_idx, k)
        for k, op in enumerate(ops):
            if not 0 <= op.opcodeIndex < len(codes):
                raise fail(f"op #{k} refers to missing operator code {op.opcodeIndex} (the model has {len(codes)})")
            code = codes[op.opcodeIndex]
            builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
            _check_op(k, _OPCODES.get(builtin, f"BUILTIN_{builtin}"), op, fail)
            ins, outs = _ints(op.inputs), _ints(op.outputs)
            if not outs:
                raise fail(f"op #{k} has no output")
            for t_idx in ins + _ints(op.intermediates):
                if not -1 <= t_idx < n:
                    raise fail(f"op #{k} refers to missing tensor {t_idx} (the subgraph has {n})")
            for t_idx in outs:
                if not 0 <= t_idx < n:
                    raise fail(f"op #{k} writes missing tensor {t_idx} (the subgraph has {n})")
            for t_idx in ins:
                if t_idx < 0 or t_idx in available:
                    continue
                name = _text(tensors[t_idx].name, f"tensor_{t_idx}")
                later = writer.get(t_idx)
                if later is not None and later >= k:
                    raise fail(
                        f"op #{k} reads tensor #{t_idx} {name!r} before op #{later} writes "
                        "it: the op graph is cyclic or not in execution order"
                    )
                raise fail(
                    f"op #{k} reads tensor #{t_idx} {name!r}, which is no model input, "
                    "no constant and written by no op (a dangling reference)"
                )
            for t_idx in outs:
                name = _text(tensors[t_idx].name, f"tensor_{t_idx}")
                if t_idx in constant or t_idx in set(sg_in):
                    raise fail(f"op #{k} writes tensor #{t_idx} {name!r}, which is a constant or a model input")
                if t_idx in available:
                    raise fail(f"op #{k} writes tensor #{t_idx} {name!r}, which an earlier op wrote already")
                available.add(t_idx)
        for t_idx in sg_out:
            if t_idx not in available:
                name = _text(tensors[t_idx].name, f"tensor_{t_idx}")
                raise fail(f"model output tensor #{t_idx} {name!r} is written by no op")


# ---------------------------------------------------------------- TFLite Micro, at arm's length

_TFLM_PROBE = r"""
import sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
raw = sys.stdin.buffer.read()
try:
    ip = runtime.Interpreter.from_bytes(raw, arena_size=int(sys.argv[1]))
    d = ip.get_input_details(0)
    ip.set_input(np.zeros(d["shape"], d["dtype"]), 0)
    ip.invoke()
except Exception:
    sys.exit(3)  # an ordinary error: the caller's own load reports it
"""
_TFLM_SAFE: set[str] = set()
TFLM_PROBE_TIMEOUT_S = 120


def guard_tflm(raw: bytes, arena_size: int, where: str = "<model>") -> None:
    """Load and run ``raw`` once in TFLite Micro in a child process before this process does.

    TFLite Micro's C++ interpreter trusts the model: a malformed one that passes the
    checks above can still crash it (a missing op input read out of bounds). A crash
    or a hang of the child becomes a ModelFormatError here instead of killing the
    caller. Models that pass are remembered for the life of the process.
    """
    import hashlib
    import subprocess
    import sys

    key = hashlib.sha256(raw).hexdigest() + f":{arena_size}"
    if key in _TFLM_SAFE:
        return
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _TFLM_PROBE, str(arena_size)],
            input=raw,
            capture_output=True,
            timeout=TFLM_PROBE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise ModelFormatError(
            f"TFLite Micro did not finish loading and running this model "
            f"within {TFLM_PROBE_TIMEOUT_S} s; the model is malformed or far "
            "too large",
            path=where,
        ) from exc
    if proc.returncode < 0 or proc.returncode not in (0, 3):
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit code {proc.returncode}"
        raise ModelFormatError(
            f"TFLite Micro crashed ({how}) loading or running this model: "
            "it is malformed in a way its interpreter does not check "
            "(wrong op inputs or options?); re-export the model",
            path=where,
        )
    if proc.returncode == 0:
        _TFLM_SAFE.add(key)
