"""The one seeded generator of test inputs, so that `compile --check`, `flash --check`,
`profile` and the HIL plugin draw the same inputs for the same seed."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class HasInput(Protocol):
    """A Reference, a CompiledModel: anything that knows its model's input."""

    @property
    def input_shape(self) -> tuple[int, ...]: ...

    @property
    def input_dtype(self) -> np.dtype: ...


def random_inputs(source: HasInput, count: int, seed: int = 0) -> np.ndarray:
    """``count`` inputs for ``source``'s model: integers uniform over the whole range of
    the input type (int8: -128..127), floats uniform in [-4, 4) (a float-input model
    quantizes them; wider than most calibrated ranges, so saturation is exercised)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(source.input_dtype)
    shape = (count, *source.input_shape)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max + 1, size=shape, dtype=dtype)
    return rng.uniform(-4.0, 4.0, size=shape).astype(dtype)
