"""Keras 3 model surgery for chain models: fold BatchNormalization, remove channels.

A *chain* is a model whose layers each take the previous layer's output (a
Sequential model, or a functional one without branches), like the DS-CNN family.
Pruning, clustering and quantization-aware training work on any model; folding
and structured pruning need a chain and name the first layer they cannot handle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compress.errors import UnsupportedLayerError

WEIGHT_LAYERS = ("Conv2D", "DepthwiseConv2D", "Dense")
PASS_THROUGH = (
    "ReLU",
    "Activation",
    "Dropout",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "ZeroPadding2D",
    "Softmax",
    "Flatten",
    "InputLayer",
    "BatchNormalization",
)


def kind(layer: Any) -> str:
    return type(layer).__name__


def weight_layers(model: Any) -> list[Any]:
    """Layers whose kernel the techniques compress (Conv2D, DepthwiseConv2D, Dense)."""
    return [ly for ly in model.layers if kind(ly) in WEIGHT_LAYERS]


def chain_layers(model: Any, technique: str) -> list[Any]:
    """The layers after the input, in order; refuses branches naming the layer."""
    import keras

    layers = [ly for ly in model.layers if kind(ly) != "InputLayer"]
    if isinstance(model, keras.Sequential):
        return layers
    cfg = model.get_config()
    prev = None
    for entry in cfg["layers"]:
        if entry["class_name"] == "InputLayer":
            prev = entry["name"]
            continue
        names = []
        for node in entry.get("inbound_nodes", []):
            for arg in node.get("args", []):
                items = arg if isinstance(arg, list) else [arg]
                for a in items:
                    if isinstance(a, dict) and "keras_history" in a.get("config", {}):
                        names.append(a["config"]["keras_history"][0])
        if names != [prev]:
            raise UnsupportedLayerError(
                "takes inputs from several layers; only chain models "
                "(no branches or residual connections) are supported",
                technique=technique,
                layer=entry["name"],
                kind=entry["class_name"],
            )
        prev = entry["name"]
    return layers


def rebuild(input_shape: tuple[int, ...], specs: list[tuple[Any, dict[str, Any], list[np.ndarray]]], name: str) -> Any:
    """A Sequential model from (layer class, config, weights) triples."""
    import keras

    model = keras.Sequential([keras.Input(input_shape[1:])], name=name)
    for cls, cfg, _w in specs:
        cfg = dict(cfg)
        cfg.pop("name", None)
        model.add(cls.from_config(cfg))
    for layer, (_c, _g, w) in zip([ly for ly in model.layers], specs):
        if w:
            layer.set_weights(w)
    return model


def fold_batchnorm(model: Any) -> Any:
    """Fold each BatchNormalization into the Conv2D / DepthwiseConv2D / Dense before it
    (what TFLite's converter does), so that the kernels seen in training are the ones
    that reach the device: a must for weight sharing."""
    layers = chain_layers(model, "fold batchnorm")
    specs: list[tuple[Any, dict[str, Any], list[np.ndarray]]] = []
    for ly in layers:
        if kind(ly) == "BatchNormalization" and specs and kind_of(specs[-1]) in WEIGHT_LAYERS:
            gamma, beta, mean, var = ly.get_weights() if ly.scale and ly.center else _bn_full(ly)
            k = gamma / np.sqrt(var + ly.epsilon)
            cls, cfg, w = specs[-1]
            kern = w[0]
            bias = w[1] if len(w) > 1 else np.zeros(_channels(kern, cls.__name__), np.float32)
            kern = kern * k.reshape(_channel_shape(kern, cls.__name__))
            bias = (bias - mean) * k + beta
            cfg = dict(cfg, use_bias=True)
            specs[-1] = (cls, cfg, [kern.astype(np.float32), bias.astype(np.float32)])
            continue
        specs.append((type(ly), ly.get_config(), ly.get_weights()))
    return rebuild(tuple(model.inputs[0].shape), specs, model.name)


def kind_of(spec: tuple[Any, dict[str, Any], list[np.ndarray]]) -> str:
    return spec[0].__name__


def _bn_full(ly: Any) -> list[np.ndarray]:
    w = ly.get_weights()
    c = w[-1].shape[0]
    gamma = w.pop(0) if ly.scale else np.ones(c, np.float32)
    beta = w.pop(0) if ly.center else np.zeros(c, np.float32)
    return [gamma, beta, w[0], w[1]]


def _channels(kern: np.ndarray, k: str) -> int:
    return int(kern.shape[2] * kern.shape[3]) if k == "DepthwiseConv2D" else int(kern.shape[-1])


def _channel_shape(kern: np.ndarray, k: str) -> tuple[int, ...]:
    if k == "DepthwiseConv2D":
        return (1, 1, kern.shape[2], kern.shape[3])
    return (1,) * (kern.ndim - 1) + (kern.shape[-1],)


def channel_scores(model: Any, x: np.ndarray) -> dict[str, np.ndarray]:
    """How much each Conv2D output channel feeds the next layer, measured on data.

    A channel of a Conv2D lives on through batch norm, ReLU and a depthwise layer
    until the next Conv2D or Dense reads it. Its score is its mean absolute value at
    that reader's input times the L1 norm of the reader's weights on it. The Conv2D's
    own kernel norm says little when batch norm follows, which rescales every channel."""
    import keras

    layers = chain_layers(model, "structured pruning")
    readers: dict[str, Any] = {}
    owner = None
    for ly in layers:
        k = kind(ly)
        if k in ("Conv2D", "Dense") and owner is not None:
            readers[owner.name] = ly
            owner = None
        if k == "Conv2D":
            owner = ly
    if not readers:
        return {}
    probe = keras.Model(model.inputs, [r.input for r in readers.values()])
    acts = probe.predict(x, batch_size=256, verbose=0)
    if len(readers) == 1:
        acts = [acts]
    scores: dict[str, np.ndarray] = {}
    for (name, reader), a in zip(readers.items(), acts):
        w = np.abs(reader.get_weights()[0])
        a = np.abs(np.asarray(a))
        if kind(reader) == "Dense":
            ch = dict((ly.name, ly) for ly in layers)[name].filters
            a = a.reshape(len(a), -1, ch)
            w = w.reshape(-1, ch, w.shape[-1])
            scores[name] = (a.mean(axis=0) * w.sum(axis=-1)).sum(axis=0)
        else:
            scores[name] = a.reshape(-1, a.shape[-1]).mean(axis=0) * w.sum(
                axis=tuple(i for i in range(w.ndim) if i != 2)
            )
    return scores


def pruned_channels(channels: int, amount: float, multiple: int = 4) -> int:
    """Channels left when ``amount`` of ``channels`` go (a multiple of ``multiple``,
    which the SIMD kernels like, and at least one such group)."""
    return min(channels, max(multiple, int(round(channels * (1 - amount) / multiple)) * multiple))


def structured_prune(
    model: Any,
    amount: float,
    multiple: int = 4,
    scores: dict[str, np.ndarray] | None = None,
    channels: list[int] | None = None,
) -> Any:
    """Remove the ``amount`` fraction of output channels of every Conv2D (or keep
    ``channels[i]`` of the i-th Conv2D), with the matching channels of the depthwise,
    batch-norm and dense layers after it: MACs, activations and weights all shrink.
    Channels go in order of ``scores`` (by layer name, see channel_scores) where
    given, else of their kernel's L1 norm. Returns a new (unfitted) model."""
    layers = chain_layers(model, "structured pruning")
    conv_index = 0
    specs: list[tuple[Any, dict[str, Any], list[np.ndarray]]] = []
    keep: np.ndarray | None = None
    flat_from: tuple[int, int] | None = None  # (positions, original channels) at a Flatten
    for ly in layers:
        k = kind(ly)
        cfg, w = ly.get_config(), ly.get_weights()
        if k == "Conv2D":
            if keep is not None:
                w[0] = w[0][:, :, keep, :]
            out = w[0].shape[-1]
            n = min(out, channels[conv_index]) if channels is not None else pruned_channels(out, amount, multiple)
            conv_index += 1
            norms = scores[ly.name] if scores and ly.name in scores else np.abs(w[0]).reshape(-1, out).sum(axis=0)
            keep = np.sort(np.argsort(-norms, kind="stable")[:n])
            w = [w[0][..., keep]] + ([w[1][keep]] if len(w) > 1 else [])
            cfg = dict(cfg, filters=int(n))
        elif k == "DepthwiseConv2D":
            if int(cfg.get("depth_multiplier", 1)) != 1:
                raise UnsupportedLayerError(
                    "has depth_multiplier > 1", technique="structured pruning", layer=ly.name, kind=k
                )
            if keep is not None:
                w = [w[0][:, :, keep, :]] + ([w[1][keep]] if len(w) > 1 else [])
        elif k == "BatchNormalization":
            if keep is not None:
                w = [v[keep] for v in w]
        elif k == "Flatten":
            shape = tuple(ly.input.shape)
            flat_from = (int(np.prod(shape[1:-1])), int(shape[-1]))
        elif k == "Dense":
            if keep is not None:
                if flat_from is not None:
                    pos, ch = flat_from
                    rows = (np.arange(pos)[:, None] * ch + keep[None, :]).ravel()
                else:
                    rows = keep
                w[0] = w[0][rows, :]
            keep, flat_from = None, None
        elif k not in PASS_THROUGH:
            raise UnsupportedLayerError(
                "is not supported (supported: Conv2D, DepthwiseConv2D, "
                "Dense, BatchNormalization and shape-preserving layers)",
                technique="structured pruning",
                layer=ly.name,
                kind=k,
            )
        specs.append((type(ly), cfg, w))
    return rebuild(tuple(model.inputs[0].shape), specs, model.name + "_slim")


def dscnn(
    input_shape: tuple[int, ...],
    classes: int,
    width: int = 64,
    depth: int = 3,
    kernel: int = 3,
    name: str = "dscnn",
    strides: tuple[int, int] = (2, 2),
) -> Any:
    """The DS-CNN family (Zhang et al., "Hello Edge"; MLPerf Tiny KWS): a strided
    convolution, ``depth`` depthwise-separable blocks of ``width`` channels with
    ``kernel`` x ``kernel`` depthwise filters, average pooling, a dense classifier.
    ``strides``: the first convolution's; every later layer's cost scales with the
    positions they leave."""
    import keras

    L = keras.layers
    h, w = int(input_shape[0]), int(input_shape[1])
    x = inp = keras.Input(tuple(input_shape))
    x = L.Conv2D(width, (min(10, h), min(4, w)), strides=strides, padding="same", use_bias=False)(x)
    x = L.ReLU()(L.BatchNormalization(momentum=0.9)(x))
    for _ in range(depth):
        x = L.DepthwiseConv2D(kernel, padding="same", use_bias=False)(x)
        x = L.ReLU()(L.BatchNormalization(momentum=0.9)(x))
        x = L.Conv2D(width, 1, use_bias=False)(x)
        x = L.ReLU()(L.BatchNormalization(momentum=0.9)(x))
    x = L.AveragePooling2D(pool_size=tuple(int(v) for v in x.shape[1:3]))(x)
    x = L.Flatten()(x)
    out = L.Softmax()(L.Dense(classes)(x))
    return keras.Model(inp, out, name=name)
