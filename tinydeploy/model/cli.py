"""`tinydeploy convert` and `tinydeploy inspect`: parse, call the stage, print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from tinydeploy.errors import DataError, ModelFormatError, TinyDeployError, UnsupportedOpError
from tinydeploy.outdir import check_output_dir, staged_output_dir

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _ops_table(report: dict[str, Any]) -> Table:
    from tinydeploy.report.markdown import shape

    table = Table(title=f"{report['model']['name']}  ({report['model']['size_bytes']:,} bytes)")
    for col, justify in (("#", "right"), ("op", "left"), ("inputs", "left"),
                         ("outputs", "left"), ("params", "right"), ("MACs", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for o in report["ops"]:
        table.add_row(str(o["index"]), o["op"], ", ".join(shape(s) for s in o["inputs"]),
                      ", ".join(shape(s) for s in o["outputs"]), f"{o['params']:,}",
                      f"{o['macs']:,}")
    table.add_section()
    table.add_row("", "total", "", "", f"{report['params']:,}", f"{report['macs']:,}")
    return table


def _print_summary(report: dict[str, Any]) -> None:
    console.print(_ops_table(report))
    if report.get("tflm_arena"):
        console.print(f"TFLite Micro arena: [bold]{report['arena_bytes']:,}[/] bytes  "
                      f"(activations {report['tflm_arena']['head']:,} + "
                      f"persistent {report['tflm_arena']['tail']:,})")
    agree = report.get("agreement")
    if agree:
        top1 = "n/a" if agree["top1_agreement"] is None else f"{agree['top1_agreement']:.1%}"
        console.print(f"float vs int8 on {agree['samples']} samples: top-1 agreement {top1}, "
                      f"max abs error {agree['max_abs_error']:.4g} "
                      f"({agree['max_error_steps']:.1f} int8 steps)")


def convert_cmd(
    model: Path = typer.Argument(..., help="Keras .keras/.h5, SavedModel folder, .onnx "
                                 "(the onnx extra), or .tflite."),
    data: Optional[Path] = typer.Option(None, "--data", "-d",
                                        help="Representative samples: .npy, .npz or a folder of .npy."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>]."),
    io: str = typer.Option("int8", "--io", help="Type of the model's input/output: int8 or float."),
    calibrate: Optional[str] = typer.Option(None, "--calibrate",
                                            help="'random': calibrate on random data (smoke tests only)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Convert a model to a fully int8 .tflite, C arrays and a model report."""
    from tinydeploy.model.agreement import agreement
    from tinydeploy.model.carray import write_c_array
    from tinydeploy.model.convert import convert
    from tinydeploy.model.data import fit_to_input, load_samples
    from tinydeploy.model.inspect import model_report
    from tinydeploy.report.markdown import model_markdown, write_reports

    if calibrate not in (None, "random"):
        raise DataError(f"--calibrate accepts only 'random', not {calibrate!r}", path=str(model))
    out_dir = out or Path("td-out") / model.stem
    check_output_dir(out_dir, force, (model, data))  # before the conversion, not after it
    with err_console.status(f"converting {model} ..."):
        result = convert(model, data, io=io, calibrate=calibrate)
    for note in result.warnings:
        err_console.print(f"[bold yellow]WARNING:[/] {note}")
    agree = None
    # TFLite Micro refusing the converted model (the agreement and the arena run it) is
    # reported after the model is written: the user still gets the file to look at.
    refused: TinyDeployError | None = None
    extra = {"conversion": {
        "source_kind": result.source_kind, "calibration": result.calibration,
        "samples": result.calibration_samples, "io": io, "warnings": result.warnings}}
    try:
        if result.float_tflite is not None and data is not None:
            with err_console.status("comparing float and int8 outputs ..."):
                samples = result.to_model_layout(
                    fit_to_input(load_samples(data), result.source_input_shape, str(data)))
                agree = agreement(result.float_tflite, result.tflite, samples, result.model)
        with err_console.status("measuring the TFLite Micro arena ..."):
            report = model_report(result.model, result.tflite, agree, extra=extra)
    except (ModelFormatError, UnsupportedOpError) as exc:
        refused = exc
        report = model_report(result.model, result.tflite, agree, extra=extra,
                              tflm_error=str(exc))
    with staged_output_dir(out_dir, force) as staging:
        (staging / "model.tflite").write_bytes(result.tflite)
        write_c_array(result.tflite, result.model.name, staging)
        write_reports(staging, report, model_markdown(report))
    if as_json:
        typer.echo(json.dumps(report))
    else:
        _print_summary(report)
        console.print(f"wrote {out_dir}/: model.tflite, model_data.h, model_data.c, "
                      "report.json, report.md")
    if refused is not None:
        raise refused


def inspect_cmd(
    model: Path = typer.Argument(..., help="An int8 (or float) .tflite file."),
    float_model: Optional[Path] = typer.Option(None, "--float-model",
                                               help="The float source model, for agreement."),
    data: Optional[Path] = typer.Option(None, "--data", "-d",
                                        help="Samples for the float vs int8 agreement."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Ops, shapes, params, MACs, TFLite Micro arena, and float vs int8 agreement."""
    from tinydeploy.model.agreement import agreement
    from tinydeploy.model.convert import float_tflite
    from tinydeploy.model.data import fit_to_input, load_samples
    from tinydeploy.model.inspect import model_report
    from tinydeploy.model.ir import read_model

    ir = read_model(model)
    raw = model.read_bytes()
    agree = None
    if (float_model is None) != (data is None):
        raise DataError("agreement needs both --float-model and --data",
                        path=str(float_model or data))
    if float_model is not None and data is not None:
        samples = fit_to_input(load_samples(data), ir.input_tensors[0].shape, str(data))
        agree = agreement(float_tflite(float_model), raw, samples)
    report = model_report(ir, raw, agree)
    if as_json:
        typer.echo(json.dumps(report))
    else:
        _print_summary(report)


def register(app: typer.Typer) -> None:
    app.command("convert")(convert_cmd)
    app.command("inspect")(inspect_cmd)
