"""Reference vs optimised kernels, per MLPerf Tiny model and board, written as JSON + HTML.

For each model and board: `tinydeploy flash` with --kernels reference, dsp and
dsp-small (int8 weights in flash, widened at run time) on cores with the DSP extension,
and auto (the default: dsp's kernels, weights widened only where each serves many
MACs, compile/dsp.py WIDEN_MIN_REUSE) on cores with the DSP extension,
reference and the MAC kernels of the core (v7m on Cortex-M3, v6m on Cortex-M0) on the
others, and mve (the Helium kernels, compile/mve.py) on boards with mve = true (a variant
a board cannot take is skipped); instructions per inference
(QEMU -icount, emulated), per MAC, the speed-up, bit-exactness against
tflite-micro, arena, and flash: the weights section (model data as stored for the
kernels: widened weights, pre-scaled biases and per-channel requantization),
the model's own int8 weights and int32 biases for comparison, the runtime code
(the ELF's runtime/ + model/ .text) and the firmware without the weights.

Usage: python bench/kernels.py [-o bench/results/kernels.json] [--check 20]
                               [--boards qemu-m4,qemu-m7] [--models kws_ref_model,...]
                               [--variants reference,dsp,dsp-small,v7m,v6m]

No-DSP cores: python bench/kernels.py --boards qemu-m3,qemu-m0
                  -o bench/results/kernels_nodsp.json
Helium: python bench/kernels.py --boards qemu-m55 --variants mve
                  -o bench/results/kernels_mve.json
The default (auto) beside the fixed sets: python bench/kernels.py --boards qemu-m4
                  --variants reference,dsp,dsp-small,auto -o bench/results/kernels_auto.json
(rows of a board that bench/results/runtimes.json measured with TFLite Micro + CMSIS-NN
carry its instructions and flash and the ratio to them)
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


def _model_weight_bytes(path: Path) -> tuple[int, int]:
    """(int8 constant bytes, int32 constant bytes) of the .tflite: its weights and biases."""
    import numpy as np

    from tinydeploy.model.ir import parse_model

    model = parse_model(path.read_bytes(), path)
    sizes = {"int8": 0, "int32": 0}
    for t in model.tensors:
        if t.data is not None:
            d = np.asarray(t.data)
            if str(d.dtype) in sizes:
                sizes[str(d.dtype)] += d.nbytes
    return sizes["int8"], sizes["int32"]


RUNTIMES = REPO / "bench" / "results" / "runtimes.json"
SHORT = {"kws_ref_model": "kws", "vww_96_int8": "vww", "pretrainedResnet_quant": "resnet", "ad01_int8": "ad"}


def _add_cmsis_nn(rows: list[dict]) -> None:
    """TFLite Micro + CMSIS-NN's instructions per inference and flash on the same board,
    from bench/results/runtimes.json (bench/runtimes.py measured them), where it has them."""
    if not RUNTIMES.is_file():
        return
    tflm = {
        (r["model"], r["board"]): r
        for r in json.loads(RUNTIMES.read_text())["rows"]
        if r["variant"] == "tflm-cmsis-nn" and r.get("instructions_per_inference")
    }
    for r in rows:
        t = tflm.get((SHORT.get(r["model"], r["model"]), r["board"]))
        if t:
            ref = t["instructions_per_inference"]
            if t.get("flash_bytes"):
                r["tflm_cmsis_nn_flash_bytes"] = t["flash_bytes"]
            r["tflm_cmsis_nn_instructions_per_inference"] = ref
            r["tflm_cmsis_nn_instructions_per_mac"] = round(ref / r["macs"], 3)
            r["speedup_vs_tflm_cmsis_nn"] = round(ref / r["instructions_per_inference"], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=REPO / "bench" / "results" / "kernels.json")
    parser.add_argument("--check", type=int, default=20)
    parser.add_argument("--boards", default="qemu-m4,qemu-m7")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--variants", default="reference,dsp,dsp-small,v7m,v6m")
    args = parser.parse_args()

    from tinydeploy.boards import load_board
    from tinydeploy.compile import MAC_MODE_OF_CPU
    from tinydeploy.outdir import staged_output_dir
    from tinydeploy.pipeline import flash
    from tinydeploy.report.html import bench_html

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for board in args.boards.split(","):
            for name in args.models.split(","):
                path = MLPERF / f"{name}.tflite"
                if not path.exists():
                    print(f"skip {name}: {path} is absent", file=sys.stderr)
                    continue
                b = load_board(board)
                mac = MAC_MODE_OF_CPU.get(b.cpu)
                made_for = {"reference", mac} if mac else {"reference", "dsp", "dsp-small", "auto"}
                if b.mve:
                    made_for.add("mve")
                for variant in args.variants.split(","):
                    if variant not in made_for:
                        continue  # only the kernels made for this core
                    model_w8, model_bias = _model_weight_bytes(path)
                    with staged_output_dir(Path(tmp) / f"{name}-{board}-{variant}") as d:
                        r = flash(path, board, d, check=args.check, runs=1, kernels=variant)
                    row = {
                        "model": name,
                        "board": board,
                        "variant": variant,
                        "kernels": r["kernels"],
                        "macs": r["macs"],
                        "instructions_per_inference": r["instructions_per_inference"],
                        "instructions_per_mac": r["instructions_per_mac"],
                        "exact_match_rate": r["exact_match_rate"],
                        "max_abs_diff": r["max_abs_diff"],
                        "checked_inputs": r["check"]["inputs"],
                        "arena_bytes": r["arena_bytes"],
                        "tflm_arena_bytes": r["tflm_arena_bytes"],
                        "flash_bytes": r["flash_bytes"],
                        "weights_bytes": r["flash"]["weights"],
                        "model_int8_weights_bytes": model_w8,
                        "model_bias_bytes": model_bias,
                        "runtime_code_bytes": r["flash"]["runtime"],
                        "firmware_without_weights_bytes": r["flash_bytes"] - r["flash"]["weights"],
                    }
                    if (r.get("kernel_choice") or {}).get("int8_weight_ops") is not None:
                        row["int8_weight_ops"] = r["kernel_choice"]["int8_weight_ops"]
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    for r in rows:
        ref = [x for x in rows if x["model"] == r["model"] and x["board"] == r["board"] and x["variant"] == "reference"]
        if ref and r["variant"] != "reference":
            r["speedup_vs_reference"] = round(ref[0]["instructions_per_inference"] / r["instructions_per_inference"], 2)
    _add_cmsis_nn(rows)
    result = {"note": "instructions are QEMU -icount counts (emulated), not cycles of a real chip", "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    args.out.with_suffix(".html").write_text(bench_html(result))
    print(f"wrote {args.out} and {args.out.with_suffix('.html')}")


if __name__ == "__main__":
    main()
