"""`tinydeploy compress`: make a Keras model smaller and faster on the device.

Public API::

    options = Options(prune=0.8, bits=4, ...)            # each step optional
    result = compress(model, dataset, options)          # -> Result (Keras model, int8 .tflite)
    load_dataset(path) -> Dataset                       # .npz: x_train, y_train, x_val, y_val

Steps run in this order, each only when asked: distillation into a student,
structured (channel) pruning, then one fine-tuning run (cosine learning-rate decay)
whose forward pass sees the projected kernels (magnitude pruning on a polynomial
schedule, weight sharing, quantization-aware training with 8 or 4-bit weights),
optionally against the original model as teacher (``distill``: a temperature-softened
loss, the same as distillation into a student),
batch-norm folding (before fine-tuning for weight sharing, after it otherwise),
then int8 conversion
(tinydeploy.model.convert) and the re-expression of the weights for packed
storage (4-bit values / one value table per layer). The AOT compiler stores such
weights packed (td_*_packed kernels), bit-exact with TFLite Micro on the .tflite.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tinydeploy.compress.data import Dataset, load_dataset
from tinydeploy.compress.errors import CompressSettingError, NoFeasibleModelError, UnsupportedLayerError
from tinydeploy.compress.layers import (
    channel_scores,
    dscnn,
    fold_batchnorm,
    kind,
    pruned_channels,
    structured_prune,
    weight_layers,
)
from tinydeploy.compress.train import LayerState, Projection, accuracy, fit

__all__ = [
    "Options",
    "Result",
    "compress",
    "load_dataset",
    "Dataset",
    "int8_accuracy",
    "skipped_layers",
    "PRUNE_SKIP",
    "STRUCTURED_BY",
    "CompressSettingError",
    "UnsupportedLayerError",
    "NoFeasibleModelError",
    "dscnn",
]


@dataclass
class Options:
    """What to do; every technique is off by default."""

    prune: float | None = None  # magnitude pruning: final sparsity in (0, 1)
    prune_min_weights: int = 1024  # only kernels with at least this many weights
    prune_skip: tuple[str, ...] = ()  # never prune these layers: names or kinds (PRUNE_SKIP)
    structured: float | None = None  # fraction of conv channels removed, in (0, 1)
    structured_by: str = "activation"  # channel order: "activation" (data) or "l1" (kernel)
    structured_steps: int = 1  # remove the channels in this many steps, each but
    # the last followed by epochs // steps of fine-tuning
    clusters: int | None = None  # weight sharing: values per layer (2..256)
    bits: int | None = None  # 8: int8 QAT, 4: 4-bit weights (QAT when epochs > 0)
    bits_skip: tuple[str, ...] = ()  # with bits=4: keep these layers at 8 bits (PRUNE_SKIP)
    distill_width: float | None = None  # distill into a DS-CNN student of this relative width
    student: Any = None  # or into this Keras student model
    distill: bool = False  # fine-tune against the original model as teacher
    temperature: float = 4.0
    alpha: float = 0.3
    epochs: int = 4  # fine-tuning epochs (0: post-training only)
    keep_batchnorm: bool = True  # fine-tune with batch norm, fold it afterwards
    # (weight sharing always folds first)
    distill_epochs: int = 8
    lr: float = 5e-4
    batch: int = 64
    seed: int = 0

    def validate(self) -> None:
        for name in ("prune", "structured"):
            v = getattr(self, name)
            if v is not None and not 0.0 < v < 1.0:
                raise CompressSettingError(
                    f"sparsity {v} is outside 0..1 (exclusive); pass a fraction such as 0.8 for 80%",
                    setting=f"--{name}",
                )
        if self.structured_by not in STRUCTURED_BY:
            raise CompressSettingError(
                f"{self.structured_by!r}; use one of {', '.join(STRUCTURED_BY)}", setting="--structured-by"
            )
        if self.structured_steps < 1 or (self.structured_steps > 1 and not self.structured):
            raise CompressSettingError(
                f"{self.structured_steps} steps; use 1 or more, with --structured", setting="--structured-steps"
            )
        if self.clusters is not None and not 2 <= self.clusters <= 256:
            raise CompressSettingError(f"{self.clusters} clusters; use 2..256 (16-64 typical)", setting="--clusters")
        if self.bits not in (None, 4, 8):
            raise CompressSettingError(f"{self.bits} bits; supported: 8 and 4", setting="--bits")
        if self.clusters and self.bits == 4:
            raise CompressSettingError(
                "clustering and 4-bit weights are alternatives (a value "
                "table of up to 16 entries is a 4-bit index); pick one",
                setting="--clusters",
            )
        if self.distill_width is not None and not 0.0 < self.distill_width <= 1.0:
            raise CompressSettingError(
                f"student width {self.distill_width} must be in (0, 1]", setting="--distill-width"
            )
        if self.distill and not self.epochs:
            raise CompressSettingError("distillation during fine-tuning needs --epochs > 0", setting="--distill")
        if self.distill and (self.distill_width or self.student is not None):
            raise CompressSettingError(
                "--distill fine-tunes against the original model; "
                "--distill-width / --student already distil into a new "
                "model: pick one",
                setting="--distill",
            )
        if not 0.0 <= self.alpha <= 1.0:
            raise CompressSettingError(
                f"alpha {self.alpha} must be in 0..1 (weight of the labels' loss against the teacher's)",
                setting="--alpha",
            )
        if not self.lr > 0:
            raise CompressSettingError(f"learning rate {self.lr} must be > 0", setting="--lr")
        if self.prune_min_weights < 1:
            raise CompressSettingError(f"{self.prune_min_weights}; must be >= 1", setting="--prune-min-weights")
        for name in ("prune_skip", "bits_skip"):
            v = getattr(self, name)
            if isinstance(v, str):
                setattr(self, name, tuple(e.strip() for e in v.split(",") if e.strip()))
        if self.bits_skip and self.bits != 4:
            raise CompressSettingError(
                "keeps layers at 8 bits when the others get 4 (--bits 4); add --bits 4 or drop it",
                setting="--bits-skip",
            )
        if self.epochs < 0 or self.temperature <= 0:
            raise CompressSettingError("epochs must be >= 0 and temperature > 0", setting="--epochs/--temperature")


@dataclass
class Result:
    model: Any  # the compressed Keras model (float, projected kernels)
    tflite: bytes  # int8, weights re-expressed for packed storage
    float_accuracy: float
    int8_accuracy: float
    steps: list[str]
    seconds: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("model")
        d.pop("tflite")
        d["tflite_bytes"] = len(self.tflite)
        return d


def int8_accuracy(raw: bytes, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of the int8 model in TFLite Micro (the device's arithmetic)."""
    from tinydeploy.model.reference import Reference

    ref = Reference(raw)
    qp = ref.input_details["quantization_parameters"]
    scale, zero = float(qp["scales"][0]), int(qp["zero_points"][0])
    hits = 0
    for xi, yi in zip(x, y):
        q = np.clip(np.round(xi / scale) + zero, -128, 127).astype(np.int8)
        hits += int(np.argmax(ref.run(q)) == yi)
    return hits / max(len(x), 1)


