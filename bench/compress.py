"""Compression report: each technique and combination, measured on qemu-m4.

    python bench/compress.py [--data kws.npz --model kws.keras] [-o bench/results/compress]
                             [--epochs 6] [--quick] [--only "4-bit QAT,prune 75% + 4-bit"]
                             [--kernels reference] [--seed 0]

Without --data/--model: a DS-CNN (64 channels, 3 blocks, the KWS example's shape)
on synthetic keyword-like features (tinydeploy.compress.data.synthetic). With the
keyword-spotting example: export its features as an .npz (x_train, y_train, x_val,
y_val, x_test, y_test; `examples/keyword_spotting/train.py --export-npz kws.npz`) and
pass it with --data and its kws.keras with --model.
Writes compress.json, compress.md and report.html (self-contained, inline SVG).
Accuracy is reported on the test split and on the validation split; the variant that
counts for each of the issue's goals is chosen on validation (see goals()).

Every variant, the baseline included, is compiled with the same kernel policy
(--kernels, default "reference": plain C loops). With "auto" on a DSP core the packed
variants run the SIMD kernels too (records rebuilt in scratch, compile/packed_simd.py),
except layers whose weights serve few MACs each (see bench/packed.py).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import tempfile
import time
from pathlib import Path


VARIANTS = {
    "int8 (baseline)": {},
    "int8 QAT": {"bits": 8},
    "prune 80%": {"prune": 0.8},
    "4-bit QAT": {"bits": 4},
    "cluster 16": {"clusters": 16},
    "prune 60% + 4-bit": {"prune": 0.6, "bits": 4},
    "prune 75% + 4-bit": {"prune": 0.75, "bits": 4},
    "prune 80% + 4-bit": {"prune": 0.8, "bits": 4},
    "prune 75% all layers + 4-bit": {"prune": 0.75, "prune_min_weights": 512, "bits": 4, "lr": 1e-3},
    "prune 80% all layers + 4-bit": {"prune": 0.8, "prune_min_weights": 512, "bits": 4},
    "prune 75% + cluster 16": {"prune": 0.75, "clusters": 16},
    "prune 75% all layers + cluster 16": {"prune": 0.75, "prune_min_weights": 512, "clusters": 16, "lr": 1e-3},
    "prune 75% pointwise + 4-bit + distillation": {
        "prune": 0.75,
        "prune_skip": ("first", "depthwise", "dense"),
        "bits": 4,
        "distill": True,
        "lr": 1e-3,
    },
    "structured 50%": {"structured": 0.5, "lr": 2e-3},
    "structured 50% + distillation": {"structured": 0.5, "distill": True, "lr": 2e-3},
    "structured 50% + 4-bit": {"structured": 0.5, "bits": 4, "lr": 2e-3},
    "structured 40%": {"structured": 0.4, "lr": 2e-3},
    "structured 45% + distillation": {"structured": 0.45, "distill": True, "lr": 2e-3},
    "structured 40% + 4-bit": {"structured": 0.4, "bits": 4, "lr": 2e-3},
    "structured 40% then 4-bit QAT": {"structured": 0.4, "lr": 2e-3, "then": {"bits": 4, "epochs": 10}},
    "structured 50% then 4-bit QAT": {"structured": 0.5, "lr": 2e-3, "then": {"bits": 4, "epochs": 10}},
    "structured 45% + distillation then 4-bit QAT": {
        "structured": 0.45,
        "distill": True,
        "lr": 2e-3,
        "then": {"bits": 4, "epochs": 10},
    },
    "structured 40% + distillation then 4-bit QAT": {
        "structured": 0.4,
        "distill": True,
        "lr": 2e-3,
        "then": {"bits": 4, "epochs": 10},
    },
    "structured 45% + distillation then 4-bit QAT + distillation": {
        "structured": 0.45,
        "distill": True,
        "lr": 2e-3,
        "then": {"bits": 4, "distill": True, "epochs": 10},
    },
    "structured 45% + distillation then 4-bit QAT (first layer 8-bit)": {
        "structured": 0.45,
        "distill": True,
        "lr": 2e-3,
        "then": {"bits": 4, "bits_skip": ("first",), "distill": True, "epochs": 10},
    },
    "distilled (width 0.5)": {"distill_width": 0.5},
}
assert not [n for n in VARIANTS if "," in n], "--only splits names at commas"
GOAL_POINTS, GOAL_FLASH, GOAL_INSTR = 1.0, 3.0, 2.0  # the targets
# "all layers": prune_min_weights 512 also prunes the KWS model's depthwise (576
# weights) and dense (768) kernels; by default only kernels of 1024+ weights are pruned.
# "pointwise": prune_skip spares the first convolution, the depthwise and dense layers.
# "structured 40%": 64 -> 40 channels, 45%: -> 36 (channel counts are multiples of 4).
# "then": a second compress() call on the model the first returned (4-bit QAT at the
# default learning rate after the channels are removed and the accuracy recovered);
# "then 4-bit QAT + distillation": that step's teacher is the model it starts from.


def _stages(kw: dict) -> list[dict]:
    """The compress() options of each stage of a variant, first to last."""
    out = []
    while True:
        out.append({k: v for k, v in kw.items() if k != "then"})
        if "then" not in kw:
            return out
        kw = kw["then"]


def measure(raw: bytes, work: Path, kernels: str) -> dict:
    from tinydeploy.pipeline import flash

    path = work / "model.tflite"
    path.write_bytes(raw)
    out = work / "flash"
    out.mkdir()
    r = flash(path, "qemu-m4", out, check=10, runs=2, kernels=kernels)
    compiled = json.loads((out / "compiled" / "compiled.json").read_text())
    used = compiled["kernels"]
    # the model's own flash: weights and biases (.td_weights) plus the per-channel
    # requantization parameters the compiler precomputes (multipliers, shifts, folded
    # biases), which the firmware total counts under "other"
    return {
        "flash_bytes": r["flash_bytes"],
        "weights_bytes": r["flash"]["weights"],
        "model_bytes": r["flash"]["weights"] + int(compiled["params_bytes"]),
        "runtime_code_bytes": r["flash"]["runtime"],
        "other_flash_bytes": r["flash"]["other"],
        "ram_bytes": r["ram_bytes"],
        "instructions": r.get("instructions_per_inference"),
        "exact_match_rate": r["exact_match_rate"],
        "kernel_mode": r["kernels"],
        "kernels": used,
    }


def goals(rows: list[dict]) -> list[str]:
    """The issue's targets, one line each. The variant for a goal is chosen on the
    validation split (the test split only reports): for the flash and weights ratios,
    the largest ratio among the variants within 1 point on validation; for structured
    pruning, the best validation accuracy among the structured variants that reach 2x
    fewer instructions. A goal is met when that variant's test delta is within 1 point too."""
    base = rows[0]
    ok = [r for r in rows[1:] if r["val_delta_points"] >= -GOAL_POINTS]

    def said(r: dict, key: str, target: float) -> str:
        met = r[key] >= target and r["accuracy_delta_points"] >= -GOAL_POINTS
        return (
            f"{'met' if met else 'not met'}: {r['name']}, {r[key]}x at "
            f"{r['accuracy_delta_points']:+.1f} pts test ({r['val_delta_points']:+.1f} val)"
        )

    lines = []
    for key, what in (
        ("flash_ratio", "total flash"),
        ("model_ratio", "model data (weights + quantization parameters)"),
        ("weights_ratio", "weights"),
    ):
        best = max(ok, key=lambda r: r[key], default=None)
        lines.append(
            f"- within {GOAL_POINTS:g} point, {what} >= {GOAL_FLASH:g}x smaller: "
            + ("no variant within the accuracy limit on validation" if best is None else said(best, key, GOAL_FLASH))
        )
    fixed = base["flash_bytes"] - base["weights_bytes"]
    if fixed >= base["flash_bytes"] / GOAL_FLASH:
        lines.append(
            f"- total flash {GOAL_FLASH:g}x is out of reach for weight compression: "
            f"{GOAL_FLASH:g}x smaller is {base['flash_bytes'] / GOAL_FLASH:,.0f} B, and "
            f"{fixed:,} B of the baseline are not weights (runtime kernels "
            f"{base['runtime_code_bytes']:,} B + the rest {base['other_flash_bytes']:,} B)"
        )
    st = [r for r in ok if r["options"].get("structured") and r["instructions_ratio"] >= GOAL_INSTR]
    best = max(st, key=lambda r: (r["val_accuracy"], r["instructions_ratio"]), default=None)
    lines.append(
        f"- structured pruning within {GOAL_POINTS:g} point, >= {GOAL_INSTR:g}x fewer "
        "instructions: "
        + (
            "no structured variant with 2x fewer instructions within the accuracy limit on validation"
            if best is None
            else said(best, "instructions_ratio", GOAL_INSTR)
        )
    )
    lines.append(
        "- these verdicts are this run's (one fine-tuning seed); "
        "bench/compress_seeds.py gives the means over seeds (seeds.md)"
    )
    return lines


