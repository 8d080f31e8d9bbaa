"""ONNX and PyTorch in: onnx2tf makes a TensorFlow SavedModel, TensorFlow's converter the rest.

An ONNX model (or a ``torch.nn.Module``, exported to ONNX with ``torch.onnx.export``)
becomes a SavedModel with onnx2tf, which rewrites the graph channels-last (NCHW
-> NHWC) so that convolutions need no TRANSPOSE around them. From there it goes the
same way as a Keras model (:func:`tinydeploy.model.convert._tf_convert`): the same
calibration, int8 check, report and agreement. The device model takes its input
channels-last; ``input_permutation`` says how a sample in the source layout maps onto it.

Needs the ``onnx`` extra (``pip install 'tinydeploy[onnx]'``; ``[torch]`` adds PyTorch).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy._fdcapture import capture_native_output
from tinydeploy.errors import ConversionError, DataError, ModelFormatError, ToolchainError

ONNX_INSTALL = "pip install 'tinydeploy[onnx]'"
TORCH_INSTALL = "pip install 'tinydeploy[torch]'"
# onnx2tf runs a dummy inference on sample images for 4-D inputs and downloads them when
# its working folder lacks this file; a seeded stand-in keeps it offline.
_ONNX2TF_SAMPLES = "calibration_image_sample_data_20x128x128x3_float32.npy"


def _require(module: str, install: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ToolchainError(
            f"{what} needs the Python package '{module}' ({exc}); install it with {install}", tool=module
        ) from exc


def check_onnx_extra() -> None:
    """The onnx extra's packages are importable (checked without importing them)."""
    import importlib.util

    for module, install in (
        ("onnx", ONNX_INSTALL),
        ("onnx2tf", ONNX_INSTALL),
        ("onnxruntime", ONNX_INSTALL),
        (
            "tf_keras",
            "pip install --no-deps 'tf-keras>=2.16,<2.22' (without --no-deps it installs a second TensorFlow)",
        ),
    ):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a module set to None in sys.modules
            found = False
        if not found:
            raise ToolchainError(
                f"an ONNX model needs the Python package '{module}'; install it with {install}", tool=module
            )


def onnx_input_shape(path: Path) -> tuple[int, ...]:
    """The one input's shape of an ONNX model, a dynamic batch read as 1."""
    onnx = _require("onnx", ONNX_INSTALL, "an ONNX model")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, ValueError, OSError, ...
        raise ModelFormatError(f"not a readable ONNX model ({exc})", path=str(path)) from exc
    weights = {init.name for init in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    if len(inputs) != 1 or len(model.graph.output) != 1:
        raise ModelFormatError(
            f"the ONNX model has {len(inputs)} inputs and "
            f"{len(model.graph.output)} outputs; tinydeploy supports one "
            "of each",
            path=str(path),
        )
    dims = inputs[0].type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in dims]
    if shape and shape[0] is None:
        shape[0] = 1
    if any(d is None for d in shape):
        raise ModelFormatError(
            f"the ONNX input '{inputs[0].name}' has an undefined dimension {shape}; export it with a fixed shape",
            path=str(path),
        )
    return tuple(int(d) for d in shape)


def channels_last(source: tuple[int, ...], converted: tuple[int, ...], where: str) -> tuple[int, ...]:
    """Axes (batch included) that take a sample in the source layout to the converted one:
    identity, or channels moved last (onnx2tf's NCW/NCHW/NCDHW -> NWC/NHWC/NDHWC)."""
    rank = len(source)
    identity = tuple(range(rank))
    last = (0, *range(2, rank), 1) if rank >= 3 else identity
    if tuple(source[i] for i in last) == tuple(converted):
        return last
    if tuple(source) == tuple(converted):
        return identity
    raise ConversionError(
        f"onnx2tf changed the input shape {list(source)} into "
        f"{list(converted)}, which is no layout tinydeploy can map the "
        "data onto",
        path=where,
    )


