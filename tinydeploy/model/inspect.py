"""The model report: ops, tensors, params, MACs, arena, float vs int8 agreement."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tinydeploy import __version__
from tinydeploy.model.agreement import Agreement
from tinydeploy.model.analysis import op_stats, total_params
from tinydeploy.model.ir import Model, Tensor, quantization_mode
from tinydeploy.model.reference import tflm_arena


def _tensor_info(t: Tensor) -> dict[str, Any]:
    info: dict[str, Any] = {"name": t.name, "shape": list(t.shape), "dtype": t.dtype}
    if t.quant is not None and len(t.quant.scale) == 1:
        info["scale"] = t.quant.scale[0]
        info["zero_point"] = t.quant.zero_point[0]
    return info


def model_report(
    model: Model,
    raw: bytes,
    agreement: Agreement | None = None,
    extra: dict[str, Any] | None = None,
    tflm_error: str | None = None,
) -> dict[str, Any]:
    """The report object written to report.json and printed by ``inspect --json``.

    ``tflm_error``: why TFLite Micro refused the model, already known; the arena is not
    measured then (``arena_bytes`` and ``tflm_arena`` are None) and the reason is kept.
    """
    rows = op_stats(model)
    arena = None if tflm_error else tflm_arena(raw, model)
    report: dict[str, Any] = {
        "tinydeploy": __version__,
        "model": {
            "name": model.name,
            "path": str(model.path) if model.path else None,
            "sha256": model.sha256,
            "size_bytes": model.size_bytes,
        },
        # "int8", or "16x8": int16 activations, int8 weights (convert --activations int16)
        "quantization": quantization_mode(model),
        "input": _tensor_info(model.input_tensors[0]),
        "output": _tensor_info(model.output_tensors[0]),
        "macs": sum(r.macs for r in rows),
        "params": total_params(model),
        "weights_bytes": sum(t.nbytes for t in model.tensors if t.is_constant),
        "arena_bytes": arena.total if arena else None,
        "tflm_arena": {
            "total": arena.total,
            "head": arena.head,
            "tail": arena.tail,
            "note": "tflite-micro RecordingMicroAllocator on a 64-bit host",
        }
        if arena
        else None,
        "tflm_error": tflm_error,
        "op_counts": dict(Counter(r.op for r in rows)),
        "ops": [
            {
                "index": r.index,
                "op": r.op,
                "inputs": [list(s) for s in r.inputs],
                "outputs": [list(s) for s in r.outputs],
                "params": r.params,
                "macs": r.macs,
            }
            for r in rows
        ],
        "agreement": agreement.as_dict() if agreement else None,
    }
    if extra:
        report.update(extra)
    return report
