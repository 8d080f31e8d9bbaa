"""Share of the inference the non-MAC ops take, per model, on one board (issue 19, item 4).

For the four MLPerf Tiny models and a small CNN with max pooling and a global mean
(built here with a fixed seed, calibrated on random data: the figures are
instructions, which do not depend on the weights' values), `tinydeploy profile`
counts the emulated instructions of each op. The MAC ops are CONV_2D,
DEPTHWISE_CONV_2D, FULLY_CONNECTED (and TRANSPOSE_CONV, BATCH_MATMUL); everything
else is a non-MAC op. Goal: non-MAC ops <= 10% of the inference on qemu-m4.

Usage: python bench/nonmac.py [-o bench/results/nonmac.json] [--board qemu-m4]
                              [--kernels auto]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MLPERF = REPO.parent / "shared" / "models" / "mlperf-tiny"
MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8"]
MAC_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "BATCH_MATMUL"}
GOAL_SHARE = 0.10


def pooling_cnn(out: Path) -> Path:
    """Conv 3x3 -> max pool 2 -> conv 3x3 -> max pool 2 -> conv 3x3 -> global mean ->
    dense -> softmax on 32 x 32 x 3, as int8 .tflite at ``out``."""
    import numpy as np
    import tensorflow as tf

    import tinydeploy

    tf.keras.utils.set_random_seed(0)
    L = tf.keras.layers
    inp = tf.keras.Input((32, 32, 3))
    x = L.MaxPooling2D(2)(L.Conv2D(16, 3, padding="same", activation="relu")(inp))
    x = L.MaxPooling2D(2)(L.Conv2D(32, 3, padding="same", activation="relu")(x))
    x = L.GlobalAveragePooling2D()(L.Conv2D(64, 3, padding="same", activation="relu")(x))
    model = tf.keras.Model(inp, L.Dense(10, activation="softmax")(x), name="pool_cnn")
    data = np.random.default_rng(0).standard_normal((32, 32, 32, 3)).astype(np.float32)
    out.write_bytes(tinydeploy.convert(model, data).tflite)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "nonmac.json")
    parser.add_argument("--board", default="qemu-m4")
    parser.add_argument("--kernels", default="auto")
    args = parser.parse_args()

    import tinydeploy

    rows = []
    with tempfile.TemporaryDirectory(prefix="td-nonmac-") as tmp:
        paths = [MLPERF / f"{m}.tflite" for m in MODELS if (MLPERF / f"{m}.tflite").is_file()]
        paths.append(pooling_cnn(Path(tmp) / "pool_cnn.tflite"))
        for path in paths:
            rep = tinydeploy.profile(path, args.board, kernels=args.kernels).to_dict()
            ops = rep["ops"]
            total = sum(o["instructions"] for o in ops)
            by_op: dict[str, int] = {}
            for o in ops:
                if o["op"] not in MAC_OPS:
                    by_op[o["op"]] = by_op.get(o["op"], 0) + o["instructions"]
            share = sum(by_op.values()) / total
            rows.append(
                {
                    "model": path.stem,
                    "board": args.board,
                    "kernels": rep["kernels"],
                    "instructions": total,
                    "non_mac_instructions": by_op,
                    "non_mac_share": round(share, 4),
                    "kernel_of_op": {o["op"]: o["kernel"] for o in ops if o["op"] not in MAC_OPS},
                    "goal_met": share <= GOAL_SHARE,
                }
            )
            print(f"{path.stem:24} {total:>11,} instructions, non-MAC {100 * share:5.1f}%", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"goal_share": GOAL_SHARE, "rows": rows}, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
