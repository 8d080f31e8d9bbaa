"""`tinydeploy compress`: parse, call the compress stage, print."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False)


def compress_cmd(
    model: Path = typer.Argument(..., help="A Keras .keras/.h5 model (float)."),
    data: Path = typer.Option(..., "--data", help=".npz with x_train, y_train, x_val, y_val "
                              "(x_test, y_test optional: accuracy is reported on them)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder: compressed.keras, "
                             "model.tflite, compress.json."),
    prune: float = typer.Option(None, "--prune", help="Magnitude pruning to this sparsity (0..1)."),
    prune_min_weights: int = typer.Option(1024, "--prune-min-weights",
                                          help="Only prune kernels with this many weights."),
    prune_skip: str = typer.Option("", "--prune-skip",
                                   help="Never prune these layers (comma-separated): first, "
                                        "last, depthwise, dense, conv or layer names."),
    structured: float = typer.Option(None, "--structured",
                                     help="Remove this fraction of conv channels (0..1)."),
    structured_by: str = typer.Option("activation", "--structured-by",
                                      help="Which channels go first: activation (smallest "
                                           "contribution to the next layer on the training "
                                           "data) or l1 (smallest kernel L1 norm)."),
    structured_steps: int = typer.Option(1, "--structured-steps",
                                         help="Remove the channels in this many steps, "
                                              "ranking them again after epochs/steps of "
                                              "fine-tuning in between."),
    clusters: int = typer.Option(None, "--clusters", help="Weight sharing: values per layer."),
    bits: int = typer.Option(None, "--bits", help="8 (int8 QAT) or 4 (packed 4-bit weights)."),
    bits_skip: str = typer.Option("", "--bits-skip",
                                  help="With --bits 4: keep these layers at 8 bits (same "
                                       "names as --prune-skip)."),
    distill_width: float = typer.Option(None, "--distill-width",
                                        help="Distill into a DS-CNN student of this width "
                                             "relative to the model (0..1]."),
    student: Path = typer.Option(None, "--student", help="Distill into this Keras model."),
    distill: bool = typer.Option(False, "--distill",
                                 help="Fine-tune against the original model as teacher "
                                      "(temperature-softened loss)."),
    temperature: float = typer.Option(4.0, "--temperature", help="Distillation: softening "
                                      "temperature of both models' outputs."),
    alpha: float = typer.Option(0.3, "--alpha", help="Distillation: weight of the labels' "
                                "loss (the teacher's gets 1 - alpha)."),
    epochs: int = typer.Option(4, "--epochs", help="Fine-tuning epochs (0: post-training)."),
    lr: float = typer.Option(5e-4, "--lr", help="Fine-tuning learning rate (cosine decay "
                             "from it)."),
    distill_epochs: int = typer.Option(8, "--distill-epochs", help="Epochs of training the "
                                       "student (--distill-width / --student)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Compress a Keras model (pruning, structured pruning, weight sharing, 4-bit, QAT,
    distillation) and write an int8 .tflite that `tinydeploy flash` stores packed."""
    import tinydeploy

    result = tinydeploy.compress(
        model, data, out_dir=out, force=force,
        progress=lambda m: None if as_json else console.print(f"[dim]{m}[/]"),
        student=student, prune=prune, prune_min_weights=prune_min_weights,
        prune_skip=prune_skip, structured=structured, structured_by=structured_by,
        structured_steps=structured_steps, clusters=clusters, bits=bits, bits_skip=bits_skip,
        distill_width=distill_width, distill=distill, temperature=temperature, alpha=alpha,
        epochs=epochs, lr=lr, distill_epochs=distill_epochs)
    dest = out
    if as_json:
        typer.echo(result.to_json())
        return
    console.print(f"{'; '.join(result.steps) or 'int8 only'}")
    console.print(f"accuracy float {result.float_accuracy:.2%}, int8 (TFLite Micro) "
                  f"{result.int8_accuracy:.2%}  -> {dest / 'model.tflite'} "
                  f"({len(result.tflite):,} bytes); next: tinydeploy flash {dest / 'model.tflite'}")


