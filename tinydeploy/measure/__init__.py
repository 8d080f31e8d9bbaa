"""Measure a running device: outputs against the host reference, memory, latency."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.link import Link
from tinydeploy.model.reference import Reference


def validate(link: Link, reference: Reference, inputs: np.ndarray) -> dict[str, Any]:
    """Run each input on the device and in tflite-micro; compare the raw outputs.

    Returns inputs, exact_match_rate and max_abs_diff (in output quantization steps).
    """
    out_dtype = np.dtype(reference.output_details["dtype"])
    exact, worst = 0, 0.0
    for x in inputs:
        link.load_input(np.ascontiguousarray(x).tobytes())
        link.infer(1, 0)
        got = np.frombuffer(link.output(), dtype=out_dtype)
        want = reference.run(x).ravel()
        if got.size != want.size:
            raise ValueError(f"device output has {got.size} values, the reference {want.size}")
        diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
        exact += diff == 0.0
        worst = max(worst, diff)
    count = len(inputs)
    return {"inputs": count, "exact_match_rate": exact / count if count else None,
            "max_abs_diff": worst if count else None}


def latency(link: Link, runs: int, warmup: int = 1, kind: str = "emulated") -> dict[str, Any]:
    """Time ``runs`` inferences after ``warmup``.

    kind: "emulated" (QEMU, Renode: instructions), "hardware" (cycles and ms at the
    board's clock) or "host" (wall time of the native build).
    """
    result = link.infer(runs, warmup)
    out: dict[str, Any] = {"runs": runs, "timer": result.timer, "tick_hz": result.tick_hz,
                           "ticks": result.ticks}
    seconds = result.ticks / result.tick_hz / runs if result.tick_hz else None
    if kind == "emulated":
        out["instructions_per_inference"] = link.instructions()
        out["note"] = (f"emulated: {link.counted_by or 'emulator'} instruction count, "
                       "not a real chip's cycles")
    elif kind == "hardware":
        out["cycles_per_inference"] = result.ticks / runs
        out["latency_ms"] = seconds * 1e3 if seconds is not None else None
    else:
        out["latency_ms"] = seconds * 1e3 if seconds is not None else None
        out["note"] = "host: wall time of the native build on this machine"
    return out
