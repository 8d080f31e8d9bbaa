"""`tinydeploy convert` and `tinydeploy inspect`: parse, call the stage, print."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from tinydeploy.cli_progress import status as cli_status

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _ops_table(report: dict[str, Any]) -> Table:
    from tinydeploy.report.markdown import shape

    table = Table(title=f"{report['model']['name']}  ({report['model']['size_bytes']:,} bytes)")
    for col, justify in (
        ("#", "right"),
        ("op", "left"),
        ("inputs", "left"),
        ("outputs", "left"),
        ("params", "right"),
        ("MACs", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for o in report["ops"]:
        table.add_row(
            str(o["index"]),
            o["op"],
            ", ".join(shape(s) for s in o["inputs"]),
            ", ".join(shape(s) for s in o["outputs"]),
            f"{o['params']:,}",
            f"{o['macs']:,}",
        )
    table.add_section()
    table.add_row("", "total", "", "", f"{report['params']:,}", f"{report['macs']:,}")
    return table


def _print_summary(report: dict[str, Any]) -> None:
    console.print(_ops_table(report))
    if report.get("tflm_arena"):
        console.print(
            f"TFLite Micro arena: [bold]{report['arena_bytes']:,}[/] bytes  "
            f"(activations {report['tflm_arena']['head']:,} + "
            f"persistent {report['tflm_arena']['tail']:,})"
        )
    mode = report.get("quantization", "int8")
    if mode != "int8":
        console.print(f"quantization: [bold]{mode}[/] (int16 activations, int8 weights)")
    agree = report.get("agreement")
    if agree:
        top1 = "n/a" if agree["top1_agreement"] is None else f"{agree['top1_agreement']:.1%}"
        steps = "int16" if mode == "16x8" else "int8"
        console.print(
            f"float vs {mode} on {agree['samples']} samples: top-1 agreement {top1}, "
            f"max abs error {agree['max_abs_error']:.4g} "
            f"({agree['max_error_steps']:.1f} {steps} steps)"
        )


def convert_cmd(
    model: Path = typer.Argument(..., help="Keras .keras/.h5, SavedModel folder, .onnx (the onnx extra), or .tflite."),
    data: Optional[Path] = typer.Option(
        None, "--data", "-d", help="Representative samples: .npy, .npz or a folder of .npy."
    ),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>]."),
    io: str = typer.Option("int8", "--io", help="Type of the model's input/output: int8 or float."),
    activations: str = typer.Option(
        "int8", "--activations", help="int8, or int16 for the 16x8 mode (int16 activations, int8 weights)."
    ),
    calibrate: Optional[str] = typer.Option(
        None, "--calibrate", help="'random': calibrate on random data (smoke tests only)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Convert a model to a fully int8 (or 16x8) .tflite, C arrays and a model report."""
    import tinydeploy

    out_dir = out or Path("td-out") / model.stem
    with cli_status(err_console, f"converting {model} ...") as status:
        result = tinydeploy.convert(
            model,
            data,
            out_dir=out_dir,
            io=io,
            activations=activations,
            calibrate=calibrate,
            force=force,
            progress=lambda s: status.update(s + " ..."),
        )
    for note in result.warnings:
        err_console.print(f"[bold yellow]WARNING:[/] {note}")
    if as_json:
        typer.echo(result.to_json())
        return
    _print_summary(result.report)
    console.print(f"wrote {out_dir}/: model.tflite, model_data.h, model_data.c, report.json, report.md, report.html")


def inspect_cmd(
    model: Path = typer.Argument(..., help="An int8 or 16x8 (or float) .tflite file."),
    float_model: Optional[Path] = typer.Option(None, "--float-model", help="The float source model, for agreement."),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Samples for the float vs int8 agreement."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Ops, shapes, params, MACs, TFLite Micro arena, and float vs int8 (or 16x8) agreement."""
    import tinydeploy

    result = tinydeploy.inspect(model, float_model=float_model, data=data)
    if as_json:
        typer.echo(result.to_json())
    else:
        _print_summary(result.report)


def register(app: typer.Typer) -> None:
    app.command("convert")(convert_cmd)
    app.command("inspect")(inspect_cmd)
