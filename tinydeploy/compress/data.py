"""Training data for compression: one .npz with x_train, y_train, x_val, y_val.

Optional x_test, y_test (accuracy is reported on them when present, else on the
validation split). x: float32 samples shaped like the model input without the
batch axis; y: integer class labels (or one-hot rows, converted to labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinydeploy.errors import DataError, InputFileError

REQUIRED = ("x_train", "y_train", "x_val", "y_val")


@dataclass
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    @property
    def eval_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """The split accuracy is reported on: test when present, else validation."""
        if self.x_test is not None and self.y_test is not None:
            return self.x_test, self.y_test
        return self.x_val, self.y_val

    @property
    def classes(self) -> int:
        return int(max(self.y_train.max(), self.y_val.max())) + 1


def _labels(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    return (y.argmax(axis=-1) if y.ndim == 2 else y.reshape(-1)).astype(np.int64)


def load_dataset(path: str | Path) -> Dataset:
    path = Path(path)
    if not path.is_file():
        raise InputFileError("no such file; pass an .npz with x_train, y_train, x_val, y_val", path=str(path))
    try:
        npz = np.load(path)
    except Exception as exc:
        raise DataError(f"not a readable .npz file ({exc})", path=str(path)) from exc
    missing = [k for k in REQUIRED if k not in npz.files]
    if missing:
        raise DataError(
            f"missing array(s) {', '.join(missing)}; the .npz needs {', '.join(REQUIRED)} (x_test, y_test optional)",
            path=str(path),
        )
    arrays = {k: npz[k] for k in npz.files}
    out = Dataset(*(arrays[k].astype(np.float32) if k.startswith("x") else _labels(arrays[k]) for k in REQUIRED))
    if "x_test" in arrays and "y_test" in arrays:
        out.x_test, out.y_test = arrays["x_test"].astype(np.float32), _labels(arrays["y_test"])
    for x, y, name in ((out.x_train, out.y_train, "train"), (out.x_val, out.y_val, "val")):
        if len(x) != len(y) or len(x) == 0:
            raise DataError(
                f"x_{name} has {len(x)} samples and y_{name} {len(y)}; they must match and not be empty", path=str(path)
            )
    return out


def synthetic(
    classes: int = 4,
    shape: tuple[int, ...] = (49, 10, 1),
    train: int = 1024,
    val: int = 128,
    test: int = 256,
    noise: float = 0.6,
    seed: int = 0,
) -> Dataset:
    """A learnable stand-in for keyword-spotting features: each class is a fixed random
    smooth pattern, shifted in time and buried in noise (for tests and demos)."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((classes, *shape)).astype(np.float32)
    kern = np.ones(5, np.float32) / 5  # smooth along time
    base = np.apply_along_axis(lambda v: np.convolve(v, kern, mode="same"), 1, base)
    base /= np.abs(base).max(axis=tuple(range(1, base.ndim)), keepdims=True)  # any rank

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, n)
        shifts = rng.integers(-3, 4, n)
        x = np.stack([np.roll(base[c], s, axis=0) for c, s in zip(y, shifts)])
        x = x + noise * rng.standard_normal(x.shape).astype(np.float32)
        return x.astype(np.float32), y.astype(np.int64)

    return Dataset(*make(train), *make(val), *make(test))
