"""Fixed-point C simulation vs the float Keras model: at the output and layer by layer.

The float reference of an hls4ml layer is the Keras tensor it produces (hls4ml keeps
the names). hls4ml splits ``Dense(activation=relu)`` into ``dense`` (before the
activation, tensor ``<t>_activation``) and ``dense_relu`` (tensor ``<t>``); the float
value before the activation is computed by calling the Keras layer with a linear
activation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tinydeploy.fpga.hls import LayerInfo

_PRE = "_activation"  # hls4ml's suffix for the tensor before a layer's activation


def float_tensors(model, x: np.ndarray, wanted: set[str]) -> dict[str, np.ndarray]:
    """Float values of the Keras tensors in ``wanted`` for inputs ``x`` ([N, ...])."""
    import keras

    outputs = {
        layer.output.name: layer.output for layer in model.layers[1:] if not isinstance(layer.output, (list, tuple))
    }
    outputs = {k: v for k, v in outputs.items() if k in wanted or k + _PRE in wanted}
    values: dict[str, np.ndarray] = {model.inputs[0].name: x}
    if outputs:
        sub = keras.Model(model.inputs, outputs)
        values.update({k: np.asarray(v) for k, v in sub.predict(x, verbose=0).items()})
    for layer in model.layers[1:]:
        name = getattr(layer.output, "name", None)
        act = getattr(layer, "activation", None)
        if name is None or name + _PRE not in wanted or act is None:
            continue
        src = values.get(getattr(layer.input, "name", None))
        if src is None:
            continue
        layer.activation = keras.activations.linear
        try:
            values[name + _PRE] = np.asarray(layer(src))
        finally:
            layer.activation = act
    return values


@dataclass(frozen=True)
class OutputAgreement:
    samples: int
    max_abs_error: float
    mean_abs_error: float
    top1_agreement: float | None  # None when the output is a single value
    disagreements: int  # samples whose top-1 class differs
    near_ties: int  # of those, how many had float top-2 margin < 2 x max error

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def output_agreement(y_float: np.ndarray, y_fixed: np.ndarray) -> OutputAgreement:
    a = y_float.reshape(len(y_float), -1).astype(np.float64)
    b = y_fixed.reshape(len(y_fixed), -1).astype(np.float64)
    err = np.abs(a - b)
    max_err = float(err.max()) if err.size else 0.0
    top1, wrong, ties = None, 0, 0
    if a.shape[1] > 1:
        differ = a.argmax(1) != b.argmax(1)
        top1 = float(1 - differ.mean())
        wrong = int(differ.sum())
        two = np.sort(a, axis=1)[:, -2:]
        ties = int((differ & (two[:, 1] - two[:, 0] < 2 * max_err)).sum())
    return OutputAgreement(
        samples=len(a),
        max_abs_error=max_err,
        mean_abs_error=float(err.mean()) if err.size else 0.0,
        top1_agreement=top1,
        disagreements=wrong,
        near_ties=ties,
    )


def reference_of(layer: LayerInfo, floats: dict[str, np.ndarray]) -> np.ndarray | None:
    for t in layer.tensors:
        if t in floats:
            return floats[t]
    return None


def layer_errors(
    layers: list[LayerInfo], traces: dict[str, np.ndarray], floats: dict[str, np.ndarray]
) -> list[dict[str, Any]]:
    """One row per traced layer: its type and how far C simulation is from float there."""
    rows = []
    for layer in layers:
        fixed, ref = traces.get(layer.name), reference_of(layer, floats)
        if fixed is None or ref is None:
            continue
        ref = ref.reshape(fixed.shape).astype(np.float64)
        err = np.abs(fixed - ref)
        peak = float(np.abs(ref).max())
        res = layer.result
        outside = 0.0
        if res is not None:
            lo, hi = res.range
            outside = float(((ref < lo) | (ref > hi + res.step)).mean())
        rows.append(
            {
                "layer": layer.name,
                "kind": layer.kind,
                "type": str(res) if res else "float",
                "max_abs_error": float(err.max()),
                "mean_abs_error": float(err.mean()),
                "relative_error": float(err.max() / peak) if peak else 0.0,
                "float_min": float(ref.min()),
                "float_max": float(ref.max()),
                "out_of_range": outside,
            }
        )
    return rows


def wanted_tensors(layers: list[LayerInfo]) -> set[str]:
    return {t for layer in layers for t in layer.tensors}
