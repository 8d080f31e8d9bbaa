"""End-to-end figures of `tinydeploy flash`, written as JSON.

- seconds from a Keras model (the bundled tiny CNN, trained first if absent) to
  the measured report on qemu-m4;
- per MLPerf Tiny model on qemu-m4 (and KWS on the other boards): instructions
  per inference vs MACs, flash, RAM, arena (ours vs TFLite Micro), exact-match rate;
- where the TFLite Micro source is given (TINYDEPLOY_TFLM_SOURCE), the same models
  on qemu-m4 with --runtime tflm, for a like-for-like comparison (bench/runtimes.py
  compares the runtimes on more boards).

Usage: python bench/flash_e2e.py [-o bench/results/flash_e2e.json] [--check 20]
       python bench/flash_e2e.py --keras-only --repeat 3 [-o ...]
           only the Keras model to the report, through the CLI as a user runs it
           (`tinydeploy flash model.keras --data ...` in a fresh process: TensorFlow's
           start-up included); the first run is cold, the others warm (build caches)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MLPERF = REPO.parent / "shared" / "models" / "mlperf-tiny"
MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8"]
KWS_BOARDS = ["qemu-m3", "qemu-m7", "qemu-m33", "qemu-m55", "host"]
KEYS = [
    "board",
    "runtime",
    "macs",
    "flash_bytes",
    "ram_bytes",
    "arena_bytes",
    "tflm_arena_bytes",
    "stack_high_water_bytes",
    "instructions_per_inference",
    "instructions_per_mac",
    "latency_ms",
    "exact_match_rate",
    "max_abs_diff",
    "seconds",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "flash_e2e.json")
    parser.add_argument("--check", type=int, default=20)
    parser.add_argument(
        "--keras-only", action="store_true", help="only the Keras-to-report time, through the CLI, --repeat times"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.keras_only:
        keras_only(args)
        return

    from tinydeploy.outdir import staged_output_dir
    from tinydeploy.pipeline import flash

    results: dict = {"keras_to_report": None, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        example = REPO / "examples" / "tiny_cnn" / "out"
        if not (example / "tiny_cnn.keras").exists():
            subprocess.run([sys.executable, str(REPO / "examples" / "tiny_cnn" / "train.py")], check=True)
        start = time.monotonic()
        with staged_output_dir(tmp_path / "keras") as d:
            report = flash(example / "tiny_cnn.keras", "qemu-m4", d, check=args.check, data=example / "calibration.npy")
        results["keras_to_report"] = {
            "seconds": round(time.monotonic() - start, 2),
            "goal_seconds": 20,
            **{k: report.get(k) for k in KEYS},
        }
        jobs = [(m, "qemu-m4", "aot") for m in MODELS]
        jobs += [("kws_ref_model", b, "aot") for b in KWS_BOARDS]
        if os.environ.get("TINYDEPLOY_TFLM_SOURCE"):
            jobs += [(m, "qemu-m4", "tflm") for m in MODELS]
        for name, board, runtime in jobs:
            path = MLPERF / f"{name}.tflite"
            if not path.exists():
                print(f"skip {name}: {path} is absent", file=sys.stderr)
                continue
            with staged_output_dir(tmp_path / f"{name}-{board}-{runtime}") as d:
                report = flash(path, board, d, check=args.check, runtime=runtime)
            row = {"model": name, **{k: report.get(k) for k in KEYS}}
            results["runs"].append(row)
            print(json.dumps(row), file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


def keras_only(args: argparse.Namespace) -> None:
    """Seconds of `tinydeploy flash tiny_cnn.keras --data ... --board qemu-m4`, each run a
    new process; the goal (issue 20) is <= 10 s warm."""
    example = REPO / "examples" / "tiny_cnn" / "out"
    if not (example / "tiny_cnn.keras").exists():
        subprocess.run([sys.executable, str(REPO / "examples" / "tiny_cnn" / "train.py")], check=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            out = Path(tmp) / f"run{i}"
            start = time.monotonic()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tinydeploy.cli",
                    "flash",
                    str(example / "tiny_cnn.keras"),
                    "--data",
                    str(example / "calibration.npy"),
                    "--board",
                    "qemu-m4",
                    "--check",
                    str(args.check),
                    "-o",
                    str(out),
                    "--json",
                ],
                capture_output=True,
                text=True,
                env=dict(os.environ, PYTHONPATH=str(REPO)),
            )
            seconds = round(time.monotonic() - start, 2)
            if done.returncode:
                raise SystemExit(done.stderr)
            report = json.loads(done.stdout)
            runs.append(
                {
                    "seconds": seconds,
                    "stage_seconds": report["seconds"],
                    "exact_match_rate": report["exact_match_rate"],
                    "instructions_per_inference": report["instructions_per_inference"],
                }
            )
            print(json.dumps(runs[-1]), file=sys.stderr)
    warm = [r["seconds"] for r in runs[1:]] or [runs[0]["seconds"]]
    result = {
        "what": "tinydeploy flash tiny_cnn.keras --data calibration.npy --board qemu-m4 "
        f"--check {args.check}, a new process each run (TensorFlow start-up "
        "included)",
        "goal_seconds_warm": 10,
        "cold_seconds": runs[0]["seconds"],
        "warm_seconds_min": min(warm),
        "runs": runs,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    out = (
        args.out
        if args.out != REPO / "bench" / "results" / "flash_e2e.json"
        else REPO / "bench" / "results" / "flash_e2e_keras.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