def svg(rows: list[dict]) -> str:
    w, h, pad = 640, 360, 50
    xs = [r["instructions"] for r in rows]
    ys = [r["accuracy"] * 100 for r in rows]
    x0, x1 = 0, max(xs) * 1.1
    y0, y1 = min(ys) - 5, 100
    sx = lambda v: pad + (v - x0) / (x1 - x0) * (w - 2 * pad)  # noqa: E731
    sy = lambda v: h - pad - (v - y0) / (y1 - y0) * (h - 2 * pad)  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">',
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>',
        f'<text x="{w / 2}" y="{h - 10}" text-anchor="middle">instructions per inference (qemu-m4, emulated)</text>',
        f'<text x="12" y="{h / 2}" transform="rotate(-90 12 {h / 2})" text-anchor="middle">int8 accuracy %</text>',
    ]
    maxf = max(r["flash_bytes"] for r in rows)
    for r in rows:
        rad = 4 + 12 * r["flash_bytes"] / maxf
        parts.append(
            f'<circle cx="{sx(r["instructions"]):.1f}" cy="{sy(r["accuracy"] * 100):.1f}" '
            f'r="{rad:.1f}" fill="steelblue" fill-opacity="0.5"/>'
        )
        parts.append(
            f'<text x="{sx(r["instructions"]) + 8:.1f}" y="{sy(r["accuracy"] * 100) - 6:.1f}" '
            f'font-size="10">{html.escape(r["name"])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--model")
    ap.add_argument("-o", "--out", default="bench/results/compress")
    ap.add_argument("--epochs", type=int, default=6, help="fine-tuning epochs per variant")
    ap.add_argument("--distill-epochs", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help="comma-separated variant names (the baseline always runs)")
    ap.add_argument(
        "--kernels",
        default="reference",
        choices=("reference", "auto", "dsp"),
        help="kernel policy for every variant (default: reference)",
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=0,
        help="compress() seed (fine-tuning batch order) for every variant; "
        "0, the default, is the committed reports' setting",
    )
    ap.add_argument(
        "--merge",
        action="append",
        default=[],
        metavar="DIR",
        help="also report the variants of an earlier run's DIR/compress.json "
        "(same data, model, kernels and seed; its baseline must equal this "
        "run's, which is checked): a report assembled from --only runs",
    )
    args = ap.parse_args()
    names = list(VARIANTS)
    if args.only is not None:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in VARIANTS]
        if unknown:
            ap.error(f"unknown variant(s) {', '.join(map(repr, unknown))}; known: " + ", ".join(VARIANTS))
        names = [names[0]] + [n for n in names[1:] if n in wanted]
    from tinydeploy.compress import Options, compress, dscnn, int8_accuracy, load_dataset
    from tinydeploy.compress.data import synthetic
    from tinydeploy.compress.train import fit

    t0 = time.monotonic()
    data = load_dataset(args.data) if args.data else synthetic(classes=8, train=2048, val=256, test=512, noise=1.0)
    if args.model:
        import keras

        model = keras.models.load_model(args.model, compile=False)
    else:
        model = dscnn(data.x_train.shape[1:], data.classes, 64, 3)
        fit(model, data, 2 if args.quick else 8)
    ep = 1 if args.quick else args.epochs
    rows = []
    for name in names:
        kw = VARIANTS[name]
        current, seconds, steps = model, 0.0, []
        # a variant is one compress() call, or several in a row ("then": the next
        # options, applied to the model the previous call returned)
        for stage in _stages(kw):
            base_kw = {
                "epochs": 0 if not stage or stage.get("distill_width") else ep,
                "distill_epochs": 2 if args.quick else args.distill_epochs,
                "seed": args.seed,
            }
            if args.quick:
                stage = {k: v for k, v in stage.items() if k not in ("epochs", "distill_epochs")}
            res = compress(current, data, Options(**{**base_kw, **stage}))
            current = res.model
            seconds += res.seconds
            steps += res.steps
        val = int8_accuracy(res.tflite, data.x_val, data.y_val)
        with tempfile.TemporaryDirectory() as tmp:
            m = measure(res.tflite, Path(tmp), args.kernels)
        rows.append(
            {
                "name": name,
                "options": kw,
                "accuracy": res.int8_accuracy,
                "val_accuracy": val,
                "float_accuracy": res.float_accuracy,
                "steps": steps,
                "compress_seconds": round(seconds, 1),
                **m,
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    merged_from = []
    for d in args.merge:
        earlier = json.loads((Path(d) / "compress.json").read_text())
        em = earlier["meta"]
        if (em.get("seed", 0), em["kernels"], em["fine_tune_epochs"]) != (args.seed, args.kernels, ep):
            sys.exit(f"--merge {d}: seed, kernels or epochs differ from this run's")
        b0 = earlier["rows"][0]
        for k in ("accuracy", "val_accuracy", "instructions", "flash_bytes", "model_bytes"):
            if b0.get(k) != rows[0][k]:
                sys.exit(
                    f"--merge {d}: its baseline differs ({k}: {b0.get(k)} here "
                    f"{rows[0][k]}); not the same data, model or code"
                )
        have = {r["name"] for r in rows}
        rows += [r for r in earlier["rows"][1:] if r["name"] not in have]
        merged_from.append(d)
    order = list(VARIANTS)
    rows[1:] = sorted(rows[1:], key=lambda r: order.index(r["name"]) if r["name"] in order else len(order))
    base = rows[0]
    for r in rows:
        r["accuracy_delta_points"] = round((r["accuracy"] - base["accuracy"]) * 100, 2)
        r["val_delta_points"] = round((r["val_accuracy"] - base["val_accuracy"]) * 100, 2)
        r["flash_ratio"] = round(base["flash_bytes"] / r["flash_bytes"], 2)
        r["weights_ratio"] = round(base["weights_bytes"] / r["weights_bytes"], 2)
        r["model_ratio"] = round(base["model_bytes"] / r["model_bytes"], 2)
        r["instructions_ratio"] = round(base["instructions"] / r["instructions"], 2)
        r["ram_ratio"] = round(base["ram_bytes"] / r["ram_bytes"], 2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    policy = f"kernels={args.kernels!r} for every variant, the baseline included" + (
        " (the packed-weight kernels have no SIMD version yet; the SIMD kernels store weights widened to 16 bit)"
        if args.kernels == "reference"
        else ""
    )
    meta = {
        "val_samples": int(len(data.y_val)),
        "data": args.data or "synthetic (8 classes, 49x10x1, noise 1.0)",
        "model": args.model or "DS-CNN 64 channels, 3 blocks",
        "board": "qemu-m4",
        "kernels": args.kernels,
        "kernel_policy": policy,
        "fine_tune_epochs": ep,
        "seed": args.seed,
        "eval_split": "test" if data.x_test is not None else "val",
        "eval_samples": int(len(data.eval_xy[1])),
        "seconds": round(time.monotonic() - t0, 1),
    }
    if merged_from:
        meta["merged_from"] = [
            f"{d} (its compress.json, meta.seconds "
            f"{json.loads((Path(d) / 'compress.json').read_text())['meta']['seconds']})"
            for d in merged_from
        ]
    checks = goals(rows)
    meta["goals"] = checks
    (out / "compress.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    head = (
        "| variant | int8 acc | Δ pts | val Δ pts | flash B | ×smaller | model B | ×smaller | "
        "weights B | ×smaller | RAM B | instructions | ×fewer | bit-exact |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['name']} | {r['accuracy']:.2%} | {r['accuracy_delta_points']:+.1f} | "
        f"{r['val_delta_points']:+.1f} | "
        f"{r['flash_bytes']:,} | {r['flash_ratio']} | {r['model_bytes']:,} | "
        f"{r['model_ratio']} | {r['weights_bytes']:,} | "
        f"{r['weights_ratio']} | {r['ram_bytes']:,} | {r['instructions']:,.0f} | "
        f"{r['instructions_ratio']} | {r['exact_match_rate']:.0%} |\n"
        for r in rows
    )
    fixed = base["flash_bytes"] - base["weights_bytes"]
    nval = int(len(data.y_val))
    notes = (
        f"{meta['model']}, data: {meta['data']}, {ep} fine-tuning epochs unless a variant's "
        "options (in compress.json) say otherwise (learning rate: a cosine decay from "
        "the variant's lr option, 5e-4 by default); int8 accuracy "
        f"in TFLite Micro on the {meta['eval_split']} split ({meta['eval_samples']} "
        f"samples: 1 sample = {100 / max(meta['eval_samples'], 1):.2f} pts); val Δ: the "
        f"same on the validation split ({nval} samples: 1 sample = {100 / max(nval, 1):.2f} "
        "pts), on which the variants for the goals are chosen. Measured with "
        f"{policy}. Flash = weights + runtime kernels + the rest of the firmware "
        f"(baseline: {base['weights_bytes']:,} + {base['runtime_code_bytes']:,} + "
        f"{base['other_flash_bytes']:,} B), so the weights column is the one compression "
        f"acts on; {fixed:,} B of the baseline's flash are not weights. Model = "
        "weights + the per-channel requantization parameters (multipliers, shifts, "
        f"folded biases; baseline {base['model_bytes'] - base['weights_bytes']:,} B, "
        "counted under the rest): all the flash the model itself takes. "
        "Instructions are QEMU -icount (emulated)."
        + (
            f" Rows assembled from {len(merged_from) + 1} runs with the same seed, code "
            "and baseline (meta.merged_from)."
            if merged_from
            else ""
        )
    )
    md = f"# Compression on qemu-m4\n\n{notes}\n\n" + head + body + "\n## Goals\n\n" + "\n".join(checks) + "\n"
    (out / "compress.md").write_text(md)
    table = "".join(
        f"<tr>{''.join(f'<td>{html.escape(str(c))}</td>' for c in line.strip('|').split('|'))}</tr>"
        for line in body.strip().splitlines()
    )
    (out / "report.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>tinydeploy compression</title>"
        "<style>td{padding:2px 8px;border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>Compression on qemu-m4</h1><p>{html.escape(notes)} Circle size = flash.</p>"
        + svg(rows)
        + "<table><tr>"
        + "".join(f"<th>{c.strip()}</th>" for c in head.splitlines()[0].strip("|").split("|"))
        + "</tr>"
        + table
        + "</table><h2>Goals</h2><ul>"
        + "".join(f"<li>{html.escape(c[2:])}</li>" for c in checks)
        + "</ul></body></html>\n"
    )
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
