#!/usr/bin/env python
"""AOT runtime vs TFLite Micro on the MLPerf Tiny models: arena, weights, host latency.

    python bench/aot_vs_tflm.py [--models DIR] [--out td-out/bench/aot_vs_tflm.json] [--repeat N]

For each model: compile with the AOT compiler, measure TFLite Micro's arena (its
RecordingMicroAllocator total), check bit-exactness on a few inputs, and time one
inference of the compiled C (host gcc -O2, called through ctypes) and of the
tflite-micro interpreter on the same inputs. Writes one JSON document.
Host latency only: device figures come from `tinydeploy run`/measure on a board.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = REPO.parent / "shared" / "models" / "mlperf-tiny"
MODELS = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "resnet": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}


def bench_model(path: Path, work: Path, repeat: int, inputs: int) -> dict:
    from tinydeploy import __version__
    from tinydeploy.compile import check, compile_model, random_inputs, tflm_arena_bytes
    from tinydeploy.compile.host import HostModel, build_shared
    from tinydeploy.compile.tflm import TflmRunner
    from tinydeploy.model.ir import read_model

    raw = path.read_bytes()
    model = read_model(path)
    cm = compile_model(model, work / model.name)
    tflm_arena = tflm_arena_bytes(raw)
    exact = check(cm, raw, inputs=inputs, seed=5)
    xs = random_inputs(cm, inputs, seed=6)
    host = HostModel(build_shared(cm))
    ref = TflmRunner(raw)
    aot_s = float(np.median([host.latency_s(x, repeat) for x in xs]))
    tflm_s = float(np.median([ref.latency_s(x, repeat) for x in xs]))
    return {
        "model": model.name,
        "sha256": model.sha256,
        "tinydeploy": __version__,
        "ops": len(model.ops),
        "arena_bytes": {"aot": cm.arena_bytes, "tflm": tflm_arena, "ratio": round(cm.arena_bytes / tflm_arena, 4)},
        "weights_bytes": cm.weights_bytes,
        "params_bytes": cm.params_bytes,
        "host_latency_us": {
            "aot": round(aot_s * 1e6, 1),
            "tflm": round(tflm_s * 1e6, 1),
            "ratio": round(aot_s / tflm_s, 4),
        },
        "check": exact,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--out", type=Path, default=REPO / "td-out" / "bench" / "aot_vs_tflm.json")
    ap.add_argument("--repeat", type=int, default=5, help="timed invokes per input")
    ap.add_argument("--inputs", type=int, default=5, help="random inputs per model")
    args = ap.parse_args(argv)
    missing = [n for n in MODELS.values() if not (args.models / n).is_file()]
    if missing:
        print(f"error: {args.models} lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key, name in MODELS.items():
            results[key] = bench_model(args.models / name, Path(tmp), args.repeat, args.inputs)
            r = results[key]
            print(
                f"{key:7s} arena {r['arena_bytes']['aot']:>7,} vs {r['arena_bytes']['tflm']:>7,} "
                f"({r['arena_bytes']['ratio']:.3f}x)  weights {r['weights_bytes']:>8,}  "
                f"latency {r['host_latency_us']['aot']:>9.1f} us vs "
                f"{r['host_latency_us']['tflm']:>9.1f} us ({r['host_latency_us']['ratio']:.3f}x)"
                f"  exact {r['check']['exact_match_rate']:.0%}",
                flush=True,
            )
    doc = {
        "benchmark": "aot_vs_tflm",
        "host": platform.machine(),
        "python": platform.python_version(),
        "compiler": "gcc -O2 (host), ctypes",
        "latency": "median over inputs of the mean of --repeat invokes; input copy excluded",
        "models": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
