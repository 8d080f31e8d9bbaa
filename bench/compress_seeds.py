"""Seed study of bench/compress.py variants: per-seed accuracy, mean and spread on the
validation and test splits, written as seeds.json + seeds.md beside compress.json.

Seed 0 is the committed run (OUT/compress.json); the other seeds, and optionally a rerun
of seed 0 (run-to-run noise, kept out of the means), are output folders of

    python bench/compress.py ... --only "VARIANT,..." --seed S -o DIR

Usage: python bench/compress_seeds.py --out bench/results/compress/kws \
           --run 1:DIR1[,DIR1b] --run 2:DIR2 [--rerun DIR0] [--variants "structured 50%,..."]
(several folders for one seed: runs with different --only lists; each has the same
baseline, which is checked)
"""

from __future__ import annotations

import argparse
import json
import statistics as st
from pathlib import Path

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--out", type=Path, default=Path("bench/results/compress/kws"))
ap.add_argument("--run", action="append", default=[], help="SEED:DIR[,DIR...] of bench/compress.py runs with that seed")
ap.add_argument("--rerun", type=Path, help="a second run of seed 0 (noise check, not in means)")
ap.add_argument(
    "--variants", default="structured 50%,structured 45% + distillation,structured 45% + distillation then 4-bit QAT"
)
ap.add_argument("--epochs", type=int, default=20)
ap.add_argument(
    "--goal",
    choices=("structured", "model"),
    default="structured",
    help="the goal the study is about: issue 9's (>= 2x fewer instructions) or issue 21's "
    "(model data >= 3x smaller); both within 1 point by the mean on both splits",
)
args = ap.parse_args()

KWS = args.out
VARS = [v.strip() for v in args.variants.split(",")]
committed = json.loads((KWS / "compress.json").read_text())
seed_runs = [(0, "committed compress.json", committed)]


def _merged(dirs: list[str]) -> dict:
    """One seed's rows from one or more bench/compress.py runs (--only lists), first wins."""
    runs = [json.loads((Path(d) / "compress.json").read_text()) for d in dirs]
    out = {"meta": runs[0]["meta"], "rows": list(runs[0]["rows"])}
    base0 = runs[0]["rows"][0]
    for extra in runs[1:]:
        b = extra["rows"][0]
        for k in ("accuracy", "val_accuracy", "instructions", "flash_bytes"):
            assert b[k] == base0[k], (dirs, k, b[k], base0[k])
        names = {r["name"] for r in out["rows"]}
        out["rows"] += [r for r in extra["rows"] if r["name"] not in names]
    return out


for spec in args.run:
    s, _, d = spec.partition(":")
    seed_runs.append((int(s), f"bench/compress.py ... --seed {s}", _merged(d.split(","))))
rerun = json.loads((args.rerun / "compress.json").read_text()) if args.rerun else None

by = lambda d: {r["name"]: r for r in d["rows"]}
NT, NV = committed["meta"]["eval_samples"], committed["meta"]["val_samples"]
base = by(committed)["int8 (baseline)"]

# the baseline is not retrained (epochs 0: batch-norm fold + int8 conversion only)
for _, _, d in seed_runs + ([(0, "", rerun)] if rerun else []):
    b = by(d)["int8 (baseline)"]
    for k in ("accuracy", "val_accuracy", "instructions", "flash_bytes", "weights_bytes", "ram_bytes"):
        assert b[k] == base[k], (k, b[k], base[k])


def rec(seed, src, r):
    return {
        "seed": seed,
        "source": src,
        "test_accuracy": r["accuracy"],
        "test_correct": round(r["accuracy"] * NT),
        "test_delta_points": r["accuracy_delta_points"],
        "val_accuracy": r["val_accuracy"],
        "val_correct": round(r["val_accuracy"] * NV),
        "val_delta_points": r["val_delta_points"],
        "instructions": r["instructions"],
        "instructions_ratio": r["instructions_ratio"],
        "flash_bytes": r["flash_bytes"],
        "flash_ratio": r["flash_ratio"],
        "weights_bytes": r["weights_bytes"],
        "ram_bytes": r["ram_bytes"],
        "model_bytes": r.get("model_bytes"),
        "model_ratio": r.get("model_ratio"),
        "exact_match_rate": r["exact_match_rate"],
        "steps": r["steps"],
        "compress_seconds": r["compress_seconds"],
    }


