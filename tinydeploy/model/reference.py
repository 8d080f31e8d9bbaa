"""Host reference: TFLite Micro's own reference kernels via the tflite-micro package.

This is the oracle for bit-exactness of the AOT runtime and the device, and the
source of the arena figure TFLite Micro needs for a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tinydeploy._fdcapture import capture_native_output
from tinydeploy.errors import DataError, ModelFormatError, UnsupportedOpError
from tinydeploy.model.ir import Model, parse_model
from tinydeploy.model.verify import guard_tflm


@dataclass(frozen=True)
class TflmArena:
    """Arena use reported by TFLite Micro's RecordingMicroAllocator (64-bit host)."""

    total: int  # bytes the interpreter needs: head (activations) + tail (persistent)
    head: int  # non-persistent: activation tensors and scratch buffers
    tail: int  # persistent: tensor structs, quantization data, op data


# TFLite Micro's int8 softmax scales its input by beta * scale * 2^(31 - 5) (5 integer
# bits for the differences) with QuantizeMultiplierGreaterThanOne, which aborts when that
# product is not above 1: an input scale below 1 / (beta * 2^26) = 1.49e-8 (beta 1).
_SOFTMAX_SCALED_DIFF_BITS = 5


def _short(name: str, limit: int = 48) -> str:
    """A tensor name as far as its first fused-name part, at most ``limit`` characters."""
    name = name.split(";")[0]
    return name if len(name) <= limit else "..." + name[-(limit - 3) :]


def tflm_refusals(model: Model) -> list[str]:
    """What TFLite Micro's kernels refuse in their Prepare by aborting (not by returning
    an error), found from the model's own quantization parameters: one line per op."""
    found = []
    for op in model.ops:
        if op.opcode == "DEPTHWISE_CONV_2D" and len(op.inputs) > 1 and (len(op.inputs) < 3 or op.inputs[2] < 0):
            if model.tensors[op.inputs[0]].dtype == "int16":  # TensorFlow's converter always adds one
                found.append(
                    f"op #{op.index} DEPTHWISE_CONV_2D: an int16 (16x8) depthwise convolution without a bias, "
                    "which TFLite Micro's kernel dereferences; give the layer a bias (zeros) and convert again"
                )
        if op.opcode != "SOFTMAX" or not op.inputs:
            continue
        t = model.tensors[op.inputs[0]]
        if t.dtype != "int8" or t.quant is None:
            continue
        beta = float(op.options.get("beta", 1.0))
        product = beta * t.quant.scale[0] * 2 ** (31 - _SOFTMAX_SCALED_DIFF_BITS)
        if product <= 1.0:
            smallest = 1.0 / (beta * 2 ** (31 - _SOFTMAX_SCALED_DIFF_BITS))
            found.append(
                f"op #{op.index} SOFTMAX ({_short(t.name)}): its int8 input scale "
                f"{t.quant.scale[0]:.3g} is below {smallest:.3g} (beta {beta:g}), and TFLite "
                "Micro's softmax Prepare aborts on it (QuantizeMultiplierGreaterThanOne); the "
                "layer before it spans almost no range on the calibration data (an untrained "
                "model?): train it, or calibrate with real samples"
            )
    return found


def _interpreter(raw: bytes, model: Model | None = None):  # -> runtime.Interpreter
    from tflite_micro.python.tflite_micro import runtime

    # The default (10x the model size) is far too small for tiny models with big
    # activations; 1 MiB of slack costs nothing on the host.
    size = max(len(raw) * 10, 1 << 20)
    where = str(model.path) if model and model.path else "<model>"
    try:
        guard_tflm(raw, size, where)  # a crash of the C++ interpreter becomes one line
    except ModelFormatError as exc:
        refused = tflm_refusals(model if model is not None else parse_model(raw))
        if refused:
            raise ModelFormatError(
                f"TFLite Micro cannot prepare {refused[0]}"
                + (f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""),
                path=where,
            ) from exc
        raise
    with capture_native_output() as log:
        try:
            return runtime.Interpreter.from_bytes(raw, arena_size=size)
        except (RuntimeError, ValueError) as exc:
            err = exc
    missing = re.search(r"registration from op code (\S+)", log.text)
    if missing:
        name = missing.group(1)
        op = next((o for o in model.ops if o.opcode == name), None) if model else None
        raise UnsupportedOpError(
            "TFLite Micro has no kernel for this op; replace it in the model "
            "(the MLPerf Tiny op set: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, pooling, ADD, "
            "RESHAPE, SOFTMAX, ...) and convert again",
            index=op.index if op else "?",
            op=name,
            tensor=model.tensors[op.outputs[0]].name if op and op.outputs else where,
        )
    lines = [ln for ln in log.text.strip().splitlines() if ln.strip()]
    detail = lines[-1] if lines else str(err)
    raise ModelFormatError(f"TFLite Micro cannot load this model: {detail}", path=where)


class Reference:
    """One tflite-micro interpreter, reused across inputs."""

    def __init__(self, raw: bytes, model: Model | None = None) -> None:
        self.raw = raw
        self._ip = _interpreter(raw, model)
        self.input_details = self._ip.get_input_details(0)
        self.output_details = self._ip.get_output_details(0)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.input_details["shape"])

    @property
    def input_dtype(self) -> np.dtype:
        return np.dtype(self.input_details["dtype"])

    def run(self, x: np.ndarray) -> np.ndarray:
        """Run one input (with or without the batch dimension) and return the output."""
        x = np.asarray(x)
        if x.dtype != self.input_dtype:
            raise DataError(f"input has dtype {x.dtype}, the model expects {self.input_dtype}", path="<input>")
        if x.size != int(np.prod(self.input_shape)):
            raise DataError(
                f"input has shape {list(x.shape)}, the model expects {list(self.input_shape)}", path="<input>"
            )
        self._ip.set_input(x.reshape(self.input_shape), 0)
        self._ip.invoke()
        return np.array(self._ip.get_output(0), copy=True)

    def run_batch(self, xs: np.ndarray) -> np.ndarray:
        return np.stack([self.run(x) for x in xs])

    def reset(self) -> None:
        """Variable tensors (SVDF's state, LSTM's hidden and cell states) back to their
        initial values, as a freshly initialised device has them: stateful models compare
        from the same start."""
        self._ip.reset()

    def arena(self) -> TflmArena:
        """Arena figures; runs one inference first, as the recording allocator requires."""
        x = np.zeros(self.input_shape, self.input_dtype)
        self.run(x)
        self.reset()  # the probe's inference advanced any state; the device's starts fresh
        with capture_native_output() as log:
            self._ip.print_allocations()
        found = {k: int(v) for k, v in re.findall(r"Arena allocation (total|head|tail) (\d+) bytes", log.text)}
        if "total" not in found:
            raise ModelFormatError(
                f"tflite-micro reported no arena figures (output: {log.text[:200]!r})", path="<model>"
            )
        return TflmArena(found["total"], found.get("head", 0), found.get("tail", 0))


def tflm_arena(raw: bytes, model: Model | None = None) -> TflmArena:
    """The tensor arena TFLite Micro needs for ``raw``, as its allocator reports it."""
    return Reference(raw, model).arena()
