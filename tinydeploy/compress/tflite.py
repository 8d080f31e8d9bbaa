"""int8 TFLite out of a compressed Keras model, and its weights re-expressed so that
the AOT compiler can store them packed (4-bit values, a per-layer value table).

The int8 model stays a standard int8 .tflite (TFLite Micro runs it unchanged and
is the bit-exactness oracle); only the integer values and scales of the weights
change:
  - 4-bit: per output channel, scale' = max|w| / 7 and values in [-7, 7];
  - shared values: one scale for the whole layer and at most K distinct values
    (a 1-D k-means of the real weights, zeros kept exact);
and each bias is re-expressed in its new scale (input scale x weight scale). The
description carries PACKED_MARKER so that `tinydeploy compile/flash` pack them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy.compile.lower import PACKED_MARKER

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

WEIGHT_OPS = {"CONV_2D": 1, "DEPTHWISE_CONV_2D": 1, "FULLY_CONNECTED": 1}


def to_int8(model: Any, calibration: np.ndarray) -> bytes:
    """Convert with tinydeploy's own converter (Keras file -> int8 .tflite)."""
    from tinydeploy.model.convert import convert

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{model.name}.keras"
        cal = Path(tmp) / "cal.npy"
        model.save(path)
        np.save(cal, calibration[:200].astype(np.float32))
        return convert(path, cal).tflite