def summ(v):
    return {
        "mean": round(st.mean(v), 2),
        "min": round(min(v), 2),
        "max": round(max(v), 2),
        "stdev": round(st.stdev(v), 2),
        "n": len(v),
    }


variants = {}
for v in VARS:
    per = [rec(s, src, by(d)[v]) for s, src, d in seed_runs]
    rr = rec(0, "bench/compress.py ... --seed 0 (rerun of the committed setting)", by(rerun)[v]) if rerun else None
    allr = per + ([rr] if rr else [])
    variants[v] = {
        "options": by(committed)[v]["options"],
        "seeds": per,
        "seed0_rerun": rr,
        "test_delta_points": summ([p["test_delta_points"] for p in per]),
        "val_delta_points": summ([p["val_delta_points"] for p in per]),
        "test_accuracy_mean": round(st.mean(p["test_accuracy"] for p in per), 4),
        "val_accuracy_mean": round(st.mean(p["val_accuracy"] for p in per), 4),
        "with_rerun": {
            "test_delta_points": summ([p["test_delta_points"] for p in allr]),
            "val_delta_points": summ([p["val_delta_points"] for p in allr]),
        }
        if rr
        else None,
        "instructions_range": [min(p["instructions"] for p in allr), max(p["instructions"] for p in allr)],
        "instructions_ratio": sorted({p["instructions_ratio"] for p in allr}),
        "flash_bytes": sorted({p["flash_bytes"] for p in allr}),
        "weights_bytes": sorted({p["weights_bytes"] for p in allr}),
        "model_ratio": sorted({p["model_ratio"] for p in allr if p["model_ratio"]}),
        "within_1_point": {
            "test": st.mean(p["test_delta_points"] for p in per) >= -1.0,
            "val": st.mean(p["val_delta_points"] for p in per) >= -1.0,
        },
    }
    variants[v]["within_1_point"]["both"] = all(variants[v]["within_1_point"].values())
    variants[v]["goal_met"] = variants[v]["within_1_point"]["both"] and min(variants[v]["instructions_ratio"]) >= 2.0
    mr = variants[v]["model_ratio"]
    variants[v]["model_goal_met"] = bool(mr) and variants[v]["within_1_point"]["both"] and min(mr) >= 3.0

DATA = Path(committed["meta"]["data"]).name
CMD = (
    f"python bench/compress.py --data {DATA} --model examples/keyword_spotting/out/kws.keras "
    f'--epochs {args.epochs} --kernels reference --only "{",".join(VARS)}" '
    "--seed S -o <dir>"
)
meta = {
    "board": "qemu-m4",
    "model": committed["meta"]["model"],
    "data": f"{committed['meta']['data']} (the file of the committed run)",
    "fine_tune_epochs": args.epochs,
    "kernels": "reference",
    "seeds": [s for s, _, _ in seed_runs],
    "command": CMD,
    "seed_0": "the committed run in compress.json (same code and options; --seed 0 is the default)",
    "seed_controls": "the fine-tuning batch order (numpy permutation per epoch). The model's Dropout(0.2) "
    "has no seed and TensorFlow/oneDNN float reductions are not deterministic, so a run is "
    "not bit-reproducible: seed0_rerun is the same command as seed 0 run again",
    "test_samples": NT,
    "val_samples": NV,
    "baseline": {
        "note": "not retrained (0 epochs: batch-norm fold + int8 conversion); identical in "
        f"all {len(seed_runs) + (1 if rerun else 0)} runs",
        "test_accuracy": base["accuracy"],
        "test_correct": round(base["accuracy"] * NT),
        "val_accuracy": base["val_accuracy"],
        "val_correct": round(base["val_accuracy"] * NV),
        "instructions": base["instructions"],
        "flash_bytes": base["flash_bytes"],
        "weights_bytes": base["weights_bytes"],
        "ram_bytes": base["ram_bytes"],
    },
    "goal": (
        "structured pruning: >= 2x fewer instructions per inference on qemu-m4"
        if args.goal == "structured"
        else "model data (weights + per-channel requantization parameters) >= 3x smaller than the int8 baseline's"
    )
    + ", mean accuracy within 1 point of the int8 baseline on the validation split AND on the "
    f"test split (mean over seeds {', '.join(str(s) for s, _, _ in seed_runs)})",
    "channel_selection": "as each variant's steps say (ranked by activation: a channel's mean "
    "|value| at the next layer's input times that layer's weights on it, on "
    "1,024 training clips drawn with the seed); 64 -> 32 channels at 50%, "
    "64 -> 36 at 45%",
}

