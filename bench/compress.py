"""Compression report: each technique and combination, measured on qemu-m4.

    python bench/compress.py [--data kws.npz --model kws.keras] [-o bench/results/compress]
                             [--epochs 6] [--quick]

Without --data/--model: a DS-CNN (64 channels, 3 blocks, the KWS example's shape)
on synthetic keyword-like features (tinydeploy.compress.data.synthetic). With the
keyword-spotting example: export its features as an .npz (x_train, y_train, x_val,
y_val, x_test, y_test) and pass it with --data and its kws.keras with --model.
Writes compress.json, compress.md and report.html (self-contained, inline SVG).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

VARIANTS = {
    "int8 (baseline)": {},
    "int8 QAT": {"bits": 8},
    "prune 80%": {"prune": 0.8},
    "4-bit QAT": {"bits": 4},
    "cluster 16": {"clusters": 16},
    "prune 80% + 4-bit": {"prune": 0.8, "bits": 4},
    "prune 80% + cluster 16": {"prune": 0.8, "clusters": 16},
    "structured 50%": {"structured": 0.5},
    "structured 50% + 4-bit": {"structured": 0.5, "bits": 4},
    "distilled (width 0.5)": {"distill_width": 0.5},
}


def measure(raw: bytes, work: Path) -> dict:
    from tinydeploy.pipeline import flash

    path = work / "model.tflite"
    path.write_bytes(raw)
    out = work / "flash"
    out.mkdir()
    r = flash(path, "qemu-m4", out, check=10, runs=2)
    kernels = json.loads((out / "compiled" / "compiled.json").read_text())["kernels"]
    return {"flash_bytes": r["flash_bytes"], "weights_bytes": r["flash"]["weights"],
            "ram_bytes": r["ram_bytes"], "instructions": r.get("instructions_per_inference"),
            "exact_match_rate": r["exact_match_rate"], "kernels": kernels}


def svg(rows: list[dict]) -> str:
    w, h, pad = 640, 360, 50
    xs = [r["instructions"] for r in rows]
    ys = [r["accuracy"] * 100 for r in rows]
    x0, x1 = 0, max(xs) * 1.1
    y0, y1 = min(ys) - 5, 100
    sx = lambda v: pad + (v - x0) / (x1 - x0) * (w - 2 * pad)  # noqa: E731
    sy = lambda v: h - pad - (v - y0) / (y1 - y0) * (h - 2 * pad)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">',
             f'<line x1="{pad}" y1="{h-pad}" x2="{w-pad}" y2="{h-pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h-pad}" stroke="black"/>',
             f'<text x="{w/2}" y="{h-10}" text-anchor="middle">instructions per inference '
             '(qemu-m4, emulated)</text>',
             f'<text x="12" y="{h/2}" transform="rotate(-90 12 {h/2})" text-anchor="middle">'
             'int8 accuracy %</text>']
    maxf = max(r["flash_bytes"] for r in rows)
    for r in rows:
        rad = 4 + 12 * r["flash_bytes"] / maxf
        parts.append(f'<circle cx="{sx(r["instructions"]):.1f}" cy="{sy(r["accuracy"]*100):.1f}" '
                     f'r="{rad:.1f}" fill="steelblue" fill-opacity="0.5"/>')
        parts.append(f'<text x="{sx(r["instructions"])+8:.1f}" y="{sy(r["accuracy"]*100)-6:.1f}" '
                     f'font-size="10">{html.escape(r["name"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--model")
    ap.add_argument("-o", "--out", default="bench/results/compress")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from tinydeploy.compress import Options, compress, dscnn, load_dataset
    from tinydeploy.compress.data import synthetic
    from tinydeploy.compress.train import fit

    t0 = time.monotonic()
    data = load_dataset(args.data) if args.data else synthetic(classes=8, train=2048, val=256,
                                                                test=512, noise=1.0)
    if args.model:
        import keras
        model = keras.models.load_model(args.model, compile=False)
    else:
        model = dscnn(data.x_train.shape[1:], data.classes, 64, 3)
        fit(model, data, 2 if args.quick else 8)
    ep = 1 if args.quick else args.epochs
    rows = []
    for name, kw in VARIANTS.items():
        opts = Options(epochs=0 if not kw or kw.get("distill_width") else ep,
                       distill_epochs=2 if args.quick else 10, **kw)
        res = compress(model, data, opts)
        with tempfile.TemporaryDirectory() as tmp:
            m = measure(res.tflite, Path(tmp))
        rows.append({"name": name, "options": kw, "accuracy": res.int8_accuracy,
                     "float_accuracy": res.float_accuracy, "steps": res.steps, **m})
        print(json.dumps(rows[-1]), file=sys.stderr)
    base = rows[0]
    for r in rows:
        r["accuracy_delta_points"] = round((r["accuracy"] - base["accuracy"]) * 100, 2)
        r["flash_ratio"] = round(base["flash_bytes"] / r["flash_bytes"], 2)
        r["weights_ratio"] = round(base["weights_bytes"] / r["weights_bytes"], 2)
        r["instructions_ratio"] = round(base["instructions"] / r["instructions"], 2)
        r["ram_ratio"] = round(base["ram_bytes"] / r["ram_bytes"], 2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"data": args.data or "synthetic (8 classes, 49x10x1, noise 1.0)",
            "model": args.model or "DS-CNN 64 channels, 3 blocks", "board": "qemu-m4",
            "fine_tune_epochs": ep, "seconds": round(time.monotonic() - t0, 1)}
    (out / "compress.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    head = ("| variant | int8 acc | Δ pts | flash B | ×smaller | weights B | ×smaller | RAM B | "
            "instructions | ×fewer | bit-exact |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['name']} | {r['accuracy']:.2%} | {r['accuracy_delta_points']:+.1f} | "
        f"{r['flash_bytes']:,} | {r['flash_ratio']} | {r['weights_bytes']:,} | "
        f"{r['weights_ratio']} | {r['ram_bytes']:,} | {r['instructions']:,.0f} | "
        f"{r['instructions_ratio']} | {r['exact_match_rate']:.0%} |\n" for r in rows)
    md = (f"# Compression on qemu-m4\n\n{meta['model']}, data: {meta['data']}, "
          f"{ep} fine-tuning epochs. Instructions are QEMU -icount (emulated).\n\n" + head + body)
    (out / "compress.md").write_text(md)
    table = "".join(f"<tr>{''.join(f'<td>{html.escape(str(c))}</td>' for c in line.strip('|').split('|'))}</tr>"
                    for line in body.strip().splitlines())
    (out / "report.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>tinydeploy compression</title>"
        "<style>td{padding:2px 8px;border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>Compression on qemu-m4</h1><p>{html.escape(meta['model'])}; {html.escape(meta['data'])}"
        "; circle size = flash.</p>" + svg(rows) +
        "<table><tr>" + "".join(f"<th>{c.strip()}</th>" for c in head.splitlines()[0].strip("|").split("|"))
        + "</tr>" + table + "</table></body></html>\n")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
