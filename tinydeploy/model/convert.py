"""Keras / SavedModel / .tflite in, fully quantized TFLite out (int8, or 16x8: int16
activations with int8 weights), with TensorFlow's own converter."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinydeploy._fdcapture import capture_native_output
from tinydeploy.errors import ConversionError, DataError, InputFileError, ModelFormatError
from tinydeploy.model.data import fit_to_input, load_samples
from tinydeploy.model.ir import Model, parse_model, quantization_mode

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
# Tensor types an int8 model may carry besides int8: int32 (biases, shape operands,
# ARG_MAX indices) and bool (comparisons, masks) hold nothing to quantize.
_INT8_MODEL_TYPES = {"int8", "int32", "bool"}
# A 16x8 model: int16 activations, int8 weights, int64 biases (int32 where TFLite keeps them).
_16X8_MODEL_TYPES = {"int16", "int8", "int64", "int32", "bool"}
# --activations: the activation type, and the quantization mode it makes.
ACTIVATIONS = {"int8": "int8", "int16": "16x8"}
# Input index of the cell state of UNIDIRECTIONAL_SEQUENCE_LSTM (TFLite's lstm_shared.h).
_LSTM_CELL_STATE = 19
# Calibration uses at most this many samples; TensorFlow gains nothing from more.
MAX_CALIBRATION_SAMPLES = 500


@dataclass
class Conversion:
    """What `convert` produced: the int8 flatbuffer and what it was made from."""

    tflite: bytes
    model: Model
    source_kind: str  # "keras", "savedmodel", "onnx", "torch" or "tflite"
    float_tflite: bytes | None = None  # float graph of the same model, for agreement
    calibration: str = "none"  # "data", "random" or "none" (pass-through)
    calibration_samples: int = 0
    warnings: list[str] = field(default_factory=list)
    # Axes (batch first) taking a sample in the source model's layout to the int8
    # model's input: channels-last for an ONNX/PyTorch NCHW input; None when the same.
    input_permutation: tuple[int, ...] | None = None
    quantization: str = "int8"  # "int8" or "16x8" (int16 activations, int8 weights)

    @property
    def source_input_shape(self) -> tuple[int, ...]:
        """The input shape in the source model's layout (what ``--data`` holds)."""
        shape = self.model.input_tensors[0].shape
        if self.input_permutation is None:
            return shape
        source = [0] * len(shape)
        for i, axis in enumerate(self.input_permutation):
            source[axis] = shape[i]
        return tuple(source)

    def to_model_layout(self, samples: np.ndarray) -> np.ndarray:
        """Samples [N, ...] in the source model's layout, in the int8 model's layout."""
        if self.input_permutation is None:
            return samples
        return np.transpose(samples, self.input_permutation)


def source_kind(path: Path) -> str:
    """Classify a model path; a clear error when it is none of the supported kinds."""
    if not path.exists():
        raise InputFileError("no such file or folder; check the path", path=str(path))
    if path.is_dir():
        if (path / "saved_model.pb").exists() or (path / "saved_model.pbtxt").exists():
            return "savedmodel"
        raise ModelFormatError(
            "folder is not a SavedModel (no saved_model.pb); pass a "
            ".keras/.h5 file, a SavedModel folder or a .tflite file",
            path=str(path),
        )
    suffix = path.suffix.lower()
    if path.name in ("saved_model.pb", "saved_model.pbtxt"):
        raise ModelFormatError("pass the SavedModel folder, not the .pb file inside it", path=str(path))
    if suffix in KERAS_SUFFIXES:
        return "keras"
    if suffix == ".tflite":
        return "tflite"
    if suffix == ".onnx":
        return "onnx"
    head = path.read_bytes()[:8]
    if head[4:8] == b"TFL3":
        return "tflite"
    raise ModelFormatError(
        f"unknown model format '{suffix or 'no extension'}'; pass a "
        ".keras/.h5 file, a SavedModel folder, an .onnx file or a .tflite "
        "file",
        path=str(path),
    )


