"""Instructions per inference of the same firmware on Renode and on QEMU, as JSON + Markdown.

Pairs (same ISA, same compiler flags, same model code and kernels; only the HAL
and the memory map differ): renode-nano33ble vs qemu-m4 (Cortex-M4F) and
renode-nucleo_f746zg vs qemu-m7 (Cortex-M7), for the four MLPerf Tiny models in
../shared/models/mlperf-tiny. Each run is `tinydeploy flash --check N` (bit-exact
against tflite-micro); per board, td-spin measures the fixed instructions of the
timer reads around a timed block, which is the expected part of any difference.

Renode comes from $TINYDEPLOY_RENODE or PATH (e.g. ../shared/thirdparty's tarball,
extracted). Usage:
    python bench/renode_vs_qemu.py [-o bench/results/renode_vs_qemu.json] [--check 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MLPERF = REPO.parent / "shared" / "models" / "mlperf-tiny"
MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8"]
PAIRS = [("qemu-m4", "renode-nano33ble"), ("qemu-m7", "renode-nucleo_f746zg")]
RUNS = 10


def spin_overhead(board_id: str, elf: Path) -> dict[str, Any]:
    """Instructions a timed block costs beyond its body (td-spin), and the emulator start."""
    from tinydeploy.boards import load_board
    from tinydeploy.targets import target_for

    started = time.monotonic()
    with target_for(load_board(board_id), elf) as target:
        start_s = time.monotonic() - started
        loop, measured = target.link.spin_calibration(100_000)
    return {"timer_overhead_instructions": round(measured - loop, 1), "start_seconds": round(start_s, 2)}


def run(check: int) -> dict[str, Any]:
    from tinydeploy.outdir import staged_output_dir
    from tinydeploy.pipeline import flash

    rows: list[dict[str, Any]] = []
    boards: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in MODELS:
            for pair in PAIRS:
                for board in pair:
                    out = Path(tmp) / f"{model}-{board}"
                    started = time.monotonic()
                    with staged_output_dir(out) as d:
                        r = flash(MLPERF / f"{model}.tflite", board, d, check=check, runs=RUNS)
                    row = {
                        "model": model,
                        "board": board,
                        "kernels": r["kernels"],
                        "instructions_per_inference": r["instructions_per_inference"],
                        "instructions_per_mac": r["instructions_per_mac"],
                        "flash_bytes": r["flash_bytes"],
                        "ram_bytes": r["ram_bytes"],
                        "exact_match_rate": r["exact_match_rate"],
                        "max_abs_diff": r["max_abs_diff"],
                        "checked_inputs": check,
                        "counted_by": r["latency"]["note"],
                        "seconds": round(time.monotonic() - started, 1),
                    }
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    if model == "kws_ref_model":
                        boards[board] = {
                            **spin_overhead(board, out / "project" / "build" / "fw.elf"),
                            "kws_flash_seconds": row["seconds"],
                        }
    pairs = []
    for model in MODELS:
        for qemu, renode in PAIRS:
            q = next(r for r in rows if (r["model"], r["board"]) == (model, qemu))
            n = next(r for r in rows if (r["model"], r["board"]) == (model, renode))
            diff = n["instructions_per_inference"] - q["instructions_per_inference"]
            pairs.append(
                {
                    "model": model,
                    "qemu": qemu,
                    "renode": renode,
                    "qemu_instructions": q["instructions_per_inference"],
                    "renode_instructions": n["instructions_per_inference"],
                    "difference": round(diff, 1),
                    "relative": round(diff / q["instructions_per_inference"], 7),
                }
            )
    return {
        "note": "instructions are emulated counts (QEMU -icount; Renode at 1 MIPS with the "
        "DWT at 1 MHz), not cycles of a real chip; per inference = a timed block of "
        f"{RUNS} inferences / {RUNS}",
        "runs": RUNS,
        "rows": rows,
        "pairs": pairs,
        "boards": boards,
    }


def markdown(res: dict[str, Any]) -> str:
    by = {(r["model"], r["board"]): r for r in res["rows"]}
    boards = [b for pair in PAIRS for b in pair]
    lines = [
        "# Renode vs QEMU: the same firmware, instructions per inference",
        "",
        res["note"] + ".",
        "",
        "| model | " + " | ".join(boards) + " |",
        "|---|" + "---:|" * len(boards),
    ]
    for model in MODELS:
        lines.append(
            f"| {model} | " + " | ".join(f"{by[(model, b)]['instructions_per_inference']:,.1f}" for b in boards) + " |"
        )
    lines += [
        "",
        "| model | board | kernels | flash B | RAM B | exact match | max diff |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for model in MODELS:
        for b in boards:
            r = by[(model, b)]
            lines.append(
                f"| {model} | {b} | {r['kernels']} | {r['flash_bytes']:,} | "
                f"{r['ram_bytes']:,} | {r['exact_match_rate']:.2f} | {r['max_abs_diff']:g} |"
            )
    lines += ["", "| model | pair | Renode - QEMU (instructions/inference) | relative |", "|---|---|---:|---:|"]
    for p in res["pairs"]:
        lines.append(
            f"| {p['model']} | {p['renode']} vs {p['qemu']} | {p['difference']:+,.1f} | {p['relative']:+.2e} |"
        )
    lines += [
        "",
        "| board | timer overhead of a timed block (instructions) | emulator start s | KWS flash --check s |",
        "|---|---:|---:|---:|",
    ]
    for b, v in res["boards"].items():
        lines.append(
            f"| {b} | {v['timer_overhead_instructions']:g} | {v['start_seconds']:g} | {v['kws_flash_seconds']:g} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "renode_vs_qemu.json")
    parser.add_argument("--check", type=int, default=5)
    args = parser.parse_args()
    res = run(args.check)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(res))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
