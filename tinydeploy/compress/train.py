"""Training with projected weights: pruning masks, shared values (clustering) and
fake-quantized weights (quantization-aware training), plus distillation.

Each technique is a *projection* of a layer's float kernel. A training step runs
the forward pass on the projected kernels and applies the gradient to the float
kernels (the straight-through estimator), so techniques compose: a pruned,
clustered kernel is mask * snap(w). Our own code on Keras 3 (see README: the
TensorFlow Model Optimization toolkit needs tf_keras / Keras 2 models).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinydeploy.compress.data import Dataset
from tinydeploy.compress.layers import kind


@dataclass
class LayerState:
    """What the projections of one layer's kernel need."""

    layer: Any
    mask: np.ndarray | None = None  # 1 keep, 0 pruned
    centroids: np.ndarray | None = None  # shared values (clustering)
    quant_bits: int = 0  # fake quantization: 8 or 4 (0: none)

    @property
    def kernel(self) -> Any:
        return self.layer.kernel

    def channel_axes(self) -> tuple[int, ...]:
        """Axes reduced to get one scale per output channel (TFLite's per-channel)."""
        k = kind(self.layer)
        nd = len(self.kernel.shape)
        if k == "DepthwiseConv2D":
            return (0, 1)
        return tuple(range(nd - 1))

    def project(self, w: np.ndarray) -> np.ndarray:
        """mask * snap(w) then fake quantization, in numpy (float32)."""
        out = w
        if self.centroids is not None:
            c = self.centroids
            idx = np.abs(out.reshape(-1, 1) - c.reshape(1, -1)).argmin(axis=1)
            out = c[idx].reshape(w.shape)
        if self.mask is not None:
            out = out * self.mask
        if self.quant_bits:
            q = (1 << (self.quant_bits - 1)) - 1
            amax = np.abs(out).max(axis=self.channel_axes(), keepdims=True)
            s = np.where(amax > 0, amax / q, 1.0)
            out = np.clip(np.round(out / s), -q, q) * s
        return out.astype(np.float32)


@dataclass
class Projection:
    states: list[LayerState] = field(default_factory=list)

    def apply(self) -> list[np.ndarray]:
        """Project every kernel in place; return the float kernels to restore."""
        saved = []
        for st in self.states:
            w = np.asarray(st.kernel.numpy())
            saved.append(w)
            st.kernel.assign(st.project(w))
        return saved

    def restore(self, saved: list[np.ndarray]) -> None:
        for st, w in zip(self.states, saved):
            st.kernel.assign(w)

    def finalize(self) -> None:
        self.apply()


def _probs_to_logits(p: Any) -> Any:
    import tensorflow as tf

    return tf.math.log(tf.clip_by_value(p, 1e-7, 1.0))


def ends_in_softmax(model: Any) -> bool:
    last = model.layers[-1]
    act = getattr(last, "activation", None)
    return kind(last) == "Softmax" or getattr(act, "__name__", "") == "softmax"


def fit(
    model: Any,
    data: Dataset,
    epochs: int,
    *,
    projection: Projection | None = None,
    teacher: Any = None,
    temperature: float = 4.0,
    alpha: float = 0.3,
    lr: float = 1e-3,
    batch: int = 64,
    seed: int = 0,
    on_step: Callable[[int, int], None] | None = None,
    on_epoch: Callable[[int], None] | None = None,
    decay: bool = True,
) -> Any:
    """Train ``model`` (Keras 3, TensorFlow backend) on data.x_train / y_train.

    projection: forward on projected kernels, gradients to the float ones.
    teacher: distillation, loss = alpha * CE(y, student) + (1 - alpha) * T^2 *
    KL(softmax(teacher / T) || softmax(student / T)) on logits (log-probabilities
    when a model ends in softmax).
    decay: the learning rate follows a cosine from ``lr`` down to 2% of it.
    """
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    n = len(data.x_train)
    steps = max(1, n // batch)
    total = epochs * steps
    # cosine decay to 2% of lr: the last epochs at a small rate let a pruned or
    # quantized model settle (constant 5e-4 left KWS 4-bit + 75% pruning 9 pts lower)
    opt = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(lr, max(total, 1), alpha=0.02) if decay else lr)
    probs = ends_in_softmax(model)
    t_probs = ends_in_softmax(teacher) if teacher is not None else False
    variables = model.trainable_variables

    @tf.function
    def grad_step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            out = model(x, training=True)
            logits = _probs_to_logits(out) if probs else out
            ce = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            loss = ce
            if teacher is not None:
                t_out = teacher(x, training=False)
                t_logits = _probs_to_logits(t_out) if t_probs else t_out
                pt = tf.nn.softmax(t_logits / temperature)
                log_ps = tf.nn.log_softmax(logits / temperature)
                kl = tf.reduce_mean(tf.reduce_sum(pt * (tf.math.log(pt + 1e-9) - log_ps), axis=-1))
                loss = alpha * ce + (1 - alpha) * temperature**2 * kl
        return loss, tape.gradient(loss, [v.value for v in variables])

    k = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        for s in range(steps):
            idx = order[s * batch : (s + 1) * batch]
            if on_step is not None:
                on_step(k, total)
            saved = projection.apply() if projection else None
            _, grads = grad_step(tf.constant(data.x_train[idx]), tf.constant(data.y_train[idx]))
            if saved is not None:
                projection.restore(saved)
            opt.apply_gradients(zip(grads, variables))
            k += 1
        if on_epoch is not None:
            on_epoch(epoch)
    if projection:
        projection.finalize()
    return model


def accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    pred = np.asarray(model.predict(x, batch_size=256, verbose=0)).argmax(axis=-1)
    return float(np.mean(pred == y))