def non_int8_tensors(model: Model, quantization: str = "int8") -> list[str]:
    """Names of tensors that keep the model from being fully int8 (edges excepted);
    with ``quantization="16x8"``, fully 16x8 (int16 activations and int64 biases allowed).

    A float input feeding a QUANTIZE and a float output coming out of a
    DEQUANTIZE are allowed: that is the ``--io float`` form of an int8 model; so are the
    int16 cell state of an int8 UNIDIRECTIONAL_SEQUENCE_LSTM and the int16 time weights
    and state of an int8 SVDF.
    """
    edge_ok: set[int] = set()
    for op in model.ops:
        if op.opcode == "QUANTIZE":
            edge_ok.update(i for i in op.inputs if i in model.inputs)
        if op.opcode == "DEQUANTIZE":
            edge_ok.update(i for i in op.outputs if i in model.outputs)
        if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM" and len(op.inputs) > _LSTM_CELL_STATE:
            # TFLite's int8 LSTM keeps its cell state in int16, by design
            cell = op.inputs[_LSTM_CELL_STATE]
            if cell >= 0 and model.tensors[cell].dtype == "int16":
                edge_ok.add(cell)
        if op.opcode == "SVDF" and len(op.inputs) == 5:
            # TFLite's int8 SVDF keeps its time weights and its state in int16 (or int8)
            edge_ok.update(i for i in op.inputs[2:5:2] if i >= 0 and model.tensors[i].dtype == "int16")
    bad = []
    allowed = _16X8_MODEL_TYPES if quantization == "16x8" else _INT8_MODEL_TYPES
    for op in model.ops:
        for i in (*op.inputs, *op.outputs):
            if i < 0 or i in edge_ok:
                continue
            t = model.tensors[i]
            if t.dtype not in allowed:
                bad.append(f"{t.name} ({t.dtype}, op #{op.index} {op.opcode})")
    return list(dict.fromkeys(bad))


def check_fully_int8(model: Model, where: str) -> None:
    """ModelFormatError unless ``model`` is fully quantized, int8 or 16x8."""
    bad = non_int8_tensors(model, quantization_mode(model))
    if bad:
        raise ModelFormatError(
            f"a float .tflite can't be quantized without its source model ({len(bad)} non-int8 "
            f"tensors, first: {bad[0]}); pass the Keras .keras/.h5 file or SavedModel folder "
            "it came from, with --data for calibration",
            path=where,
        )


def _quiet_tf():  # -> the tensorflow module
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import logging

    with capture_native_output():  # TensorFlow's start-up banners
        import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    return tf


def _load_converter(tf, path: Path, kind: str, unroll: bool = False):
    """(converter factory, input shape, layer types) of a Keras model or SavedModel.

    ``unroll``: unroll the recurrent layers of a Keras model with a fixed input shape.
    """
    where = str(path)
    with capture_native_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if kind == "keras":
                keras_model = tf.keras.models.load_model(path, compile=False)
                if len(keras_model.inputs) != 1 or len(keras_model.outputs) != 1:
                    raise ModelFormatError(
                        f"the model has {len(keras_model.inputs)} inputs and "
                        f"{len(keras_model.outputs)} outputs; tinydeploy supports one of each",
                        path=where,
                    )
                shape = tuple(keras_model.inputs[0].shape)
                layers = _layer_types(keras_model)
                if unroll and None not in shape[1:]:
                    try:
                        keras_model, _ = unrolled(tf, keras_model)
                    except Exception:  # a custom layer Keras cannot rebuild from its config:
                        pass  # converted as it is (a crash then names the layer)
                # A fixed batch of 1: a dynamic batch makes the converter emit
                # SHAPE/STRIDED_SLICE/PACK around every Flatten, wasted on a device.
                inp = tf.keras.Input(shape=shape[1:], batch_size=1)
                fixed = tf.keras.Model(inp, keras_model(inp))
                return (lambda: tf.lite.TFLiteConverter.from_keras_model(fixed)), shape, layers
            loaded = tf.saved_model.load(str(path))
            sig = loaded.signatures.get("serving_default")
            if sig is None:
                raise ModelFormatError("the SavedModel has no 'serving_default' signature", path=where)
            specs = sig.structured_input_signature[1]
            if len(specs) != 1 or len(sig.structured_outputs) != 1:
                raise ModelFormatError(
                    f"the SavedModel signature has {len(specs)} inputs and "
                    f"{len(sig.structured_outputs)} outputs; tinydeploy "
                    "supports one of each",
                    path=where,
                )
            ((arg, spec),) = specs.items()
            shape = tuple(spec.shape)
            fixed_fn = tf.function(lambda x: sig(**{arg: x})).get_concrete_function(
                tf.TensorSpec([1, *shape[1:]], spec.dtype)
            )
            return ((lambda: tf.lite.TFLiteConverter.from_concrete_functions([fixed_fn], loaded)), shape, [])
        except ModelFormatError:
            raise
        except Exception as exc:  # Keras raises many types for unreadable files
            last = log.text.strip().splitlines()[-1:] or [""]
            raise ModelFormatError(f"cannot load the {kind} model: {exc or last[0]}", path=where) from exc


