"""Issue 17's zoo of ordinary models, each deployed with the AOT runtime on one board.

MobileNet v1 and v2, a Conv1D net, an MLP, LSTM, GRU and SimpleRNN classifiers, a
U-Net-like decoder (transpose conv, resizing), a hard-swish / leaky-relu net and an
attention block (batch matmul, transposes) are built here with a fixed seed, trained
for a few steps on random data (an untrained classifier's softmax input can be too
narrow for TFLite Micro's Prepare), converted by TensorFlow's int8 converter through
``tinydeploy.flash`` and run with ``runtime="aot"``: instructions, flash and RAM come
from the emulated board, and every checked output is compared with tflite-micro.

A model that does not deploy is a row with its error line (the AOT compiler names every
op it lacks). ``attention_layernorm`` shows one limit outside tinydeploy: TensorFlow's
converter lowers Keras LayerNormalization with NEG, which it cannot quantize to int8.

Usage: python bench/zoo.py [-o bench/results/zoo.json] [--board qemu-m4] [--check 5]
                           [--only NAME,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _zoo() -> dict[str, Callable[[], Any]]:
    """Name -> a function building the Keras model (TensorFlow imported on use)."""
    import tensorflow as tf

    L = tf.keras.layers

    def mobilenet_v1() -> Any:
        return tf.keras.applications.MobileNet(
            input_shape=(96, 96, 3), alpha=0.25, weights=None, classes=10, include_top=True
        )

    def mobilenet_v2() -> Any:
        return tf.keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None, classes=10)

    def conv1d() -> Any:
        inp = tf.keras.Input((64, 6))
        x = L.Conv1D(16, 5, padding="same", activation="relu")(inp)
        x = L.MaxPooling1D(2)(x)
        x = L.Conv1D(32, 3, strides=2, activation="relu")(x)
        x = L.GlobalAveragePooling1D()(x)
        return tf.keras.Model(inp, L.Dense(5, activation="softmax")(x), name="conv1d")

    def mlp() -> Any:
        inp = tf.keras.Input((40,))
        x = L.Dense(64, activation="relu")(inp)
        x = L.Dense(32, activation="relu")(x)
        return tf.keras.Model(inp, L.Dense(4, activation="softmax")(x), name="mlp")

    def recurrent(layer: Any, name: str) -> Callable[[], Any]:
        def build() -> Any:
            inp = tf.keras.Input((12, 8), batch_size=1)
            x = layer(16)(inp)
            return tf.keras.Model(inp, L.Dense(3, activation="softmax")(x), name=name)

        return build

    def unet_decoder() -> Any:
        inp = tf.keras.Input((16, 16, 3))
        d1 = L.Conv2D(8, 3, padding="same", activation="relu")(inp)
        d2 = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(d1)
        b = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(d2)
        u2 = L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(b)
        u2 = L.Concatenate()([u2, d2])
        u1 = L.UpSampling2D(2, interpolation="bilinear")(L.Conv2D(8, 1)(u2))
        u1 = L.Subtract()([u1, d1])
        u0 = L.UpSampling2D(1, interpolation="nearest")(u1)
        return tf.keras.Model(inp, L.Conv2D(2, 1, activation="sigmoid")(u0), name="unet_decoder")

    def hardswish_leaky() -> Any:
        inp = tf.keras.Input((24, 24, 3))
        x = L.Conv2D(16, 3, strides=2, padding="same")(inp)
        x = L.Activation("hard_swish")(x)
        x = L.DepthwiseConv2D(3, padding="same")(x)
        x = L.LeakyReLU(0.1)(x)
        x = L.Conv2D(24, 1)(x)
        x = L.Activation("hard_swish")(x)
        x = L.GlobalAveragePooling2D()(x)
        return tf.keras.Model(inp, L.Dense(6, activation="softmax")(x), name="hardswish_leaky")

    def attention(norm: bool) -> Callable[[], Any]:
        def build() -> Any:
            inp = tf.keras.Input((10, 16), batch_size=1)
            x = L.Add()([inp, L.MultiHeadAttention(num_heads=2, key_dim=8)(inp, inp)])
            if norm:  # the converter lowers it with NEG, which it cannot quantize
                x = L.LayerNormalization()(x)
            x = L.Dense(16, activation="relu")(x)
            x = L.GlobalAveragePooling1D()(x)
            return tf.keras.Model(inp, L.Dense(4, activation="softmax")(x), name="attention")

        return build

    return {
        "mobilenet_v1": mobilenet_v1,
        "mobilenet_v2": mobilenet_v2,
        "conv1d": conv1d,
        "mlp": mlp,
        "lstm": recurrent(L.LSTM, "lstm"),
        "gru": recurrent(L.GRU, "gru"),
        "simple_rnn": recurrent(L.SimpleRNN, "simple_rnn"),
        "unet_decoder": unet_decoder,
        "hardswish_leaky": hardswish_leaky,
        "attention": attention(norm=False),
        "attention_layernorm": attention(norm=True),
    }


def _trained(model: Any, seed: int) -> tuple[Any, Any]:
    """The model after a few steps on random samples, and those samples (calibration and
    check inputs)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = tuple(d or 1 for d in model.input_shape[1:])
    x = rng.standard_normal((64, *shape)).astype(np.float32)
    y = model.predict(x, verbose=0)
    target = rng.standard_normal(y.shape).astype(np.float32)
    if y.shape[-1] > 1 and np.allclose(y.sum(axis=-1), 1.0, atol=1e-3):  # a softmax head
        target = np.eye(y.shape[-1], dtype=np.float32)[rng.integers(0, y.shape[-1], len(x))]
    model.compile(optimizer="adam", loss="mse")
    batch = 1 if model.input_shape[0] == 1 else 16
    model.fit(x, target, epochs=2, batch_size=batch, verbose=0)
    return model, x


