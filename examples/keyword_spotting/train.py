"""Train the keyword-spotting example: audio -> MFCC -> DS-CNN -> int8, checked on the host.

    python examples/keyword_spotting/train.py                 # espeak-ng keyword set (~6 min)
    python examples/keyword_spotting/train.py --quick         # a few seconds of training (CI)
    python examples/keyword_spotting/train.py --speech-commands ~/data/speech_commands_v0.02

Writes into --out (default examples/keyword_spotting/out/):
  kws.keras, kws.tflite          float Keras model, int8 model (tinydeploy convert)
  calibration.npy                200 training feature maps (int8 calibration, tinydeploy flash --data)
  test_audio.npy, test_labels.npy   the held-out test clips (int16, 1 s) and labels
  test_int8.npy, host_int8_out.npy  their int8 features and the int8 model's outputs (tflite-micro)
  labels.txt, metrics.json       class names; split sizes, accuracies, confusion matrices, sizes
  audio-*.npz                    the clips, reused by the next run (--no-cache makes them again)
Then evaluate.py runs the test set on the emulated board and writes report.html.

    python examples/keyword_spotting/train.py --export-npz kws.npz   # features only, no training
writes the MFCC features of the (cached) clips as the .npz that `tinydeploy compress
--data` and bench/compress.py take: x_train/x_val/x_test float32 [N, 49, 10, 1] (the
model's float input), y_* int64 labels; then stops.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dataset  # noqa: E402
import features  # noqa: E402

CHANNELS = 64


def build_model(n_classes: int, channels: int = CHANNELS):  # -> keras.Model
    """DS-CNN (Zhang et al., "Hello Edge"; the MLPerf Tiny KWS model with 3 instead
    of 4 separable blocks): a 10x4 strided convolution, then 3 depthwise-separable
    blocks, average pooling and a dense classifier. ~18 K int8 weights."""
    import tensorflow as tf

    L = tf.keras.layers
    x = inp = tf.keras.Input((features.N_FRAMES, features.N_MFCC, 1))
    x = L.Conv2D(channels, (10, 4), strides=(2, 2), padding="same", use_bias=False)(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    for _ in range(3):
        x = L.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        x = L.ReLU()(L.BatchNormalization()(x))
        x = L.Conv2D(channels, 1, use_bias=False)(x)
        x = L.ReLU()(L.BatchNormalization()(x))
    x = L.Dropout(0.2)(x)
    x = L.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)
    x = L.Flatten()(x)
    out = L.Softmax()(L.Dense(n_classes)(x))
    return tf.keras.Model(inp, out, name="kws_dscnn")


def confusion(labels: np.ndarray, predicted: np.ndarray, n: int) -> list[list[int]]:
    m = np.zeros((n, n), np.int64)
    np.add.at(m, (labels, predicted), 1)
    return m.tolist()


class HostInt8:
    """The int8 model in tflite-micro, fed features quantized as the firmware does."""

    def __init__(self, tflite: bytes) -> None:
        from tinydeploy.model.reference import Reference

        self.ref = Reference(tflite)
        qp = self.ref.input_details["quantization_parameters"]
        self.scale = float(qp["scales"][0])
        self.q = features.quant_params(self.scale, int(qp["zero_points"][0]))

    def quantize(self, mfcc: np.ndarray) -> np.ndarray:
        """int32 mfcc_fixed [N, 49, 10] -> int8 model inputs [N, 490]."""
        return features.quantize(mfcc, self.q).reshape(len(mfcc), -1)

    def run(self, x8: np.ndarray) -> np.ndarray:
        """int8 inputs [N, 490] -> int8 outputs [N, classes]."""
        return self.ref.run_batch(x8).reshape(len(x8), -1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--out", type=Path, default=HERE / "out")
    p.add_argument("--quick", action="store_true", help="tiny data set, 2 epochs (CI)")
    p.add_argument(
        "--speech-commands",
        type=Path,
        metavar="DIR",
        help="a local copy of Google Speech Commands instead of espeak-ng",
    )
    p.add_argument("--epochs", type=int, help="[30, or 2 with --quick]")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-cache", action="store_true", help="make the clips again instead of reusing out/audio-*.npz")
    p.add_argument(
        "--export-npz",
        type=Path,
        metavar="FILE",
        help="write the features as an .npz for `tinydeploy compress --data` "
        "(x_train, y_train, x_val, y_val, x_test, y_test) and stop",
    )
    p.add_argument(
        "--heldout-reps",
        type=int,
        default=0,
        metavar="N",
        help="with --export-npz: the validation and test speakers say each keyword "
        "N more times (new speeds, pitches, noise), for figures whose "
        "differences are finer than one clip in 243 / 432",
    )
    args = p.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else 30)
    started = time.monotonic()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    print("data ...", flush=True)
    cache = out / f"audio-{'sc' if args.speech_commands else 'espeak'}{'-quick' if args.quick else ''}-{args.seed}.npz"
    if cache.is_file() and not args.no_cache:
        with np.load(cache) as z:
            data = {s: (z[f"{s}_x"], z[f"{s}_y"]) for s in ("train", "val", "test")}
            source = str(z["source"])
    elif args.speech_commands:
        data = dataset.speech_commands(args.speech_commands, args.seed, limit=20 if args.quick else None)
        source = f"Speech Commands at {args.speech_commands}"
    elif args.quick:
        data = dataset.synthesize(
            args.seed, reps=1, unknown_per_speaker=2, silence_per_speaker=1, augment=1, quick=True
        )
        source = "espeak-ng (quick)"
    else:
        data = dataset.synthesize(args.seed)
        source = "espeak-ng"
    if not cache.is_file() or args.no_cache:
        np.savez(cache, source=source, **{f"{s}_{k}": v for s, xy in data.items() for k, v in zip("xy", xy)})
    sizes = {s: int(len(y)) for s, (_, y) in data.items()}
    print(f"  {source}: train {sizes['train']}, val {sizes['val']}, test {sizes['test']} clips", flush=True)

    print("features ...", flush=True)
    mfcc = {s: features.mfcc_fixed(x) for s, (x, _) in data.items()}
    feats = {s: (m.astype(np.float32) / (1 << features.FRAC_BITS))[..., None] for s, m in mfcc.items()}
    labels = {s: y for s, (_, y) in data.items()}
    data_seconds = time.monotonic() - started
    if args.export_npz:
        if args.heldout_reps > 0 and args.speech_commands:
            print("--heldout-reps: Speech Commands has its own fixed splits; ignored")
        elif args.heldout_reps > 0:
            print(f"more held-out clips ({args.heldout_reps} per keyword and speaker) ...", flush=True)
            extra = dataset.synthesize(
                args.seed + 1000,
                reps=args.heldout_reps,
                unknown_per_speaker=2 * args.heldout_reps,
                silence_per_speaker=3 * args.heldout_reps // 2,
                quick=args.quick,
                splits=("val", "test"),
            )
            for s in ("val", "test"):
                m = features.mfcc_fixed(extra[s][0])
                x = (m.astype(np.float32) / (1 << features.FRAC_BITS))[..., None]
                feats[s] = np.concatenate([feats[s], x])
                labels[s] = np.concatenate([labels[s], extra[s][1]])
            print(f"  val {len(labels['val'])}, test {len(labels['test'])} clips", flush=True)
        np.savez(
            args.export_npz,
            **{f"{k}_{s}": v for s in feats for k, v in (("x", feats[s]), ("y", labels[s].astype(np.int64)))},
        )
        print(
            f"wrote {args.export_npz} (features of {source}); next: python bench/compress.py "
            f"--data {args.export_npz} --model {out / 'kws.keras'}"
        )
        return 0

    import tensorflow as tf

    tf.keras.utils.set_random_seed(args.seed)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    model = build_model(len(dataset.LABELS))
    steps = max(1, int(np.ceil(sizes["train"] / 64))) * epochs
    schedule = tf.keras.optimizers.schedules.CosineDecay(3e-3, steps, alpha=0.02)
    model.compile(tf.keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"training {epochs} epochs ...", flush=True)
    t0 = time.monotonic()
    val = (feats["val"], labels["val"]) if sizes["val"] else None
    model.fit(
        feats["train"],
        labels["train"],
        validation_data=val,
        epochs=epochs,
        batch_size=64,
        verbose=2 if not args.quick else 0,
    )
    train_seconds = time.monotonic() - t0
    float_pred = np.argmax(model.predict(feats["test"], verbose=0), axis=1)
    float_acc = float(np.mean(float_pred == labels["test"]))
    model.save(out / "kws.keras")
    cal = feats["train"][np.random.default_rng(args.seed).permutation(sizes["train"])[:200]]
    np.save(out / "calibration.npy", cal)

    print("int8 conversion and tflite-micro ...", flush=True)
    from tinydeploy.model.convert import convert

    conv = convert(out / "kws.keras", out / "calibration.npy")
    (out / "kws.tflite").write_bytes(conv.tflite)
    host = HostInt8(conv.tflite)
    x8 = host.quantize(mfcc["test"])
    y8 = host.run(x8)
    host_pred = np.argmax(y8, axis=1)
    host_acc = float(np.mean(host_pred == labels["test"]))
    weights = sum(t.nbytes for t in conv.model.tensors if t.is_constant)

    # The fixed-point front end vs the same front end in float64, both quantized
    # plainly (round(x / scale) + zero point): how many int8 inputs differ, by how
    # much, and the accuracy the int8 model would have with float features.
    def plain(v: np.ndarray) -> np.ndarray:
        return np.clip(np.round(v / host.scale) + host.q.zero_point, -128, 127)

    fixed_q = plain(mfcc["test"] / (1 << features.FRAC_BITS))
    float_q = plain(features.mfcc_float(data["test"][0]))
    diff = np.abs(fixed_q - float_q)
    float_front = np.argmax(host.run(float_q.astype(np.int8).reshape(len(diff), -1)), axis=1)

    np.save(out / "test_audio.npy", data["test"][0])
    np.save(out / "test_labels.npy", labels["test"])
    np.save(out / "test_int8.npy", x8)
    np.save(out / "host_int8_out.npy", y8)
    (out / "labels.txt").write_text("\n".join(dataset.LABELS) + "\n")
    n = len(dataset.LABELS)
    metrics = {
        "source": source,
        "seed": args.seed,
        "quick": args.quick,
        "epochs": epochs,
        "splits": sizes,
        "labels": list(dataset.LABELS),
        "params": int(model.count_params()),
        "tflite_bytes": len(conv.tflite),
        "weight_bytes": int(weights),
        "input_scale": host.scale,
        "input_zero_point": host.q.zero_point,
        "accuracy": {"float": float_acc, "int8_host": host_acc},
        "confusion": {
            "float": confusion(labels["test"], float_pred, n),
            "int8_host": confusion(labels["test"], host_pred, n),
        },
        "feature_fixed_vs_float": {
            "int8_values": int(diff.size),
            "differing": int(np.count_nonzero(diff)),
            "max_steps": int(diff.max(initial=0)),
            "accuracy_with_float_front_end": float(np.mean(float_front == labels["test"])),
        },
        "seconds": {
            "data": round(data_seconds, 1),
            "train": round(train_seconds, 1),
            "total": round(time.monotonic() - started, 1),
        },
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    print(
        f"test accuracy: float {float_acc:.3f}, int8 (tflite-micro) {host_acc:.3f} on "
        f"{sizes['test']} clips; {weights:,} weight bytes; trained in {train_seconds:.0f} s"
    )
    print(f"wrote {out}/ — next: python {HERE.name}/evaluate.py (runs the test set on qemu-m4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
