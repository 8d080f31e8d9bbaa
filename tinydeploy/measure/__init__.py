"""Measure a running device: outputs against the host reference, memory, latency.

    compare(reference, device, inputs) -> Comparison   (measure.compare)
    on_link(link, dtype) -> device callable for compare
    latency(link, runs, warmup, kind) -> timing figures
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinydeploy.link import Link
from tinydeploy.measure.compare import Comparison, Difference, compare

__all__ = ["Comparison", "Difference", "compare", "latency", "on_link"]


def on_link(link: Link, out_dtype: np.dtype) -> Callable[[np.ndarray], np.ndarray]:
    """The device behind ``link`` as a function of one input, for compare()."""
    def run(x: np.ndarray) -> np.ndarray:
        link.load_input(np.ascontiguousarray(x).tobytes())
        link.infer(1, 0)
        return np.frombuffer(link.output(), dtype=out_dtype)
    return run


def latency(link: Link, runs: int, warmup: int = 1, kind: str = "emulated") -> dict[str, Any]:
    """Time ``runs`` inferences after ``warmup``.

    kind: "emulated" (QEMU: instructions), "hardware" (cycles and ms at the
    board's clock) or "host" (wall time of the native build).
    """
    result = link.infer(runs, warmup)
    out: dict[str, Any] = {"runs": runs, "timer": result.timer, "tick_hz": result.tick_hz,
                           "ticks": result.ticks}
    seconds = result.ticks / result.tick_hz / runs if result.tick_hz else None
    if kind == "emulated":
        out["instructions_per_inference"] = link.instructions()
        out["note"] = "emulated: QEMU -icount instruction count, not a real chip's cycles"
    elif kind == "hardware":
        out["cycles_per_inference"] = result.ticks / runs
        out["latency_ms"] = seconds * 1e3 if seconds is not None else None
    else:
        out["latency_ms"] = seconds * 1e3 if seconds is not None else None
        out["note"] = "host: wall time of the native build on this machine"
    return out
