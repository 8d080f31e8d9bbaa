"""Small Keras models built in tests, one per family of layers tinydeploy must handle."""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build(kind: str, seed: int = 0):  # -> keras.Model
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    if kind == "cnn":  # conv, depthwise, pooling, add, concat, dense, softmax
        inp = tf.keras.Input((16, 16, 3))
        x = L.Conv2D(8, 3, padding="same", activation="relu")(inp)
        y = L.DepthwiseConv2D(3, padding="same", activation="relu")(x)
        x = L.Add()([x, L.Conv2D(8, 1)(y)])
        x = L.MaxPooling2D(2)(x)
        x = L.Concatenate()(
            [L.Conv2D(4, 1, activation="relu")(x), L.Conv2D(4, 3, padding="same", activation="relu6")(x)]
        )
        x = L.AveragePooling2D(2)(x)
        x = L.Flatten()(x)
        x = L.Dense(16, activation="relu")(x)
        out = L.Softmax()(L.Dense(5)(x))
        return tf.keras.Model(inp, out, name="zoo_cnn")
    if kind == "mlp":  # dense only, regression output
        inp = tf.keras.Input((20,))
        x = L.Dense(32, activation="relu")(inp)
        x = L.Dense(16, activation="tanh")(x)
        return tf.keras.Model(inp, L.Dense(3)(x), name="zoo_mlp")
    if kind in ("lstm", "gru", "rnn"):  # recurrent: 10 steps of 8 features, then a classifier
        cell = {"lstm": L.LSTM, "gru": L.GRU, "rnn": L.SimpleRNN}[kind]
        inp = tf.keras.Input((10, 8))
        x = cell(16)(inp)  # rolled (unroll=False): tinydeploy unrolls it
        return tf.keras.Model(inp, L.Dense(4, activation="softmax")(x), name=f"zoo_{kind}")
    raise ValueError(kind)


def samples(model, count: int, seed: int) -> np.ndarray:
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed).standard_normal((count, *shape)).astype(np.float32)