STRUCTURED_BY = {
    "activation": "mean |activation| at the next layer's input x its weights",
    "l1": "L1 norm of the channel's kernel",
}
PRUNE_SKIP = {
    "first": "the first weight layer",
    "last": "the last weight layer",
    "depthwise": "every DepthwiseConv2D",
    "dense": "every Dense",
    "conv": "every Conv2D",
}
_KINDS = {"depthwise": "DepthwiseConv2D", "dense": "Dense", "conv": "Conv2D"}


def skipped_layers(model: Any, skip: tuple[str, ...] | list[str], setting: str = "--prune-skip") -> set[int]:
    """Positions (in weight_layers order) of the layers that ``skip`` (layer names or
    the keys of PRUNE_SKIP) keeps out of a technique (magnitude pruning; 4-bit weights
    with setting="--bits-skip"); positions, not names, so
    that they survive structured pruning and batch-norm folding (which rebuild the
    model). An entry that matches nothing is an error."""
    layers = weight_layers(model)
    out: set[int] = set()
    for entry in skip:
        key = entry.strip().lower()
        if key == "first" and layers:
            hit = {0}
        elif key == "last" and layers:
            hit = {len(layers) - 1}
        elif key in _KINDS:
            hit = {i for i, ly in enumerate(layers) if kind(ly) == _KINDS[key]}
        else:
            hit = {i for i, ly in enumerate(layers) if ly.name == entry.strip()}
        if not hit:
            raise CompressSettingError(
                f"{entry!r} matches no weight layer; use {', '.join(PRUNE_SKIP)} or a layer "
                f"name ({', '.join(ly.name for ly in layers) or 'the model has none'})",
                setting=setting,
            )
        out |= hit
    return out


