"""`tinydeploy compress`: parse, call the compress stage, print."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False)


def compress_cmd(
    model: Path = typer.Argument(..., help="A Keras .keras/.h5 model (float)."),
    data: Path = typer.Option(
        ...,
        "--data",
        help=".npz with x_train, y_train, x_val, y_val (x_test, y_test optional: accuracy is reported on them).",
    ),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder: compressed.keras, model.tflite, compress.json."),
    prune: float = typer.Option(None, "--prune", help="Magnitude pruning to this sparsity (0..1)."),
    prune_min_weights: int = typer.Option(
        1024, "--prune-min-weights", help="Only prune kernels with this many weights."
    ),
    prune_skip: str = typer.Option(
        "",
        "--prune-skip",
        help="Never prune these layers (comma-separated): first, last, depthwise, dense, conv or layer names.",
    ),
    structured: float = typer.Option(None, "--structured", help="Remove this fraction of conv channels (0..1)."),
    structured_by: str = typer.Option(
        "activation",
        "--structured-by",
        help="Which channels go first: activation (smallest "
        "contribution to the next layer on the training "
        "data) or l1 (smallest kernel L1 norm).",
    ),
    structured_steps: int = typer.Option(
        1,
        "--structured-steps",
        help="Remove the channels in this many steps, ranking them again after epochs/steps of fine-tuning in between.",
    ),
    clusters: int = typer.Option(None, "--clusters", help="Weight sharing: values per layer."),
    bits: int = typer.Option(None, "--bits", help="8 (int8 QAT) or 4 (packed 4-bit weights)."),
    bits_skip: str = typer.Option(
        "", "--bits-skip", help="With --bits 4: keep these layers at 8 bits (same names as --prune-skip)."
    ),
    distill_width: float = typer.Option(
        None, "--distill-width", help="Distill into a DS-CNN student of this width relative to the model (0..1]."
    ),
    student: Path = typer.Option(None, "--student", help="Distill into this Keras model."),
    distill: bool = typer.Option(
        False, "--distill", help="Fine-tune against the original model as teacher (temperature-softened loss)."
    ),
    temperature: float = typer.Option(
        4.0, "--temperature", help="Distillation: softening temperature of both models' outputs."
    ),
    alpha: float = typer.Option(
        0.3, "--alpha", help="Distillation: weight of the labels' loss (the teacher's gets 1 - alpha)."
    ),
    epochs: int = typer.Option(4, "--epochs", help="Fine-tuning epochs (0: post-training)."),
    lr: float = typer.Option(5e-4, "--lr", help="Fine-tuning learning rate (cosine decay from it)."),
    distill_epochs: int = typer.Option(
        8, "--distill-epochs", help="Epochs of training the student (--distill-width / --student)."
    ),
    target_drop: float = typer.Option(
        None,
        "--target-accuracy-drop",
        help="Choose the technique: try each recipe, measure it "
        "on --board, keep the smallest (--objective) within "
        "this many accuracy points (validation split).",
    ),
    board: str = typer.Option(
        "qemu-m4", "--board", "-b", help="Emulated board the recipes are measured on (with --target-accuracy-drop)."
    ),
    objective: str = typer.Option(
        "flash", "--objective", help="With --target-accuracy-drop: flash, instructions or model (weights + parameters)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Compress a Keras model (pruning, structured pruning, weight sharing, 4-bit, QAT,
    distillation) and write an int8 .tflite that `tinydeploy flash` stores packed."""
    import tinydeploy

    if target_drop is not None:
        from tinydeploy.compress.errors import CompressSettingError

        chosen_by_hand = [
            name
            for name, v in (
                ("--prune", prune),
                ("--structured", structured),
                ("--clusters", clusters),
                ("--bits", bits),
                ("--distill-width", distill_width),
                ("--student", student),
                ("--distill", distill),
            )
            if v
        ]
        if chosen_by_hand:
            raise CompressSettingError(
                f"picks the technique itself; drop {chosen_by_hand[0]} "
                "(or drop --target-accuracy-drop to choose by hand)",
                setting="--target-accuracy-drop",
            )
        _auto(model, data, board, target_drop, objective, epochs, out, force, as_json)
        return
    result = tinydeploy.compress(
        model,
        data,
        out_dir=out,
        force=force,
        progress=lambda m: None if as_json else console.print(f"[dim]{m}[/]"),
        student=student,
        prune=prune,
        prune_min_weights=prune_min_weights,
        prune_skip=prune_skip,
        structured=structured,
        structured_by=structured_by,
        structured_steps=structured_steps,
        clusters=clusters,
        bits=bits,
        bits_skip=bits_skip,
        distill_width=distill_width,
        distill=distill,
        temperature=temperature,
        alpha=alpha,
        epochs=epochs,
        lr=lr,
        distill_epochs=distill_epochs,
    )
    dest = out
    if as_json:
        typer.echo(result.to_json())
        return
    console.print(f"{'; '.join(result.steps) or 'int8 only'}")
    console.print(
        f"accuracy float {result.float_accuracy:.2%}, int8 (TFLite Micro) "
        f"{result.int8_accuracy:.2%}  -> {dest / 'model.tflite'} "
        f"({len(result.tflite):,} bytes); next: tinydeploy flash {dest / 'model.tflite'}"
    )


def _auto(
    model: Path, data: Path, board: str, drop: float, objective: str, epochs: int, out: Path, force: bool, as_json: bool
) -> None:
    from tinydeploy.compress import load_dataset
    from tinydeploy.model.convert import _load_converter, _quiet_tf, source_kind
    from tinydeploy.outdir import check_output_dir, staged_output_dir
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.report.markdown import table
    from tinydeploy.search.autocompress import auto_compress

    target = resolve_board(board)
    ds = load_dataset(data)
    source_kind(model)
    tf = _quiet_tf()
    _load_converter(tf, model, "keras")  # one-line errors for unreadable files
    keras_model = tf.keras.models.load_model(model, compile=False)
    check_output_dir(out, force, (model, data))  # before minutes of training
    res = auto_compress(
        keras_model,
        ds,
        target,
        drop,
        objective,
        epochs,
        progress=lambda m: None if as_json else console.print(f"[dim]{m}[/]"),
    )
    summary = dict(res.summary(), board=board, out_dir=str(out))
    rows = [summary["baseline"], *summary["variants"]]
    cols = [
        "name",
        "val_accuracy",
        "test_accuracy",
        "flash_bytes",
        "model_flash_bytes",
        "instructions",
        "exact_match_rate",
    ]
    md = (
        f"# Compression for {board}: smallest {objective} within {drop} accuracy points "
        f"(validation)\n\nChosen: **{res.chosen.name}**. Test accuracy is reported, not "
        "used to choose.\n\n" + table(cols, [[r.get(c, "-") for c in cols] for r in rows]) + "\n"
    )
    with staged_output_dir(out, force) as staging:
        if res.chosen.model is not None:
            res.chosen.model.save(staging / "compressed.keras")
        (staging / "model.tflite").write_bytes(res.chosen.tflite)
        (staging / "compress.json").write_text(json.dumps(summary, indent=2) + "\n")
        (staging / "compress.md").write_text(md)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    c = res.chosen
    console.print(
        f"chosen: {c.name}: val {c.val_accuracy:.2%} (int8 baseline "
        f"{res.baseline.val_accuracy:.2%}), {c.cost.flash_bytes:,} B flash, "
        f"{c.cost.instructions:,.0f} instructions on {board} -> {out / 'model.tflite'}"
    )


def register(app: typer.Typer) -> None:
    app.command("compress")(compress_cmd)