SEEDS = ", ".join(str(s) for s, _, _ in seed_runs)
SPREAD = max(e["instructions_range"][1] - e["instructions_range"][0] for e in variants.values())


# ---------- markdown
def pct(x):
    return f"{x:.2%}"


GOAL_TEXT = {
    "structured": (
        "structured pruning",
        "Issue 9's structured-pruning goal: >= 2x fewer instructions per inference within 1 point of the int8 baseline.",
    ),
    "model": (
        "model data",
        "Issue 21's goal: model data (weights + per-channel requantization parameters) >= 3x "
        "smaller than the int8 baseline's within 1 point on both splits (mean over the seeds).",
    ),
}[args.goal]
lines = [
    f"# Seed study: {GOAL_TEXT[0]} on qemu-m4 (KWS)",
    "",
    f"{GOAL_TEXT[1]} The candidates of [compress.md](compress.md), each fine-tuned with "
    f"seeds {SEEDS}; everything else as in that run: {committed['meta']['model']}, the same "
    f"data file, {args.epochs} fine-tuning epochs, kernels='reference'. Seed 0 "
    f"is the committed run of compress.json; the other seeds come from",
    "",
    "    " + CMD,
    "",
    f"(S = {', '.join(str(s) for s, _, _ in seed_runs[1:])}). Test split: {NT} clips (1 clip = {100 / NT:.2f} pts); validation split: {NV} clips "
    f"(1 clip = {100 / NV:.2f} pts). The baseline is not retrained (0 epochs: batch-norm fold and int8 "
    f"conversion) and was identical in every run: {pct(base['accuracy'])} test "
    f"({round(base['accuracy'] * NT)}/{NT}), {pct(base['val_accuracy'])} val "
    f"({round(base['val_accuracy'] * NV)}/{NV}), {base['instructions']:,.0f} instructions, "
    f"{base['flash_bytes']:,} B flash.",
    "",
    "The seed sets the fine-tuning batch order and the clips the channels are ranked on. The "
    "model's Dropout(0.2) is unseeded and TensorFlow's float reductions are not deterministic, "
    "so runs are not bit-reproducible"
    + (
        ': the "seed 0 rerun" row is the committed seed-0 setting run again, shown for the '
        "run-to-run noise and not in the means. "
        if rerun
        else ". "
    )
    + "Channels are ranked by their activation on 1,024 training clips drawn with the seed. The "
    f"instruction count moves by up to {SPREAD:,.0f} between runs (the trained weights differ), "
    "which does not change the ratio. Mean and spread are over the seeds; spread = min..max and "
    "sample stdev. Model = weights + per-channel requantization parameters (bench/compress.py).",
    "",
]
head = (
    "| seed | test acc | test Δ pts | val acc | val Δ pts | instructions | ×fewer | flash B | model B | model ×smaller | weights B | RAM B | bit-exact |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)
for v, e in variants.items():
    lines += [f"## {v}", "", f"Options: `{json.dumps(e['options'])}`.", "", head]
    for p in e["seeds"] + ([e["seed0_rerun"]] if e["seed0_rerun"] else []):
        tag = str(p["seed"]) + (" (committed)" if p["source"].startswith("committed") else "")
        if p is e["seed0_rerun"]:
            tag = "0 rerun (not in mean)"
        lines.append(
            f"| {tag} | {pct(p['test_accuracy'])} ({p['test_correct']}/{NT}) | {p['test_delta_points']:+.2f} | "
            f"{pct(p['val_accuracy'])} ({p['val_correct']}/{NV}) | {p['val_delta_points']:+.2f} | "
            f"{p['instructions']:,.0f} | {p['instructions_ratio']} | {p['flash_bytes']:,} | "
            f"{p['model_bytes']:,} | {p['model_ratio']} | "
            f"{p['weights_bytes']:,} | {p['ram_bytes']:,} | {p['exact_match_rate']:.0%} |"
        )
    t, vv = e["test_delta_points"], e["val_delta_points"]
    lines.append(
        f"| **mean (seeds {SEEDS})** | {pct(e['test_accuracy_mean'])} | **{t['mean']:+.2f}** | "
        f"{pct(e['val_accuracy_mean'])} | **{vv['mean']:+.2f}** | | {'/'.join(map(str, e['instructions_ratio']))} | "
        f"{'/'.join(f'{x:,}' for x in e['flash_bytes'])} | | {'/'.join(map(str, e['model_ratio']))} | | | |"
    )
    lines.append(
        f"| spread (min..max, stdev) | | {t['min']:+.2f}..{t['max']:+.2f}, {t['stdev']:.2f} | | "
        f"{vv['min']:+.2f}..{vv['max']:+.2f}, {vv['stdev']:.2f} | "
        f"{e['instructions_range'][0]:,.0f}..{e['instructions_range'][1]:,.0f} | | | | | | | |"
    )
    w = e["with_rerun"]
    lines += [
        "",
        f"Within 1 point (mean): test {'yes' if e['within_1_point']['test'] else 'no'}, "
        f"validation {'yes' if e['within_1_point']['val'] else 'no'}."
        + (
            f" With the seed-0 rerun as a fourth run: {w['test_delta_points']['mean']:+.2f} "
            f"test, {w['val_delta_points']['mean']:+.2f} val."
            if w
            else ""
        ),
        "",
    ]


def _verdict(name: str, e: dict) -> str:
    t, v = e["test_delta_points"], e["val_delta_points"]
    size = f"model data {'/'.join(map(str, e['model_ratio']))}x smaller, " if args.goal == "model" else ""
    return (
        f"{name} ({size}{'/'.join(map(str, e['instructions_ratio']))}x fewer instructions, "
        f"{'/'.join(f'{x:,}' for x in e['flash_bytes'])} B flash): mean {t['mean']:+.2f} pts on "
        f"test ({t['min']:+.2f}..{t['max']:+.2f}, stdev {t['stdev']:.2f}) and {v['mean']:+.2f} on "
        f"validation ({v['min']:+.2f}..{v['max']:+.2f}, stdev {v['stdev']:.2f}): within 1 point on "
        f"test {'yes' if e['within_1_point']['test'] else 'no'}, on validation "
        f"{'yes' if e['within_1_point']['val'] else 'no'}."
    )


met = [v for v, e in variants.items() if e["goal_met"]]
model_met = [v for v, e in variants.items() if e["model_goal_met"]]
model_lead = (
    f"**The model-data goal is met** by {', '.join(model_met)}."
    if model_met
    else "**The model-data goal is not met**: no candidate's mean over the seeds is within 1 point "
    "on validation and on test with model data 3x smaller."
)
concl = (
    model_lead + " " + " ".join(_verdict(v, e) for v, e in variants.items())
    if args.goal == "model"
    else (
        f"**The structured-pruning goal is met** by {', '.join(met)}."
        if met
        else "**The structured-pruning goal is not met**: no candidate's mean over the seeds is "
        "within 1 point on validation and on test with 2x fewer instructions."
    )
    + " "
    + (
        f"Model data (weights + requantization parameters) >= 3x smaller within 1 point on "
        f"both splits: {', '.join(model_met)}. "
        if model_met
        else ""
    )
    + " ".join(_verdict(v, e) for v, e in variants.items())
)
lines += ["## Conclusion", "", concl, ""]
(KWS / "seeds.md").write_text("\n".join(lines))
runs_raw = {
    f"seed {s}": {
        "source": src,
        "meta": d["meta"],
        "rows": [r for r in d["rows"] if r["name"] in ["int8 (baseline)"] + VARS],
    }
    for s, src, d in seed_runs[1:]
}
if rerun:
    runs_raw["seed 0 rerun"] = {
        "source": "rerun of the committed setting",
        "meta": rerun["meta"],
        "rows": [r for r in rerun["rows"] if r["name"] in ["int8 (baseline)"] + VARS],
    }
(KWS / "seeds.json").write_text(
    json.dumps({"meta": meta, "variants": variants, "conclusion": concl, "runs": runs_raw}, indent=2) + "\n"
)
print(f"wrote {KWS / 'seeds.json'} and {KWS / 'seeds.md'}")