def _representative(samples: np.ndarray) -> Callable[[], Iterator[list[np.ndarray]]]:
    def gen() -> Iterator[list[np.ndarray]]:
        for x in samples:
            yield [x[None, ...]]

    return gen


def _layer_types(keras_model) -> list[str]:
    """Class names of every layer, nested models and wrapped layers included."""
    found: list[str] = []
    todo = list(getattr(keras_model, "layers", []))
    while todo:
        layer = todo.pop(0)
        found.append(type(layer).__name__)
        todo += list(getattr(layer, "layers", []) or [])
        todo += [
            w for w in (getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)) if w is not None
        ]
    return list(dict.fromkeys(found))


def _set_unroll(config: object) -> bool:
    """Set every ``"unroll": false`` in a Keras config to true; whether any was."""
    changed = False
    if isinstance(config, dict):
        if config.get("unroll") is False:
            config["unroll"] = True
            changed = True
        for value in config.values():
            changed = _set_unroll(value) or changed
    elif isinstance(config, list):
        for value in config:
            changed = _set_unroll(value) or changed
    return changed


def unrolled(tf, keras_model):  # -> (keras.Model, recurrent layer types unrolled)
    """The same model with every recurrent layer (LSTM, GRU, SimpleRNN, RNN, Bidirectional)
    unrolled over its fixed sequence length, and the same weights.

    TensorFlow's converter turns a rolled recurrent layer into a WHILE loop and crashes
    quantizing it (exit code 139); unrolled, each time step is plain FULLY_CONNECTED,
    LOGISTIC, TANH, MUL and ADD ops (plus SPLIT/UNPACK to cut gates and steps apart),
    which quantize to int8 and run in TFLite Micro and the AOT compiler alike.
    """
    import json

    recurrent = [t for t in _layer_types(keras_model) if t in ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional")]
    config = json.loads(keras_model.to_json())
    if not _set_unroll(config):
        return keras_model, []
    rebuilt = tf.keras.models.model_from_json(json.dumps(config))
    rebuilt.set_weights(keras_model.get_weights())
    return rebuilt, recurrent


def _no_16x8_form(exc: Exception) -> str | None:
    """The op TensorFlow's converter names when it has no 16x8 form of it, else None."""
    import re

    found = re.search(r"16x8-bit not yet supported for op: '([A-Z0-9_]+)'", str(exc))
    return found.group(1) if found else None


def _tf_convert(
    path: str, data: str | None, io: str, calibrate: str | None, seed: int, activations: str = "int8"
) -> dict:
    """TensorFlow's conversion, run in a child process by :func:`convert` (see isolate.py):
    the quantized and float flatbuffers and how they were calibrated. ``activations``:
    "int8", or "int16" for the 16x8 mode (int16 activations, int8 weights; dense layers'
    weights per tensor, which CMSIS-NN's int16 FULLY_CONNECTED requires)."""
    from tinydeploy.model.isolate import stage

    where = path
    kind = source_kind(Path(path))
    stage("loading the model")
    tf = _quiet_tf()
    factory, input_shape, layers = _load_converter(tf, Path(path), kind, unroll=True)
    if any(d is None for d in input_shape[1:]):
        raise ModelFormatError(
            f"the model input has an undefined dimension {list(input_shape)}; give the Keras Input a fixed shape",
            path=where,
        )
    notes: list[str] = []
    if data is not None:
        samples = fit_to_input(load_samples(data), input_shape, str(data))
        calibration = "data"
    else:
        rng = np.random.default_rng(seed)
        samples = rng.standard_normal((100, *input_shape[1:])).astype(np.float32)
        calibration = "random"
        notes.append(
            "calibrated on RANDOM data: int8 ranges are guesses and accuracy will "
            "suffer; pass --data with real samples for a usable model"
        )
    samples = samples[:MAX_CALIBRATION_SAMPLES]

    mode = ACTIVATIONS[activations]
    io_type = tf.int16 if mode == "16x8" else tf.int8

    def int8_converter(new_quantizer: bool = True):
        converter = factory()
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = _representative(samples)
        if mode == "16x8":
            ops = tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
            converter.target_spec.supported_ops = [ops]
            # CMSIS-NN's int16 FULLY_CONNECTED refuses per-channel weights
            converter._experimental_disable_per_channel_quantization_for_dense_layers = True
        else:
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.experimental_new_quantizer = new_quantizer
        if io == "int8":  # the model's integer edges: int8, or int16 in the 16x8 mode
            converter.inference_input_type = io_type
            converter.inference_output_type = io_type
        return converter

    facts = {"layers": layers}
    with capture_native_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            stage(f"quantizing the model to {mode}", **facts)
            raw = int8_converter().convert()
            if non_int8_tensors(parse_model(raw, Path(path).with_suffix(".tflite")), mode):
                # The MLIR quantizer leaves float islands where an op output has no
                # statistics (an unrolled GRU's first step, whose state is a constant
                # zero); the legacy quantizer quantizes them. Kept only if it is int8.
                stage(f"quantizing the model to {mode} (legacy quantizer)", **facts)
                legacy = int8_converter(new_quantizer=False).convert()
                if not non_int8_tensors(parse_model(legacy), mode):
                    raw = legacy
                    notes.append(
                        f"TensorFlow's quantizer left float tensors; its legacy quantizer made the model fully {mode}"
                    )
            stage("converting the float model (the agreement reference)", **facts)
            float_raw = factory().convert()
        except Exception as exc:
            op = _no_16x8_form(exc)
            if op is not None:
                raise ConversionError(
                    f"op {op} has no 16x8 form (int16 activations) in TensorFlow's converter; convert "
                    "with --activations int8, or replace that layer",
                    path=where,
                ) from exc
            text = str(exc).strip().splitlines()
            hint = next(
                (ln.strip() for ln in text if "op" in ln.lower() and "error" in ln.lower()),
                text[0] if text else type(exc).__name__,
            )
            raise ConversionError(
                f"TensorFlow's converter failed: {hint}. Ops outside TFLite's int8 builtin set "
                "cannot run on a microcontroller; replace them in the model",
                path=where,
            ) from exc
    del log
    return {
        "tflite": raw,
        "float": float_raw,
        "calibration": calibration,
        "samples": len(samples),
        "notes": notes,
        "quantization": mode,
    }


def converter_crashed(where: str, what: str = "TensorFlow's converter"):
    """The error for a converter child that died (isolate.run_isolated's ``crashed``)."""

    def crashed(how: str, last: dict) -> ConversionError:
        layers = last.get("layers") or []
        loops = [t for t in layers if t in _LOOP_LAYERS]
        doing = last.get("stage", "starting")
        if loops:
            culprit = (
                f"the model's {', '.join(loops)} layer(s), which the converter turns "
                "into a loop: give them a fixed sequence length (unroll=True), or "
                "convert the model yourself to an int8 .tflite and pass that"
            )
        elif layers:
            culprit = (
                f"a layer of type {', '.join(layers[:12])}"
                f"{', ...' if len(layers) > 12 else ''}: simplify or replace the "
                "unusual one, or convert the model yourself to an int8 .tflite"
            )
        else:
            culprit = "the model: convert it yourself to an int8 .tflite and pass that"
        return ConversionError(f"{what} {how} {doing}; the cause is in {culprit}", path=where)

    return crashed


# Layers TensorFlow's converter turns into WHILE loops unless unrolled.
_LOOP_LAYERS = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
CONVERTER_TIMEOUT_S = 1800


def convert(
    path: str | Path | Any,
    data: str | Path | None = None,
    *,
    io: str = "int8",
    calibrate: str | None = None,
    seed: int = 0,
    example_input: Any = None,
    activations: str = "int8",
) -> Conversion:
    """Convert a model to a fully int8 TFLite flatbuffer (``activations="int16"``: the
    16x8 mode, int16 activations and int8 weights).

    ``path``: a Keras .keras/.h5 file, a SavedModel folder, an .onnx file, a .tflite
    file, or a ``torch.nn.Module`` (exported to ONNX with ``example_input``, a tensor or
    array with its batch axis; else shaped like the first sample of ``data``).
    ``data``: representative samples (.npy/.npz/folder), in the source model's layout
    (NCHW for ONNX/PyTorch). ``calibrate="random"`` calibrates on random normal data
    instead (poor accuracy; for smoke tests). ``io``: "int8" (default) or "float" for
    the model's input and output tensors.
    Recurrent layers are unrolled (see :func:`unrolled`); TensorFlow runs in a child
    process, so a crash of its converter is one ConversionError naming the layer types.
    """
    if not isinstance(path, (str, os.PathLike)):  # a torch.nn.Module
        import tempfile

        from tinydeploy.model.onnx_in import torch_to_onnx

        with tempfile.TemporaryDirectory(prefix="tinydeploy-torch-") as tmp:
            onnx_path = torch_to_onnx(path, example_input, data, Path(tmp))
            result = convert(onnx_path, data, io=io, calibrate=calibrate, seed=seed, activations=activations)
        result.source_kind = "torch"
        result.model.path = None
        return result
    from tinydeploy.model.isolate import run_isolated

    path = Path(path)
    where = str(path)
    if io not in ("int8", "float"):
        raise ConversionError(f"--io must be 'int8' or 'float', not {io!r}", path=where)
    if activations not in ACTIVATIONS:
        raise ConversionError(f"--activations must be 'int8' or 'int16', not {activations!r}", path=where)
    kind = source_kind(path)
    if kind == "tflite":
        raw = path.read_bytes()
        model = parse_model(raw, path)
        check_fully_int8(model, where)
        mode = quantization_mode(model)
        if activations != "int8" and ACTIVATIONS[activations] != mode:
            raise ConversionError(
                f"the .tflite is already quantized ({mode}); --activations {activations} applies to a "
                "Keras, SavedModel or ONNX source",
                path=where,
            )
        return Conversion(raw, model, "tflite", calibration="none", quantization=mode)

    if data is None and calibrate != "random":
        raise DataError(
            "quantizing needs representative data: pass --data FILE (.npy/.npz or "
            "a folder of .npy files with real input samples), or --calibrate random "
            "for a smoke test",
            path=where,
        )
    if kind == "onnx":
        from tinydeploy.model.onnx_in import check_onnx_extra

        check_onnx_extra()  # one line naming the package, before a child is started
    target = "tinydeploy.model.onnx_in:_onnx_convert" if kind == "onnx" else "tinydeploy.model.convert:_tf_convert"
    out = run_isolated(
        target,
        {
            "path": str(path),
            "data": None if data is None else str(data),
            "io": io,
            "calibrate": calibrate,
            "seed": seed,
            **({"activations": activations} if activations != "int8" else {}),
        },
        converter_crashed(where),
        CONVERTER_TIMEOUT_S,
    )
    raw = out["tflite"]
    model = parse_model(raw, path.with_suffix(".tflite"), name=path.stem)
    mode = out.get("quantization", "int8")
    bad = non_int8_tensors(model, mode)
    if bad:
        raise ConversionError(f"conversion left non-{mode} tensors (first: {bad[0]})", path=where)
    perm = out.get("input_permutation")
    return Conversion(
        raw,
        model,
        kind,
        out["float"],
        out["calibration"],
        out["samples"],
        out["notes"],
        None if perm == tuple(range(len(perm or ()))) else perm,
        mode,
    )


def _tf_float(path: str) -> bytes:
    """The float graph, in a child process (see float_tflite)."""
    from tinydeploy.model.isolate import stage

    tf = _quiet_tf()
    factory, _, layers = _load_converter(tf, Path(path), source_kind(Path(path)), unroll=True)
    stage("converting the float model", layers=layers)
    with capture_native_output(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return factory().convert()
        except Exception as exc:
            raise ConversionError(f"TensorFlow's converter failed: {exc}", path=path) from exc


def float_tflite(path: str | Path) -> bytes:
    """The float TFLite graph of a Keras/SavedModel model (the agreement reference)."""
    from tinydeploy.model.isolate import run_isolated

    path = Path(path)
    kind = source_kind(path)
    if kind == "tflite":
        raw = path.read_bytes()
        parse_model(raw, path)  # validates
        return raw
    if kind == "onnx":
        raise ModelFormatError(
            "inspect takes the float reference from a Keras model or a "
            "SavedModel; `tinydeploy convert model.onnx --data D` reports "
            "the agreement of an ONNX model",
            path=str(path),
        )
    return run_isolated(
        "tinydeploy.model.convert:_tf_float", {"path": str(path)}, converter_crashed(str(path)), CONVERTER_TIMEOUT_S
    )
