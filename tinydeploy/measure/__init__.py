"""Measure a running device: outputs against the host reference, memory, latency.

compare(reference, device, inputs) -> Comparison   (measure.compare)
on_link(link, dtype) -> device callable for compare
expect_work(link, macs, kind, clock_hz) -> predicted seconds of one inference
latency(link, runs, warmup, kind) -> timing figures
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tinydeploy.link import Link
from tinydeploy.measure.compare import Comparison, Difference, compare

__all__ = ["Comparison", "Difference", "compare", "expect_work", "latency", "on_link"]


def on_link(link: Link, out_dtype: np.dtype) -> Callable[[np.ndarray], np.ndarray]:
    """The device behind ``link`` as a function of one input, for compare()."""

    def run(x: np.ndarray) -> np.ndarray:
        link.load_input(np.ascontiguousarray(x).tobytes())
        link.infer(1, 0)
        return np.frombuffer(link.output(), dtype=out_dtype)

    return run


# An upper bound on instructions (or cycles) per MAC of any kernel set tinydeploy builds
# (TFLite Micro's reference kernels are the slowest, about 70 on ResNet-8): the first
# inference on a link is waited for that long; later ones as long as they were measured.
WORST_INSTRUCTIONS_PER_MAC = 100


def expect_work(link: Link, macs: int, kind: str, clock_hz: int | None = None) -> float:
    """Predict the wall seconds of one inference before any has run, and tell the link
    (Link.expected_run_seconds): MACs at the worst cost per MAC, at the speed of the
    target. An emulator's speed is measured with td-spin (a loop of known length); a
    board runs at its clock; the host build is fast. Returns the prediction."""
    instructions = max(macs, 1) * WORST_INSTRUCTIONS_PER_MAC
    if kind == "emulated":
        n = 2_000_000
        started = time.monotonic()
        link.command(f"td-spin {n}")
        per_second = 2 * n / max(time.monotonic() - started, 1e-3)
    elif kind == "hardware" and clock_hz:
        per_second = float(clock_hz)
    else:
        per_second = 1e9
    link.expected_run_seconds = instructions / per_second
    return link.expected_run_seconds


def latency(link: Link, runs: int, warmup: int = 1, kind: str = "emulated") -> dict[str, Any]:
    """Time ``runs`` inferences after ``warmup``.

    kind: "emulated" (QEMU, Renode: instructions), "hardware" (cycles and ms at the
    board's clock) or "host" (wall time of the native build).
    """
    result = link.infer(runs, warmup)
    out: dict[str, Any] = {"runs": runs, "timer": result.timer, "tick_hz": result.tick_hz, "ticks": result.ticks}
    seconds = result.ticks / result.tick_hz / runs if result.tick_hz else None
    if kind == "emulated":
        out["instructions_per_inference"] = link.instructions()
        out["note"] = f"emulated: {link.counted_by or 'emulator'} instruction count, not a real chip's cycles"
    elif kind == "hardware":
        out["cycles_per_inference"] = result.ticks / runs
        out["latency_ms"] = seconds * 1e3 if seconds is not None else None
    else:
        out["latency_ms"] = seconds * 1e3 if seconds is not None else None
        out["note"] = "host: wall time of the native build on this machine"
    return out
