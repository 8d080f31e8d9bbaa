"""TFLite Micro as the oracle: its outputs and the arena it needs for a model."""

from __future__ import annotations

import re
import time

import numpy as np

from tinydeploy._fdcapture import capture_native_output
from tinydeploy.errors import ModelFormatError

_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")


def interpreter(raw: bytes):  # -> tflite_micro runtime.Interpreter
    from tflite_micro.python.tflite_micro import runtime

    size = max(len(raw) * 10, 1 << 20)  # generous: the recorded figure is what it used
    with capture_native_output() as log:
        try:
            return runtime.Interpreter.from_bytes(raw, arena_size=size)
        except (RuntimeError, ValueError) as exc:
            err: Exception = exc
    lines = [ln for ln in log.text.splitlines() if ln.strip()]
    raise ModelFormatError(f"TFLite Micro cannot load this model: "
                           f"{lines[-1] if lines else err}", path="<model>")


def tflm_arena_bytes(raw: bytes) -> int:
    """Total arena TFLite Micro's interpreter needs for ``raw`` (its RecordingMicroAllocator's
    'Arena allocation total', printed to the C-level stderr after one invoke)."""
    ip = interpreter(raw)
    det = ip.get_input_details(0)
    ip.set_input(np.zeros(det["shape"], dtype=det["dtype"]), 0)
    with capture_native_output((1, 2)):
        ip.invoke()
    with capture_native_output((1, 2)) as log:
        ip.print_allocations()
    m = _TOTAL.search(log.text)
    if not m:
        raise ModelFormatError("tflite-micro printed no arena total", path="<model>")
    return int(m.group(1))


class TflmRunner:
    """One interpreter, reused over many inputs."""

    def __init__(self, raw: bytes) -> None:
        self.ip = interpreter(raw)
        det = self.ip.get_input_details(0)
        self.input_shape = tuple(int(d) for d in det["shape"])
        self.input_dtype = np.dtype(det["dtype"])

    def run(self, x: np.ndarray) -> np.ndarray:
        self.ip.set_input(np.asarray(x, dtype=self.input_dtype).reshape(self.input_shape), 0)
        self.ip.invoke()
        return np.array(self.ip.get_output(0))

    def latency_s(self, x: np.ndarray, repeat: int) -> float:
        """Mean seconds per invoke (set_input excluded)."""
        self.ip.set_input(np.asarray(x, dtype=self.input_dtype).reshape(self.input_shape), 0)
        self.ip.invoke()
        t0 = time.perf_counter()
        for _ in range(repeat):
            self.ip.invoke()
        return (time.perf_counter() - t0) / repeat
