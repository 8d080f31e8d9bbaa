"""Prints the sigmoid table of firmware/runtime/td_sigmoid_s16.h, read back from the
oracle: TFLite's int16 LOGISTIC and TANH interpolate one 256-entry table of
sigmoid(i / 24) in 0.16 format (kernels/internal/common.h), whose entries are not a
plain rounding of that formula. tflite-micro's int16 TANH with an input scale of
1/6144 (input multiplier 16384, left shift 13: the table index of input x is 2x / 256)
returns table[i] - 32768 for x = 128 i (i < 255); the last entry follows from the
interpolation slope of the inputs just below 128 * 255.

    PYTHONPATH=. python scripts/sigmoid_s16_lut.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from op_models import Graph  # noqa: E402

from tinydeploy.model.reference import Reference  # noqa: E402


def _tanh(xs: np.ndarray) -> np.ndarray:
    g = Graph()
    x = g.input([xs.size], float(np.float32(1 / 6144)), 0, "int16")
    y = g.tensor([xs.size], 2.0**-15, 0, "int16")
    g.op("TANH", [x], [y])
    return Reference(g.build([x], [y])).run(xs.astype(np.int16)).astype(np.int64)


def table() -> list[int]:
    head = _tanh(np.arange(255) * 128) + 32768
    # inputs 128 * 254 + j: index 2x, ut = 2j; out = t[254] - 32768 + (2j * d + 128) >> 8
    j = np.arange(1, 128)
    tail = _tanh(128 * 254 + j) + 32768 - head[254]
    slopes = [d for d in range(0, 1 << 16) if np.array_equal((2 * j * d + 128) >> 8, tail)]
    if len(slopes) != 1:
        raise SystemExit(f"the last entry is not determined: slopes {slopes[:4]}")
    return [int(v) for v in head] + [int(head[254]) + slopes[0]]


def main() -> None:
    values = table()
    print("static const uint16_t td_sigmoid_s16_table[256] = {")
    for i in range(0, 256, 10):
        print("    " + " ".join(f"{v}," for v in values[i : i + 10]))
    print("};")


if __name__ == "__main__":
    main()
