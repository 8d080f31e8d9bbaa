"""Outputs of a device (the board, QEMU, the host build of model.c) against the
tflite-micro reference, on the same inputs: the one comparison every check uses
(`compile --check`, `flash --check`, the HIL assertions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tinydeploy.errors import DataError, DeviceError


class Oracle(Protocol):
    def run(self, x: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Difference:
    """The largest difference of one input's outputs."""

    input: int  # index of the input
    index: int  # flat index of the output value
    device: int | float
    reference: int | float
    steps: int | float  # |device - reference|, in output units (int8: steps)


@dataclass(frozen=True)
class Comparison:
    inputs: int
    exact: int  # inputs whose outputs are all equal
    max_abs_diff: float  # over every output of every input
    worst: tuple[Difference, ...]  # one per input, in input order

    @property
    def exact_match_rate(self) -> float:
        return self.exact / self.inputs

    def differing(self, max_steps: float = 0) -> list[Difference]:
        """The inputs whose outputs differ by more than ``max_steps``."""
        return [d for d in self.worst if d.steps > max_steps]

    def as_dict(self) -> dict[str, Any]:
        """The figures the reports carry (report.json's "check")."""
        return {"inputs": self.inputs, "exact_match_rate": self.exact_match_rate, "max_abs_diff": self.max_abs_diff}


def compare(
    reference: Oracle, device: Callable[[np.ndarray], np.ndarray], inputs: np.ndarray, where: str = "device"
) -> Comparison:
    """Run every input through ``device`` and ``reference`` and compare the outputs.

    ``where`` names the device in errors: DataError for no inputs, DeviceError when
    the device returns a different number of values than the reference."""
    if len(inputs) == 0:
        raise DataError(
            "no inputs to compare with the tflite-micro reference; pass at least one (e.g. --check 1)", path=where
        )
    worst: list[Difference] = []
    top = 0.0
    exact = 0
    for i, x in enumerate(inputs):
        got = np.asarray(device(x)).ravel()
        want = np.asarray(reference.run(x)).ravel()
        if got.size != want.size:
            raise DeviceError(
                f"the device returned {got.size} output values for input #{i}, "
                f"the reference {want.size}: is this the model it runs?",
                port=where,
            )
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        j = int(diff.argmax()) if diff.size else 0
        d = float(diff[j]) if diff.size else 0.0
        integer = np.issubdtype(got.dtype, np.integer) and np.issubdtype(want.dtype, np.integer)
        cast = int if integer else float
        worst.append(Difference(i, j, cast(got[j]) if diff.size else 0, cast(want[j]) if diff.size else 0, cast(d)))
        exact += d == 0.0
        top = max(top, d)
    return Comparison(len(inputs), exact, top, tuple(worst))


def top1_accuracy(outputs: list[np.ndarray], labels: np.ndarray, where: str) -> float:
    """Share of outputs whose largest value is at the label's class; ``labels`` are
    class indices, or one-hot rows as wide as the outputs."""
    labels = np.asarray(labels)
    classes = int(np.asarray(outputs[0]).size) if outputs else 0
    if labels.ndim >= 2 and labels.shape[-1] == classes and classes > 1:
        labels = labels.reshape(len(labels), classes).argmax(axis=1)
    labels = labels.reshape(len(labels)) if labels.ndim else labels.reshape(1)
    if len(labels) < len(outputs):
        raise DataError(
            f"{len(labels)} labels for {len(outputs)} checked samples; pass one "
            "label (class index or one-hot row) per sample",
            path=where,
        )
    if labels.dtype.kind not in "iub":
        raise DataError(f"labels have dtype {labels.dtype}; pass class indices (integers) or one-hot rows", path=where)
    predicted = np.array([int(np.asarray(y).ravel().argmax()) for y in outputs])
    return float((predicted == labels[: len(outputs)]).mean())
