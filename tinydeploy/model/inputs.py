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
    the input type (int8: -128..127; bool: False and True), floats uniform in [-4, 4) (a float-input model
    quantizes them; wider than most calibrated ranges, so saturation is exercised)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(source.input_dtype)
    shape = (count, *source.input_shape)
    if dtype == np.bool_:  # comparisons' and logical ops' inputs: both values, evenly
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max + 1, size=shape, dtype=dtype)
    return rng.uniform(-4.0, 4.0, size=shape).astype(dtype)


def sample_inputs(
    source: HasInput, samples: np.ndarray, count: int, where: str, quantization: tuple[float, int] | None = None
) -> np.ndarray:
    """The first ``count`` of the user's ``samples`` (float, shaped [N, *input_shape] or
    fitting it as model.data.fit_to_input allows) as inputs of ``source``'s model:
    quantized with the input's (scale, zero point) when the model takes integers, as
    TFLite does (round half away from zero, then saturate). Samples already of the
    input's integer type are taken as they are."""
    from tinydeploy.model.data import fit_to_input

    dtype = np.dtype(source.input_dtype)
    if samples.dtype == dtype and np.issubdtype(dtype, np.integer):
        raw = samples.reshape((-1, *source.input_shape))[:count]
        return np.ascontiguousarray(raw)
    real = fit_to_input(samples, (1, *source.input_shape), where)[:count]
    if not np.issubdtype(dtype, np.integer):
        return real.astype(dtype)
    scale, zero_point = quantization or (1.0, 0)
    v = real.astype(np.float64) / scale
    q = np.sign(v) * np.floor(np.abs(v) + 0.5) + zero_point
    info = np.iinfo(dtype)
    return np.clip(q, info.min, info.max).astype(dtype)
