"""measure.compare: the one comparison with the oracle, and the one input generator."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tinydeploy.errors import DataError, DeviceError
from tinydeploy.measure import compare
from tinydeploy.model.inputs import random_inputs


class Doubler:
    """A stand-in oracle: a fixed int8 function of the input (no model needed)."""

    def run(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, np.int16) // 2).astype(np.int8)


class Shape:
    input_shape = (2, 3)
    input_dtype = np.dtype("int8")


def test_exact_and_differing_inputs_are_counted() -> None:
    xs = random_inputs(Shape, 4, seed=1)
    ref = Doubler()

    def device(x: np.ndarray) -> np.ndarray:
        y = ref.run(x).ravel().copy()
        if x.ravel()[0] == xs[2].ravel()[0]:
            y[4] = np.int8(int(y[4]) + 3)  # one value of input #2 is 3 steps off
        return y

    r = compare(ref, device, xs)
    assert r.inputs == 4 and r.exact == 3 and r.exact_match_rate == 0.75
    assert r.max_abs_diff == 3.0
    [bad] = r.differing()
    assert (bad.input, bad.index, bad.steps) == (2, 4, 3)
    assert isinstance(bad.device, int) and bad.device - bad.reference == 3
    assert r.differing(max_steps=3) == []
    assert r.as_dict() == {"inputs": 4, "exact_match_rate": 0.75, "max_abs_diff": 3.0}
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.inputs = 5  # type: ignore[misc]


def test_no_inputs_and_wrong_output_size_are_one_line_errors() -> None:
    ref = Doubler()
    with pytest.raises(DataError, match=r"^qemu-m4: no inputs to compare"):
        compare(ref, ref.run, random_inputs(Shape, 0), where="qemu-m4")
    with pytest.raises(
        DeviceError,
        match=r"^/dev/ttyACM0: the device returned 5 output values "
        r"for input #0, the reference 6",
    ):
        compare(ref, lambda x: ref.run(x).ravel()[:5], random_inputs(Shape, 1), where="/dev/ttyACM0")


def test_inputs_repeat_for_a_seed_and_span_the_type() -> None:
    a, b = random_inputs(Shape, 200, seed=7), random_inputs(Shape, 200, seed=7)
    assert a.dtype == np.int8 and a.shape == (200, 2, 3) and (a == b).all()
    assert a.min() == -128 and a.max() == 127
    assert not (random_inputs(Shape, 200, seed=8) == a).all()
