"""AOT vs TFLite Micro (reference kernels) vs TFLite Micro + CMSIS-NN, side by side:
the four MLPerf Tiny models on qemu-m4, qemu-m3, qemu-m7 and qemu-m55, each deployed with
`tinydeploy flash` (instructions per inference, flash, RAM, arena, exact-match rate).

TFLite Micro comes from TINYDEPLOY_TFLM_SOURCE (default: ../shared/thirdparty) and is
built by tinydeploy into its cache; the first run compiles it per core and kernel set.

Usage: python bench/runtimes.py [-o bench/results/runtimes] [--check 5] [--boards ...]
Writes runtimes.json and runtimes.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MLPERF = REPO.parent / "shared" / "models" / "mlperf-tiny"
MODELS = {"kws": "kws_ref_model", "vww": "vww_96_int8", "resnet": "pretrainedResnet_quant", "ad": "ad01_int8"}
BOARDS = ["qemu-m4", "qemu-m3", "qemu-m7", "qemu-m55"]
# (column, runtime, TFLM kernel set)
VARIANTS = [("aot", "aot", "auto"), ("tflm-ref", "tflm", "reference"), ("tflm-cmsis-nn", "tflm", "cmsis_nn")]
KEYS = ["instructions_per_inference", "flash_bytes", "ram_bytes", "arena_bytes", "exact_match_rate", "seconds"]


def markdown(rows: list[dict]) -> str:
    lines = [
        "# AOT vs TFLite Micro (reference) vs TFLite Micro + CMSIS-NN",
        "",
        "Written by `bench/runtimes.py`: instructions per inference (QEMU icount), flash "
        "and RAM of the firmware (bytes), the tensor arena, and the exact-match rate against "
        "the tflite-micro package.",
        "",
        "| model | board | runtime | instructions | flash | RAM | arena | exact |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['board']} | {r['variant']} | error: {r['error'][:80]} | | | | |")
            continue
        lines.append(
            f"| {r['model']} | {r['board']} | {r['variant']} | "
            f"{r['instructions_per_inference']:,.0f} | {r['flash_bytes']:,} | "
            f"{r['ram_bytes']:,} | {r['arena_bytes']:,} | {r['exact_match_rate']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "runtimes")
    parser.add_argument("--check", type=int, default=5)
    parser.add_argument("--boards", nargs="+", default=BOARDS)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    args = parser.parse_args()
    os.environ.setdefault("TINYDEPLOY_TFLM_SOURCE", str(REPO.parent / "shared" / "thirdparty"))

    from tinydeploy.errors import TinyDeployError
    from tinydeploy.outdir import staged_output_dir
    from tinydeploy.pipeline import flash

    rows: list[dict] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for board in args.boards:
            for key in args.models:
                path = MLPERF / f"{MODELS[key]}.tflite"
                for variant, runtime, kernels in VARIANTS:
                    row: dict = {"model": key, "board": board, "variant": variant}
                    try:
                        with staged_output_dir(Path(tmp) / f"{key}-{board}-{variant}") as d:
                            report = flash(
                                path, board, d, check=args.check, runs=2, runtime=runtime, tflm_kernels=kernels
                            )
                        row.update({k: report.get(k) for k in KEYS})
                    except TinyDeployError as err:
                        row["error"] = str(err)
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    result = {
        "boards": args.boards,
        "models": args.models,
        "check": args.check,
        "seconds": round(time.monotonic() - started, 1),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(rows))
    print(f"wrote {args.out}.json and {args.out}.md")


if __name__ == "__main__":
    main()