def kmeans_1d(values: np.ndarray, k: int, iters: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """(centroids, index of each value): Lloyd's algorithm from quantile seeds.

    Values that are already clustered (a fine-tuned layer after int8 rounding) repeat
    a lot, and their quantiles coincide: seeds then come from the distinct values, so
    that k clusters stay available (quantile seeds alone merged the 16 shared values
    of the KWS model into fewer and cost 10 points of int8 accuracy).
    """
    v = values.astype(np.float64).ravel()
    distinct = np.unique(v)
    if distinct.size <= k:
        return distinct, np.searchsorted(distinct, v)
    c = np.unique(np.quantile(v, np.linspace(0, 1, k)))
    if c.size < k:
        c = np.quantile(distinct, np.linspace(0, 1, k))
    for _ in range(iters):
        idx = np.abs(v[:, None] - c[None, :]).argmin(axis=1)
        new = np.array([v[idx == j].mean() if np.any(idx == j) else c[j] for j in range(c.size)])
        if np.allclose(new, c):
            break
        c = new
    idx = np.abs(v[:, None] - c[None, :]).argmin(axis=1)
    return c, idx


def _by_name(names: list[str], opcodes: list[Any]) -> dict[int, str]:
    out = {}
    for i, code in enumerate(opcodes):
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        out[i] = names.get(builtin, "")  # type: ignore[attr-defined]
    return out


def rewrite(
    raw: bytes, formats: dict[str, Any], min_weights: int = 64, keep: set[int] | frozenset[int] = frozenset()
) -> bytes:
    """Re-express the weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ops.

    formats: {"bits": 4} and/or {"clusters": K}; ops whose weights hold fewer than
    ``min_weights`` values are left alone, and so are the weight ops at the positions
    in ``keep`` (0 = the first weight op; for a chain model the order of its Keras
    weight layers). Always sets PACKED_MARKER.
    With clusters, formats["tables"] may give the values each weight op was trained
    with, in op order: a list of (values, weight count) or None. A table is used when
    its count matches the op's; otherwise the values come from a 1-D k-means of the
    int8 weights, which per-channel rounding has blurred.
    """
    from tinydeploy.model.ir import OPCODE_NAMES

    m = fb.ModelT.InitFromObj(fb.Model.GetRootAs(raw, 0))
    codes = _by_name(OPCODE_NAMES, m.operatorCodes)  # type: ignore[arg-type]
    sg = m.subgraphs[0]
    bits, clusters = formats.get("bits"), formats.get("clusters")
    tables = list(formats.get("tables") or [])
    n_op = -1
    for op in sg.operators:
        if codes[op.opcodeIndex] not in WEIGHT_OPS or (not bits and not clusters):
            continue
        n_op += 1
        wt = sg.tensors[op.inputs[1]]
        if wt.type != fb.TensorType.INT8 or wt.quantization is None:
            continue
        buf = m.buffers[wt.buffer]
        q = np.frombuffer(bytes(np.asarray(buf.data, np.uint8)), np.int8).astype(np.int64)
        known = tables[n_op] if n_op < len(tables) else None
        if known is not None and int(known[1]) != q.size:
            known = None
        if q.size < min_weights or n_op in keep:
            continue
        q = q.reshape(wt.shape)
        axis = int(wt.quantization.quantizedDimension)
        scales = np.asarray(wt.quantization.scale, np.float64)
        shape = [1] * q.ndim
        shape[axis] = -1
        old = (scales if scales.size > 1 else np.full(q.shape[axis], scales[0])).reshape(shape)
        real = q * old
        if clusters and known is not None:
            cent = np.asarray(known[0], np.float64).ravel()
            s = float(np.abs(cent).max() / 127) or 1.0
            table = np.clip(np.round(cent / s), -127, 127)
            newq = table[np.abs(real.reshape(-1, 1) - cent.reshape(1, -1)).argmin(axis=1)]
            newq = newq.reshape(q.shape)
            new = np.full_like(old, s)
        elif clusters:
            nz = real != 0
            cent, idx = kmeans_1d(real[nz], clusters - int(not nz.all()))
            s = float(np.abs(cent).max() / 127) or 1.0
            table = np.clip(np.round(cent / s), -127, 127)
            newq = np.zeros_like(q)
            newq[nz] = table[idx]
            new = np.full_like(old, s)
        else:
            qmax = (1 << (bits - 1)) - 1
            amax = np.abs(q).max(axis=tuple(a for a in range(q.ndim) if a != axis), keepdims=True)
            amax = np.where(amax == 0, qmax, amax)
            new = old * amax / qmax
            newq = np.clip(np.round(q * qmax / amax), -qmax, qmax)
        buf.data = newq.astype(np.int8).view(np.uint8).ravel()
        new_scales = new.ravel() if scales.size > 1 else new.ravel()[:1]
        if scales.size == 1 and np.unique(new.ravel()).size > 1:
            new_scales = new.ravel()  # became per-channel
            wt.quantization.quantizedDimension = axis
        wt.quantization.scale = new_scales.astype(np.float32)
        wt.quantization.zeroPoint = np.zeros(new_scales.size, np.int64)
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            bt = sg.tensors[op.inputs[2]]
            bb = m.buffers[bt.buffer]
            b = np.frombuffer(bytes(np.asarray(bb.data, np.uint8)), np.int32).astype(np.float64)
            ratio = (old / new).ravel()
            ratio = np.broadcast_to(ratio, b.shape) if ratio.size in (1, b.size) else ratio
            nb = np.clip(np.round(b * ratio), -(1 << 31), (1 << 31) - 1).astype(np.int32)
            bb.data = nb.view(np.uint8)
            bscale = np.asarray(bt.quantization.scale, np.float64)
            bscale = np.broadcast_to(bscale, b.shape) / np.broadcast_to(ratio, b.shape)
            bt.quantization.scale = bscale.astype(np.float32)
            bt.quantization.zeroPoint = np.zeros(b.size, np.int64)
            bt.quantization.quantizedDimension = 0
    desc = m.description.decode() if isinstance(m.description, bytes) else (m.description or "")
    m.description = f"{desc} {PACKED_MARKER}".strip()
    return _pack(m)


def mark_packed(raw: bytes) -> bytes:
    m = fb.ModelT.InitFromObj(fb.Model.GetRootAs(raw, 0))
    desc = m.description.decode() if isinstance(m.description, bytes) else (m.description or "")
    m.description = f"{desc} {PACKED_MARKER}".strip()
    return _pack(m)


def _pack(m: Any) -> bytes:
    import flatbuffers

    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())