def _ops(report: dict[str, Any]) -> list[str]:
    return sorted({o["op"] for o in report.get("ops", [])})


def run(name: str, build: Callable[[], Any], board: str, check: int) -> dict[str, Any]:
    import tensorflow as tf

    import tinydeploy
    from tinydeploy.errors import TinyDeployError

    tf.keras.utils.set_random_seed(0)
    model, data = _trained(build(), 0)
    start = time.monotonic()
    row: dict[str, Any] = {"model": name, "board": board, "runtime": "aot", "params": int(model.count_params())}
    try:
        rep = tinydeploy.flash(model, board, data=data, runtime="aot", check=check, runs=1).report
    except TinyDeployError as exc:
        row.update(deployed=False, error=str(exc).splitlines()[0])
    else:
        row.update(
            deployed=True,
            exact_match_rate=rep["exact_match_rate"],
            checked_inputs=rep["check"]["inputs"] if isinstance(rep.get("check"), dict) else check,
            macs=rep["macs"],
            instructions_per_inference=rep["instructions_per_inference"],
            flash_bytes=rep["flash_bytes"],
            ram_bytes=rep["ram_bytes"],
            arena_bytes=rep["arena_bytes"],
            tflm_arena_bytes=rep["tflm_arena_bytes"],
            kernels=rep["kernels"],
            ops=_ops(rep),
        )
    row["seconds"] = round(time.monotonic() - start, 1)
    return row


def markdown(rows: list[dict[str, Any]], board: str) -> str:
    ok = sum(1 for r in rows if r.get("deployed") and r.get("exact_match_rate") == 1.0)
    lines = [
        f"# Issue 17's model zoo on {board}, AOT runtime",
        "",
        f"Written by `bench/zoo.py`. {ok} of {len(rows)} models deploy with `--runtime aot` and are "
        "bit-exact with tflite-micro on every checked input.",
        "",
        "| model | params | MACs | instructions | flash | RAM | arena (TFLM's) | exact | ops |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if not r.get("deployed"):
            lines.append(f"| {r['model']} | {r['params']:,} | | | | | | | error: {r['error']} |")
            continue
        arena = (
            f"{r['arena_bytes']:,} ({r['tflm_arena_bytes']:,})" if r["tflm_arena_bytes"] else f"{r['arena_bytes']:,}"
        )
        lines.append(
            f"| {r['model']} | {r['params']:,} | {r['macs']:,} | {r['instructions_per_inference']:,.0f} | "
            f"{r['flash_bytes']:,} | {r['ram_bytes']:,} | {arena} | {r['exact_match_rate']} | "
            f"{', '.join(r['ops'])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "zoo.json")
    parser.add_argument("--board", default="qemu-m4")
    parser.add_argument("--check", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated model names")
    args = parser.parse_args()

    zoo = _zoo()
    names = [n for n in args.only.split(",") if n] or list(zoo)
    unknown = sorted(set(names) - set(zoo))
    if unknown:
        sys.exit(f"bench/zoo.py: unknown model(s) {', '.join(unknown)}; the zoo has {', '.join(zoo)}")
    rows = []
    for name in names:
        row = run(name, zoo[name], args.board, args.check)
        print(json.dumps(row), flush=True)
        rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"board": args.board, "check": args.check, "rows": rows}, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(rows, args.board))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
