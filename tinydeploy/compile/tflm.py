"""TFLite Micro as the oracle, seen from the compiler: a thin layer over
:mod:`tinydeploy.model.reference` (the one place that drives tflite-micro)."""

from __future__ import annotations

import time

import numpy as np

from tinydeploy.model.reference import Reference, tflm_arena


def tflm_arena_bytes(raw: bytes) -> int:
    """Total arena TFLite Micro's interpreter needs for ``raw`` (RecordingMicroAllocator)."""
    return tflm_arena(raw).total


class TflmRunner(Reference):
    """One interpreter, reused over many inputs, with a latency probe for the benchmarks."""

    def run(self, x: np.ndarray) -> np.ndarray:
        return super().run(np.asarray(x, dtype=self.input_dtype))

    def latency_s(self, x: np.ndarray, repeat: int) -> float:
        """Mean seconds per invoke (set_input excluded)."""
        self.run(x)
        t0 = time.perf_counter()
        for _ in range(repeat):
            self._ip.invoke()
        return (time.perf_counter() - t0) / repeat
