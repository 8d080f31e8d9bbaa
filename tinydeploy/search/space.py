"""The search space: model families, the architecture a trial samples, its Keras model.

A family is chosen per trial together with its sizes and the weight precision, so
architecture and compression are searched together: 4-bit weights (packed in flash,
tinydeploy.compress) are one more choice beside width and depth (structured width).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tinydeploy.compress.errors import CompressSettingError

# dscnn: depthwise-separable CNN (MLPerf Tiny KWS); mobilenet: inverted residual blocks
# (MobileNetV2-like); conv1d: 1-D convolutions over a time axis (sensor data, input
# [time, channels]); mlp: dense layers over the flattened input.
FAMILIES = ("dscnn", "mobilenet", "conv1d", "mlp")
# the families that fit an input of this rank (without the batch axis)
_BY_RANK = {3: ("dscnn", "mobilenet", "mlp"), 2: ("conv1d", "mlp"), 1: ("mlp",)}
WEIGHT_BITS = (8, 4)


@dataclass(frozen=True)
class Arch:
    """One point of the space. ``kernel`` is ignored by mlp; ``expand`` is the
    mobilenet blocks' expansion factor (1 elsewhere)."""

    family: str
    width: int
    depth: int
    kernel: int
    bits: int
    expand: int = 1
    first8: bool = False  # with 4-bit weights: the first layer keeps 8 bits (per-layer choice)
    # the first layer's strides along the first (time) and second axis (2-D families):
    # every later layer's cost scales with the positions they leave (ignored by mlp)
    stride: int = 2
    stride2: int = 2

    @property
    def name(self) -> str:
        extra = f"_e{self.expand}" if self.family == "mobilenet" else ""
        first = "f8" if self.first8 else ""
        stride = f"_s{self.stride}x{self.stride2}" if (self.stride, self.stride2) != (2, 2) else ""
        return f"{self.family}_w{self.width}_d{self.depth}_k{self.kernel}{extra}{stride}_b{self.bits}{first}"

    def row(self) -> dict[str, Any]:
        return asdict(self)


def families_for(input_shape: tuple[int, ...], wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The requested families that can take ``input_shape``; CompressSettingError when
    none can (naming the shape and what each family needs)."""
    for name in wanted:
        if name not in FAMILIES:
            raise CompressSettingError(
                f"unknown family {name!r}; choose from {', '.join(FAMILIES)}", setting="--families"
            )
    fits = _BY_RANK.get(len(input_shape), ("mlp",))
    usable = tuple(f for f in wanted if f in fits)
    if not usable:
        raise CompressSettingError(
            f"none of {', '.join(wanted)} takes inputs shaped {list(input_shape)}: dscnn and "
            "mobilenet need [height, width, channels], conv1d [time, channels], mlp any shape",
            setting="--families",
        )
    return usable


def suggest(
    trial: Any,
    families: tuple[str, ...],
    widths: tuple[int, ...],
    depths: tuple[int, ...],
    kernels: tuple[int, ...],
    bits: tuple[int, ...],
    strides: tuple[int, ...] = (2,),
) -> Arch:
    """Sample an Arch with an Optuna trial (categorical choices: the samplers model them
    per value, and a study resumed with the same space keeps its history)."""
    family = trial.suggest_categorical("family", list(families))
    width = trial.suggest_categorical("width", list(widths))
    depth = trial.suggest_categorical("depth", list(depths))
    kernel = trial.suggest_categorical("kernel", list(kernels))
    weight_bits = trial.suggest_categorical("bits", list(bits))
    expand = trial.suggest_categorical("expand", [2, 4]) if family == "mobilenet" else 1
    first8 = weight_bits == 4 and trial.suggest_categorical("first8", [False, True])
    stride = trial.suggest_categorical("stride", list(strides)) if family != "mlp" else 2
    stride2 = trial.suggest_categorical("stride2", list(strides)) if family in ("dscnn", "mobilenet") else 2
    return Arch(family, width, depth, kernel, weight_bits, expand, first8, stride, stride2)


def build(arch: Arch, input_shape: tuple[int, ...], classes: int) -> Any:
    """The untrained Keras model of ``arch`` (float; batch norm is folded by the converter)."""
    import keras

    from tinydeploy.compress.layers import dscnn

    if arch.family == "dscnn":
        return dscnn(
            input_shape,
            classes,
            arch.width,
            arch.depth,
            arch.kernel,
            name=arch.name,
            strides=(arch.stride, arch.stride2),
        )
    L = keras.layers
    x = inp = keras.Input(tuple(input_shape))
    if arch.family == "mobilenet":
        x = L.ReLU(6.0)(
            L.BatchNormalization()(
                L.Conv2D(arch.width, 3, strides=(arch.stride, arch.stride2), padding="same", use_bias=False)(x)
            )
        )
        for _ in range(arch.depth):
            y = L.ReLU(6.0)(L.BatchNormalization()(L.Conv2D(arch.width * arch.expand, 1, use_bias=False)(x)))
            y = L.ReLU(6.0)(L.BatchNormalization()(L.DepthwiseConv2D(arch.kernel, padding="same", use_bias=False)(y)))
            y = L.BatchNormalization()(L.Conv2D(arch.width, 1, use_bias=False)(y))
            x = L.Add()([x, y])  # same width and stride 1: the residual needs no projection
        x = L.GlobalAveragePooling2D()(x)
    elif arch.family == "conv1d":
        for i in range(arch.depth):
            x = L.ReLU()(
                L.BatchNormalization()(
                    L.Conv1D(
                        arch.width, arch.kernel, strides=arch.stride if i == 0 else 1, padding="same", use_bias=False
                    )(x)
                )
            )
        x = L.GlobalAveragePooling1D()(x)
    else:  # mlp
        x = L.Flatten()(x)
        for _ in range(arch.depth):
            x = L.Dense(arch.width, activation="relu")(x)
    out = L.Softmax()(L.Dense(classes)(x))
    return keras.Model(inp, out, name=arch.name)
