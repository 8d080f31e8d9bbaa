"""Load representative / evaluation data from .npy, .npz or a folder of .npy files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from tinydeploy.errors import DataError, InputFileError


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"not a readable .npy array ({exc})", path=str(path)) from exc


def _load_npz(path: Path) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            if not keys:
                raise DataError("the .npz archive holds no arrays", path=str(path))
            # A conventional name first, else the only / first array.
            key = next((k for k in ("x", "X", "inputs", "data", "x_test") if k in keys), keys[0])
            return archive[key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"not a readable .npz archive ({exc})", path=str(path)) from exc


def load_samples(path: str | Path) -> np.ndarray:
    """Read raw samples; the first axis is the sample axis unless it is a folder of singles."""
    path = Path(path)
    if not path.exists():
        raise InputFileError("no such file or folder; pass a .npy/.npz file or a folder of .npy files", path=str(path))
    if path.is_dir():
        files = sorted(path.glob("*.npy"))
        if not files:
            raise DataError("the folder holds no .npy files", path=str(path))
        arrays = [_load_npy(f) for f in files]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise DataError(
                f"the .npy files have different shapes {sorted(shapes)}; give every sample the model's input shape",
                path=str(path),
            )
        return np.stack(arrays)
    if path.suffix == ".npz":
        return _load_npz(path)
    if path.suffix == ".npy":
        return _load_npy(path)
    raise DataError("unknown data format; pass a .npy or .npz file, or a folder of .npy files", path=str(path))


def fit_to_input(samples: np.ndarray, input_shape: tuple[int, ...], path: str) -> np.ndarray:
    """Return float32 samples shaped (N, *input_shape[1:]); a clear error when they don't fit.

    Accepts a single sample without the batch axis, and samples whose shape differs
    from the model's only by axes of size 1 (e.g. 49x10 for a 49x10x1 input).
    """
    sample_shape = tuple(int(d) for d in input_shape[1:])
    if samples.dtype.kind not in "fiu":
        raise DataError(f"data has dtype {samples.dtype}; expected numbers (float32 preferred)", path=path)
    if samples.shape == sample_shape:
        samples = samples[None, ...]
    squeeze = tuple(d for d in sample_shape if d != 1)
    if samples.ndim < 1 or tuple(d for d in samples.shape[1:] if d != 1) != squeeze:
        raise DataError(
            f"data has shape {list(samples.shape)}; the model expects samples of "
            f"shape {list(sample_shape)} (stacked as [N, "
            f"{', '.join(map(str, sample_shape))}])",
            path=path,
        )
    if samples.shape[0] == 0:
        raise DataError("data holds no samples", path=path)
    return samples.reshape((samples.shape[0], *sample_shape)).astype(np.float32)