def _ints(text: str, setting: str) -> tuple[int, ...]:
    from tinydeploy.compress.errors import CompressSettingError

    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise CompressSettingError(f"{text!r} is not a comma-separated list of positive "
                                   "integers (e.g. 16,32,64)", setting=setting)
    return values


def search_cmd(
    data: Path = typer.Option(..., "--data", help=".npz with x_train, y_train, x_val, y_val."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder: search.json and one "
                             ".keras per Pareto-front model."),
    budget_flash: int = typer.Option(..., "--budget-flash",
                                     help="Flash limit in bytes (weights + parameters)."),
    budget_ram: int = typer.Option(..., "--budget-ram", help="RAM limit in bytes (arena)."),
    budget_instructions: float = typer.Option(None, "--budget-instructions",
                                              help="Instructions per inference (estimated)."),
    time_limit: float = typer.Option(300.0, "--time-limit", help="Seconds for the search."),
    widths: str = typer.Option("16,32,64", "--widths", help="Channel counts to try."),
    depths: str = typer.Option("1,2,3,4", "--depths", help="Separable block counts to try."),
    kernel_sizes: str = typer.Option("3,5", "--kernel-sizes", help="Depthwise kernel sizes."),
    epochs: int = typer.Option(3, "--epochs", help="Training epochs per candidate."),
    seed: int = typer.Option(0, "--seed", help="Seed of the weight initialisation and the "
                             "data order."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Architecture search over the DS-CNN family (width, depth, kernel size) under flash,
    RAM and instruction budgets; writes the Pareto front (accuracy vs cost)."""
    from tinydeploy.compress import load_dataset
    from tinydeploy.compress.errors import CompressSettingError
    from tinydeploy.compress.search import Budget, search
    from tinydeploy.outdir import check_output_dir, staged_output_dir

    grid = (_ints(widths, "--widths"), _ints(depths, "--depths"),
            _ints(kernel_sizes, "--kernel-sizes"))
    if budget_flash <= 0 or budget_ram <= 0 or time_limit <= 0 or epochs < 1:
        raise CompressSettingError("budgets and --time-limit must be > 0, --epochs >= 1",
                                   setting="--budget-flash/--budget-ram/--time-limit/--epochs")
    ds = load_dataset(data)
    check_output_dir(out, force, (data,))
    res = search(ds, Budget(budget_flash, budget_ram, budget_instructions, time_limit),
                 *grid, epochs=epochs, seed=seed,
                 progress=lambda m: None if as_json else console.print(f"[dim]{m}[/]"))
    dest = out
    files = [f"dscnn_w{c.width}_d{c.depth}_k{c.kernel}.keras" for c in res.pareto]
    summary = {"pareto": [dict(c.row(), file=f) for c, f in zip(res.pareto, files)],
               "evaluated": [c.row() for c in res.evaluated], "skipped": res.skipped,
               "seconds": res.seconds, "out_dir": str(dest),
               "budget": {"flash_bytes": budget_flash, "ram_bytes": budget_ram,
                          "instructions": budget_instructions, "seconds": time_limit}}
    with staged_output_dir(out, force) as staging:
        for c, name in zip(res.pareto, files):
            c.model.save(staging / name)
        (staging / "search.json").write_text(json.dumps(summary, indent=2) + "\n")
    if as_json:
        typer.echo(json.dumps(summary))
        return
    console.print(f"{len(res.evaluated)} trained, {res.skipped} over budget, {res.seconds} s; "
                  "Pareto front (validation accuracy):")
    for c, f in zip(res.pareto, files):
        console.print(f"  width {c.width} depth {c.depth} kernel {c.kernel}: {c.accuracy:.2%}, "
                      f"{c.flash_bytes:,} B flash, {c.ram_bytes:,} B RAM, "
                      f"~{c.instructions:,.0f} instructions -> {dest / f}")
    console.print(f"next: tinydeploy compress {dest / files[-1]} --data {data} -o ...")


def register(app: typer.Typer) -> None:
    app.command("compress")(compress_cmd)
    app.command("search")(search_cmd)