def _onnx2tf(path: Path, work: Path) -> Path:
    """The SavedModel onnx2tf writes for ``path`` under ``work``."""
    onnx2tf = _require("onnx2tf", ONNX_INSTALL, "an ONNX model")
    saved = work / "saved_model"
    rng = np.random.default_rng(0)
    np.save(work / _ONNX2TF_SAMPLES, rng.random((20, 128, 128, 3), dtype=np.float32))
    here = os.getcwd()
    os.chdir(work)
    try:
        with capture_native_output() as log, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                onnx2tf.convert(
                    input_onnx_file_path=str(path),
                    output_folder_path=str(saved),
                    non_verbose=True,
                    output_signaturedefs=True,
                )
            except (Exception, SystemExit) as exc:  # onnx2tf exits on ops it cannot map
                lines = [ln.strip() for ln in log.text.splitlines() if ln.strip()]
                said = next((ln for ln in reversed(lines) if "ERROR" in ln.upper()), str(exc) or type(exc).__name__)
                raise ConversionError(f"onnx2tf cannot convert this ONNX model: {said[:300]}", path=str(path)) from exc
    finally:
        os.chdir(here)
    if not (saved / "saved_model.pb").exists():
        raise ConversionError("onnx2tf wrote no SavedModel", path=str(path))
    return saved


def _savedmodel_input_shape(saved: Path) -> tuple[int, ...]:
    import tensorflow as tf

    sig = tf.saved_model.load(str(saved)).signatures["serving_default"]
    (spec,) = sig.structured_input_signature[1].values()
    return tuple(1 if d is None else int(d) for d in spec.shape)


def _onnx_convert(
    path: str, data: str | None, io: str, calibrate: str | None, seed: int, activations: str = "int8"
) -> dict:
    """In the converter's child process: ONNX -> SavedModel -> int8 (see convert.py)."""
    from tinydeploy.model.convert import _quiet_tf, _tf_convert
    from tinydeploy.model.data import fit_to_input, load_samples
    from tinydeploy.model.isolate import stage

    source = onnx_input_shape(Path(path))
    _quiet_tf()
    with tempfile.TemporaryDirectory(prefix="tinydeploy-onnx-") as tmp:
        work = Path(tmp)
        stage("converting the ONNX model to TensorFlow with onnx2tf")
        saved = _onnx2tf(Path(path).resolve(), work)
        perm = channels_last(source, _savedmodel_input_shape(saved), path)
        moved = None
        if data is not None:
            samples = fit_to_input(load_samples(data), source, str(data))
            moved = work / "samples.npy"
            np.save(moved, np.transpose(samples, perm))
        out = _tf_convert(str(saved), None if moved is None else str(moved), io, calibrate, seed, activations)
    out["input_permutation"] = perm
    if perm != tuple(range(len(perm))):
        out["notes"].append(
            f"the device model takes its input channels-last: shape {list(source)} becomes "
            f"{[source[i] for i in perm]} (numpy: x.transpose({perm}))"
        )
    return out


def _export_torch(module: Any, example: np.ndarray, path: Path) -> None:
    """``module`` to ONNX at ``path`` with PyTorch's exporter (torch.export based)."""
    torch = _require("torch", TORCH_INSTALL, "a PyTorch model")
    _require("onnxscript", TORCH_INSTALL, "torch.onnx.export")
    if not isinstance(module, torch.nn.Module):
        raise ModelFormatError(f"expected a torch.nn.Module, got {type(module).__name__}", path="<torch module>")
    x = torch.from_numpy(np.ascontiguousarray(example, dtype=np.float32))
    was_training = module.training
    module.eval()  # batch norm and dropout as in inference
    try:
        with capture_native_output() as log, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(
                    module,
                    (x,),
                    str(path),
                    input_names=["input"],
                    output_names=["output"],
                    dynamo=True,
                    external_data=False,
                    verbose=False,
                )
            except Exception as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise ConversionError(
                    f"torch.onnx.export failed: {first[:300]}", path=f"<{type(module).__name__}>"
                ) from exc
        del log
    finally:
        module.train(was_training)


def torch_to_onnx(module: Any, example_input: Any, data: str | Path | None, out: Path) -> Path:
    """Export ``module`` to ``out``/model.onnx; the example input is ``example_input``
    (a tensor or array, with its batch axis) or else the first sample of ``data``."""
    if example_input is None:
        if data is None:
            raise DataError(
                "a PyTorch model needs an example input (example_input=) or representative data to take its shape from",
                path=f"<{type(module).__name__}>",
            )
        from tinydeploy.model.data import load_samples

        example_input = load_samples(data)[:1]
    if hasattr(example_input, "detach"):
        example_input = example_input.detach().cpu().numpy()
    example = np.asarray(example_input, dtype=np.float32)
    path = out / f"{type(module).__name__}.onnx"
    _export_torch(module, example, path)
    return path
