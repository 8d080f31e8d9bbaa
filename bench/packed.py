"""Packed 4-bit weights on the SIMD kernels vs the reference packed kernels (issue 19, item 5).

Each MLPerf Tiny model is rewritten with 4-bit weights (tinydeploy.compress.tflite.rewrite:
per channel, values in [-7, 7]; the model is then a standard int8 .tflite whose weights
the AOT compiler stores packed, two per byte) and flashed to the board with
--kernels reference (decode, then plain C loops), dsp (records rebuilt in scratch,
then the SIMD kernels) and dsp-small (int8 records: half the scratch); the plain int8
model with dsp is the baseline. Per row: instructions per inference and per MAC
(QEMU -icount), flash, arena, bit-exactness against tflite-micro on --check inputs.
Goal: the 4-bit KWS model <= 1.3 instructions per MAC on qemu-m4.

Usage: python bench/packed.py [-o bench/results/packed.json] [--board qemu-m4]
                              [--models kws_ref_model,...] [--check 5]
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
GOAL_PER_MAC = 1.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "packed.json")
    parser.add_argument("--board", default="qemu-m4")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--check", type=int, default=5)
    args = parser.parse_args()

    import tinydeploy
    from tinydeploy.compress.tflite import rewrite

    rows = []
    with tempfile.TemporaryDirectory(prefix="td-packed-") as tmp:
        for name in args.models.split(","):
            src = MLPERF / f"{name}.tflite"
            if not src.is_file():
                print(f"skip {name}: {src} is absent", file=sys.stderr)
                continue
            four = Path(tmp) / f"{name}_4bit.tflite"
            four.write_bytes(rewrite(src.read_bytes(), {"bits": 4}))
            for model, weights, kernels in (
                (src, "int8", "dsp"),
                (four, "4-bit", "reference"),
                (four, "4-bit", "dsp"),
                (four, "4-bit", "dsp-small"),
            ):
                r = tinydeploy.flash(model, args.board, kernels=kernels, check=args.check, runs=1).to_dict()
                per_mac = r["instructions_per_inference"] / r["macs"]
                rows.append(
                    {
                        "model": name,
                        "weights": weights,
                        "board": args.board,
                        "kernels": kernels,
                        "instructions": r["instructions_per_inference"],
                        "per_mac": round(per_mac, 3),
                        "flash_bytes": r["flash_bytes"],
                        "arena_bytes": r["arena_bytes"],
                        "exact_match_rate": r["exact_match_rate"],
                    }
                )
                print(
                    f"{name:24} {weights:5} {kernels:9} {r['instructions_per_inference']:>13,.0f}"
                    f" ({per_mac:.2f}/MAC) flash {r['flash_bytes']:,} arena "
                    f"{r['arena_bytes']:,} exact {r['exact_match_rate']}",
                    file=sys.stderr,
                )
    kws = [r for r in rows if r["model"] == "kws_ref_model" and r["weights"] == "4-bit" and r["kernels"] == "dsp"]
    out = {"goal_per_mac": GOAL_PER_MAC, "rows": rows, "goal_met": bool(kws) and kws[0]["per_mac"] <= GOAL_PER_MAC}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