def _sparsity_at(step: int, total: int, final: float) -> float:
    """Polynomial decay (cubic) from 0 to ``final`` over the first 2/3 of the steps."""
    ramp = max(1, int(total * 2 / 3))
    t = min(step / ramp, 1.0)
    return final * (1 - (1 - t) ** 3)


def _update_masks(states: list[LayerState], sparsity: float) -> None:
    for st in states:
        if st.mask is None:
            continue
        w = np.abs(np.asarray(st.kernel.numpy()))
        k = int(sparsity * w.size)
        st.mask = np.ones_like(w)
        if k > 0:
            thr = np.partition(w.ravel(), k - 1)[k - 1]
            st.mask = (w > thr).astype(np.float32)


def _fit_centroids(states: list[LayerState], clusters: int) -> None:
    from tinydeploy.compress.tflite import kmeans_1d

    for st in states:
        w = np.asarray(st.kernel.numpy()).ravel()
        if st.mask is not None:
            w = w[st.mask.ravel() > 0]
        c, _ = kmeans_1d(w, clusters - (1 if st.mask is not None else 0))
        st.centroids = c.astype(np.float32)


def _tables(states: list[LayerState]) -> list[tuple[np.ndarray, int] | None]:
    """The shared values each weight layer was fine-tuned with (0 added when pruned)."""
    out: list[tuple[np.ndarray, int] | None] = []
    for st in states:
        if st.centroids is None:
            out.append(None)
            continue
        vals = st.centroids if st.mask is None else np.append(st.centroids, 0.0)
        out.append((vals, int(np.prod(st.kernel.shape))))
    return out


def _fold(model: Any, required: bool, steps: list[str], notes: list[str]) -> Any:
    try:
        folded = fold_batchnorm(model)
    except UnsupportedLayerError:
        if required:
            raise
        notes.append("batch norm not folded (not a chain model; the converter folds it)")
        return model
    steps.append("batch-norm folded")
    return folded


