"""Hardware-aware search on the keyword-spotting example against its hand-made DS-CNN.

Measures the example's model (int8, flashed to the board: instructions, flash, RAM,
validation and test accuracy), runs `tinydeploy search` for --time-limit seconds with
every candidate measured on the same board, and writes search_kws.json/.md: the Pareto
front, the chosen model and where both sit against the hand-made one.

With --budget-ratio R the search runs under an instruction budget of the hand-made
model's count / R (the goal's 2x by default): each candidate runs untrained on the
board first and is trained only when it fits, so training goes to candidates that can
meet the goal, and the sampler maximises accuracy among them.

    .venv/bin/python examples/keyword_spotting/train.py --export-npz kws.npz --heldout-reps 8
    .venv/bin/python bench/search_kws.py --data kws.npz \
        --model examples/keyword_spotting/out/kws.keras -o bench/results/search
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--model", type=Path, required=True, help="the hand-made Keras model")
    p.add_argument("--board", default="qemu-m4")
    p.add_argument("--time-limit", type=float, default=1800.0)
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--epochs", type=int, default=20, help="per candidate (the hand-made model had 30)")
    p.add_argument("--budget-ratio", type=float, default=2.0, help="0: no instruction budget")
    p.add_argument("--families", default="dscnn", help="comma-separated (mobilenet: over 1.5M untrained)")
    p.add_argument("--widths", default="24,32,40,48,64")
    p.add_argument("--depths", default="2,3,4")
    p.add_argument("--kernel-sizes", default="3", help="5x5 depthwise costs ~2x the 3x3 per MAC")
    p.add_argument("--bits", default="8", help="4-bit weights save flash, not instructions")
    p.add_argument("--strides", default="2,3,4")
    p.add_argument("--study", default=None, help="default: sqlite:///OUT/search_kws.db")
    p.add_argument("-o", "--out", type=Path, default=Path("bench/results/search"))
    args = p.parse_args()

    def ints(text: str) -> tuple[int, ...]:
        return tuple(int(v) for v in text.split(","))

    import keras

    from tinydeploy.compress import int8_accuracy, load_dataset
    from tinydeploy.compress.tflite import to_int8
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.search import Budget, search
    from tinydeploy.search.measure import measure

    args.out.mkdir(parents=True, exist_ok=True)
    data = load_dataset(args.data)
    board = resolve_board(args.board)
    hand = keras.models.load_model(args.model, compile=False)
    raw = to_int8(hand, data.x_train)
    cost = measure(raw, board, check=5)
    baseline = {
        "name": hand.name,
        "val_accuracy": round(int8_accuracy(raw, data.x_val, data.y_val), 4),
        "test_accuracy": round(int8_accuracy(raw, data.x_test, data.y_test), 4),
        **vars(cost),
    }
    print("hand-made:", baseline, flush=True)
    limit = baseline["instructions"] / args.budget_ratio if args.budget_ratio else None
    t0 = time.monotonic()
    res = search(
        data,
        board,
        budget=Budget(instructions=limit),
        # under a budget, the most accurate model that fits it; without one, the front
        objectives="accuracy" if limit else "pareto",
        study=args.study or f"sqlite:///{args.out / 'search_kws.db'}",
        study_name="kws",
        trials=args.trials,
        time_limit=args.time_limit,
        families=tuple(args.families.split(",")),
        widths=ints(args.widths),
        depths=ints(args.depths),
        kernels=ints(args.kernel_sizes),
        bits=ints(args.bits),
        strides=ints(args.strides),
        epochs=args.epochs,
        check=3,
        progress=lambda m: print(m, flush=True),
    )
    wall = round(time.monotonic() - t0, 1)

    def against(row: dict) -> dict:
        return dict(
            row,
            instructions_ratio=round(baseline["instructions"] / row["instructions"], 2),
            flash_ratio=round(baseline["flash_bytes"] / row["flash_bytes"], 2),
            val_points=round(100 * (row["val_accuracy"] - baseline["val_accuracy"]), 2),
            test_points=round(100 * (row["test_accuracy"] - baseline["test_accuracy"]), 2),
        )

    trials = [against(t.row()) for t in res.trials]
    front = [against(t.row()) for t in res.pareto]
    # the goal: >= 2x fewer instructions within 1 point of the hand-made model (validation)
    goal = [t for t in front if t["instructions_ratio"] >= 2.0 and t["val_points"] >= -1.0]
    best = max(goal, key=lambda t: (t["instructions_ratio"], t["val_accuracy"])) if goal else None
    result = {
        "board": args.board,
        "seconds": wall,
        "time_limit": args.time_limit,
        "epochs": args.epochs,
        "budget_instructions": limit,
        "objective": "accuracy" if limit else "pareto",
        "space": {k: getattr(args, k) for k in ("families", "widths", "depths", "kernel_sizes", "bits", "strides")},
        "baseline": baseline,
        "pareto": front,
        "trials": trials,
        "goal_met": bool(goal),
        "best_for_goal": best,
        "pruned": res.pruned,
        "failed": res.failed,
    }
    (args.out / "search_kws.json").write_text(json.dumps(result, indent=2) + "\n")
    cols = [
        "trial",
        "name",
        "val_accuracy",
        "test_accuracy",
        "instructions",
        "instructions_ratio",
        "flash_bytes",
        "flash_ratio",
        "ram_bytes",
        "val_points",
    ]
    lines = [
        f"# Search on keyword spotting, {args.board}, {wall:.0f} s, {len(trials)} trials completed",
        "",
        f"Hand-made DS-CNN `{baseline['name']}`: val {baseline['val_accuracy']:.2%}, test "
        f"{baseline['test_accuracy']:.2%}, {baseline['instructions']:,.0f} instructions, "
        f"{baseline['flash_bytes']:,} B flash, {baseline['ram_bytes']:,} B RAM.",
        "",
        "Every cost measured on the board; ratios are the hand-made model's figure over "
        "the candidate's (2.0 = half the instructions).",
        "",
        f"Space: {result['space']}; {args.epochs} epochs per candidate; objective {result['objective']}.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for t in front:
        lines.append("| " + " | ".join(str(t[c]) for c in cols) + " |")
    lines += [
        "",
        f"{res.pruned} candidates ran untrained over the instruction budget "
        f"({'none' if limit is None else f'{limit:,.0f}'}) and were not trained; {res.failed} failed.",
        "",
        f"Goal (>= 2x fewer instructions within 1 point, validation): "
        f"{'met by ' + best['name'] if best else 'not met'}.",
    ]
    (args.out / "search_kws.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
