"""`tinydeploy search`: parse, run the study, write the report and the front's models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

console = Console(highlight=False)


def _ints(text: str, setting: str) -> tuple[int, ...]:
    from tinydeploy.compress.errors import CompressSettingError

    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise CompressSettingError(
            f"{text!r} is not a comma-separated list of positive integers (e.g. 16,32,64)", setting=setting
        )
    return values


def summary(res: Any, files: dict[int, str], tolerance: float, budget: dict[str, Any]) -> dict[str, Any]:
    rows = {t.number: dict(t.row(), file=files.get(t.number)) for t in res.trials}
    return {
        "study": res.study,
        "study_name": res.study_name,
        "board": res.board,
        "tolerance": tolerance,
        "budget": budget,
        "pareto": [rows[t.number] for t in res.pareto],
        "chosen": rows[res.chosen.number] if res.chosen else None,
        "trials": [rows[n] for n in sorted(rows)],
        "pruned": res.pruned,
        "failed": res.failed,
        "seconds": res.seconds,
        "artifacts": str(res.artifacts),
    }


def search_cmd(
    data: Path = typer.Option(
        ...,
        "--data",
        help=".npz with x_train, y_train, x_val, y_val (x_test, y_test optional: reported apart, never searched on).",
    ),
    out: Path = typer.Option(
        ..., "-o", "--out", help="Output folder: search.json/.md, report.html and one .tflite per Pareto-front model."
    ),
    board: str = typer.Option("qemu-m4", "--board", "-b", help="Emulated board every candidate is measured on."),
    study: str = typer.Option(
        "sqlite:///search.db",
        "--study",
        help="Optuna storage URL; the same URL resumes the study, and "
        "workers on several machines share a database server URL.",
    ),
    study_name: str = typer.Option(
        "tinydeploy-search", "--study-name", help="Name of the study in the storage (several fit in one)."
    ),
    artifacts: Path = typer.Option(
        None,
        "--artifacts",
        help="Folder for the trials' models (default: beside an SQLite study file; needed for a server URL).",
    ),
    trials: int = typer.Option(
        20, "--trials", help="Finished trials the study should hold (over all workers and runs)."
    ),
    time_limit: float = typer.Option(None, "--time-limit", help="Seconds this worker may run."),
    families: str = typer.Option(
        "dscnn,mobilenet,conv1d,mlp", "--families", help="Model families to search (those fitting the input)."
    ),
    widths: str = typer.Option("8,16,32,64", "--widths", help="Channel / unit counts."),
    depths: str = typer.Option("1,2,3,4", "--depths", help="Block / layer counts."),
    kernel_sizes: str = typer.Option("3,5", "--kernel-sizes", help="Kernel sizes."),
    bits: str = typer.Option("8,4", "--bits", help="Weight precisions: 8 and/or 4 (packed)."),
    strides: str = typer.Option(
        "2", "--strides", help="Strides of the first layer, per axis (fewer positions for every later layer)."
    ),
    budget_flash: int = typer.Option(None, "--budget-flash", help="Firmware flash limit, bytes."),
    budget_ram: int = typer.Option(None, "--budget-ram", help="RAM limit (static + stack), bytes."),
    budget_instructions: float = typer.Option(
        None,
        "--budget-instructions",
        help="Instructions per inference limit (candidates are run untrained first: over it, they are not trained).",
    ),
    epochs: int = typer.Option(3, "--epochs", help="Training epochs per candidate."),
    lr: float = typer.Option(3e-3, "--lr", help="Learning rate (cosine decay from it)."),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe or nsga2."),
    objective: str = typer.Option(
        "pareto",
        "--objective",
        help="pareto: accuracy up, instructions and flash down; accuracy: the most accurate within the budgets.",
    ),
    tolerance: float = typer.Option(
        1.0, "--tolerance", help="Accuracy points the chosen model may lose against the front's best."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampler and the training."),
    force: bool = typer.Option(False, "--force", help="Replace files a previous run wrote."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Hardware-aware search: each candidate is trained, quantized and measured on the
    board (flash, RAM, instructions); the study persists and resumes."""
    from tinydeploy.compress import load_dataset
    from tinydeploy.compress.errors import CompressSettingError
    from tinydeploy.outdir import check_output_dir, staged_output_dir
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.report.html import write_html
    from tinydeploy.report.search import search_html, search_markdown
    from tinydeploy.search import Budget, fetch_model, search

    if trials < 1 or epochs < 1 or (time_limit is not None and time_limit <= 0):
        raise CompressSettingError(
            "--trials and --epochs must be >= 1, --time-limit > 0", setting="--trials/--epochs/--time-limit"
        )
    for value, name in (
        (budget_flash, "--budget-flash"),
        (budget_ram, "--budget-ram"),
        (budget_instructions, "--budget-instructions"),
    ):
        if value is not None and value <= 0:
            raise CompressSettingError(f"{value}; a budget must be > 0", setting=name)
    target = resolve_board(board)
    ds = load_dataset(data)
    check_output_dir(out, force, (data,))
    fams = tuple(f.strip() for f in families.split(",") if f.strip())
    budget = Budget(budget_flash, budget_ram, budget_instructions)
    res = search(
        ds,
        target,
        budget=budget,
        study=study,
        study_name=study_name,
        artifacts=artifacts,
        trials=trials,
        time_limit=time_limit,
        families=fams,
        widths=_ints(widths, "--widths"),
        depths=_ints(depths, "--depths"),
        kernels=_ints(kernel_sizes, "--kernel-sizes"),
        bits=_ints(bits, "--bits"),
        strides=_ints(strides, "--strides"),
        epochs=epochs,
        lr=lr,
        seed=seed,
        sampler=sampler,
        objectives=objective,
        tolerance=tolerance,
        progress=lambda m: None if as_json else console.print(f"[dim]{m}[/]"),
    )
    files = {t.number: f"trial{t.number}_{t.arch.name}.tflite" for t in res.pareto}
    report = summary(
        res,
        files,
        tolerance,
        {"flash_bytes": budget_flash, "ram_bytes": budget_ram, "instructions": budget_instructions},
    )
    with staged_output_dir(out, force) as staging:
        for t in res.pareto:
            fetch_model(res, t, staging / files[t.number])
        (staging / "search.json").write_text(json.dumps(report, indent=2) + "\n")
        (staging / "search.md").write_text(search_markdown(report))
        write_html(staging / "report.html", search_html(report))
    if as_json:
        typer.echo(json.dumps(report))
        return
    console.print(
        f"{len(res.trials)} trials completed, {res.pruned} over budget, "
        f"{res.failed} failed, {res.seconds} s; Pareto front on {res.board} "
        "(measured):"
    )
    for t in res.pareto:
        mark = " <- chosen" if res.chosen and t.number == res.chosen.number else ""
        console.print(
            f"  {t.arch.name}: {t.val_accuracy:.2%} val, "
            f"{t.cost.instructions:,.0f} instructions, {t.cost.flash_bytes:,} B flash, "
            f"{t.cost.ram_bytes:,} B RAM -> {out / files[t.number]}{mark}"
        )


def register(app: typer.Typer) -> None:
    app.command("search")(search_cmd)