def compress(model: Any, data: Dataset, options: Options, progress: Any = lambda msg: None) -> Result:
    """Apply the techniques of ``options`` to a Keras model; see the module docstring."""
    import keras

    options.validate()
    t0 = time.monotonic()
    steps: list[str] = []
    notes: list[str] = []
    # work on a copy: pruning and the projections assign kernels in place, and callers
    # (bench/compress.py) compress one model several ways
    source, model = model, keras.models.clone_model(model)
    model.set_weights(source.get_weights())
    packs = bool(options.bits == 4 or options.clusters or options.prune)
    skipped = skipped_layers(source, options.prune_skip) if options.prune else set()
    eight = skipped_layers(source, options.bits_skip, "--bits-skip") if options.bits == 4 else set()
    if options.distill_width or options.student is not None:
        progress("distillation")
        teacher = model
        student = options.student
        if student is None:
            convs = [ly for ly in weight_layers(teacher) if kind(ly) == "Conv2D"]
            width = max(4, int(round(convs[0].filters * options.distill_width / 4)) * 4) if convs else 16
            depth = max(1, sum(1 for ly in teacher.layers if kind(ly) == "DepthwiseConv2D"))
            student = dscnn(
                tuple(teacher.inputs[0].shape[1:]), data.classes, width, depth, name=f"{teacher.name}_student"
            )
        fit(
            student,
            data,
            options.distill_epochs,
            teacher=teacher,
            temperature=options.temperature,
            alpha=options.alpha,
            lr=max(options.lr, 1e-3),
            batch=options.batch,
            seed=options.seed,
        )
        model = student
        steps.append(f"distillation (T={options.temperature}, alpha={options.alpha})")
    # Batch norm is folded into the kernels before fine-tuning only for weight sharing
    # (the shared values must be those of the device's kernels). Masks and per-channel
    # 4/8-bit grids survive a later fold (a per-channel scale), and fine-tuning with
    # batch norm recovers much better: KWS structured 50%, 15 epochs, 90.0% folded first.
    has_bn = any(kind(ly) == "BatchNormalization" for ly in model.layers)
    fold_first = bool(options.clusters) or not options.keep_batchnorm
    if has_bn and fold_first:
        model = _fold(model, bool(options.clusters), steps, notes)
    if options.structured:
        progress("structured pruning")
        before = [ly.filters for ly in model.layers if kind(ly) == "Conv2D"]
        rng = np.random.default_rng(options.seed)
        sample = data.x_train[rng.permutation(len(data.x_train))[:1024]]
        n_steps = options.structured_steps
        for step in range(1, n_steps + 1):
            # channels are ranked again at each step, on the model the last one left
            amount = options.structured * step / n_steps
            scores = channel_scores(model, sample) if options.structured_by == "activation" else None
            model = structured_prune(
                model, amount, scores=scores, channels=[pruned_channels(c, amount) for c in before]
            )
            if step < n_steps and options.epochs:
                progress(f"structured pruning: step {step} of {n_steps}, fine-tuning")
                fit(
                    model,
                    data,
                    max(1, options.epochs // n_steps),
                    lr=options.lr,
                    batch=options.batch,
                    seed=options.seed + step,
                    teacher=source if options.distill else None,
                    temperature=options.temperature,
                    alpha=options.alpha,
                )
        after = [ly.filters for ly in model.layers if kind(ly) == "Conv2D"]
        steps.append(
            f"structured pruning ({options.structured:.0%} of conv channels removed, "
            f"ranked by {options.structured_by}" + (f", in {n_steps} steps" if n_steps > 1 else "") + ": "
            f"{'/'.join(map(str, before))} -> {'/'.join(map(str, after))} channels)"
        )
    states = [LayerState(ly) for ly in weight_layers(model)]
    if options.prune:
        pruned = [
            st
            for i, st in enumerate(states)
            if i not in skipped and int(np.prod(st.kernel.shape)) >= options.prune_min_weights
        ]
        if skipped:
            names = [ly.name for ly in weight_layers(source)]
            notes.append("not pruned (--prune-skip): " + ", ".join(names[i] for i in sorted(skipped)))
        if not pruned:
            notes.append(f"no kernel has {options.prune_min_weights}+ weights: nothing pruned")
        for st in pruned:
            st.mask = np.ones(tuple(st.kernel.shape), np.float32)
        steps.append(f"magnitude pruning to {options.prune:.0%} ({len(pruned)} layers, polynomial schedule)")
    if options.clusters:
        steps.append(f"weight sharing ({options.clusters} values per layer)")
    if options.bits:
        for i, st in enumerate(states):
            st.quant_bits = 8 if i in eight else options.bits
        steps.append(
            f"{options.bits}-bit weights" + (" (quantization-aware training)" if options.epochs else " (post-training)")
        )
        if eight:
            names = [ly.name for ly in weight_layers(source)]
            steps.append("8-bit weights kept (--bits-skip): " + ", ".join(names[i] for i in sorted(eight)))
    projection = Projection([st for st in states if st.mask is not None or options.clusters or st.quant_bits])
    if options.epochs and (projection.states or options.structured):
        progress("fine-tuning")
        n = len(data.x_train)
        total = options.epochs * max(1, n // options.batch)
        if options.clusters:
            _fit_centroids(projection.states, options.clusters)

        def on_step(k: int, _total: int) -> None:
            if options.prune and k % 10 == 0:
                _update_masks(projection.states, _sparsity_at(k, total, options.prune))

        def on_epoch(_e: int) -> None:
            if options.clusters:
                _fit_centroids(projection.states, options.clusters)

        if options.prune:
            _update_masks(projection.states, _sparsity_at(0, total, options.prune))
        fit(
            model,
            data,
            options.epochs,
            projection=projection,
            lr=options.lr,
            batch=options.batch,
            seed=options.seed,
            on_step=on_step,
            on_epoch=on_epoch,
            teacher=source if options.distill else None,
            temperature=options.temperature,
            alpha=options.alpha,
        )
        if options.distill:
            steps.append(
                f"distillation from the original model while fine-tuning "
                f"(T={options.temperature}, alpha={options.alpha})"
            )
    if options.prune:
        _update_masks(projection.states, options.prune)
    if options.clusters and not options.epochs:
        _fit_centroids(projection.states, options.clusters)
    projection.finalize()
    if has_bn and not fold_first:
        model = _fold(model, False, steps, notes)
    x_eval, y_eval = data.eval_xy
    float_acc = accuracy(model, x_eval, y_eval)
    progress("int8 conversion")
    from tinydeploy.compress.tflite import mark_packed, rewrite, to_int8

    raw = to_int8(model, data.x_train)
    if options.bits == 4 or options.clusters:
        raw = rewrite(
            raw,
            {"bits": 4} if options.bits == 4 else {"clusters": options.clusters, "tables": _tables(states)},
            keep=eight,
        )
    elif packs:
        raw = mark_packed(raw)
    acc = int8_accuracy(raw, x_eval, y_eval)
    return Result(model, raw, float_acc, acc, steps, round(time.monotonic() - t0, 1), notes)
