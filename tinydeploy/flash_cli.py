"""`tinydeploy flash` and `tinydeploy generate`: parse, call the pipeline, print."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from tinydeploy.cli_progress import status as cli_status

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

STAGE_TEXT = {
    "model": "reading / converting the model",
    "compile": "compiling the model",
    "build": "building the firmware",
    "upload": "uploading to the board",
    "run": "starting the target",
    "check": "checking device outputs against tflite-micro",
    "measure": "measuring latency and memory",
}


def _summary(r: dict[str, Any]) -> Table:
    table = Table(title=f"{r['model']['name']} on {r['board']} ({r['runtime']})", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")

    def row(label: str, value: Any) -> None:
        table.add_row(label, "n/a" if value is None else value)

    from tinydeploy.report.figures import label as name

    row(name("flash_bytes"), f"{r['flash_bytes']:,} B" if r["flash_bytes"] is not None else None)
    if r.get("flash"):
        f = r["flash"]
        row("  weights / runtime / other", f"{f['weights']:,} / {f['runtime']:,} / {f['other']:,}")
    row(f"{name('ram_bytes')} ({name('static_ram_bytes')} + {name('stack_high_water_bytes')})", f"{r['ram_bytes']:,} B")
    row(
        f"  {name('arena_bytes')} (on the device / {name('tflm_arena_bytes')})",
        f"{r['arena_bytes']:,} / {r['tflm_arena_bytes']:,} B",
    )
    row(f"  {name('stack_high_water_bytes')}", f"{r.get('stack_high_water_bytes', r['stack_bytes']):,} B")
    if "instructions_per_inference" in r:
        row(name("instructions_per_inference"), f"{r['instructions_per_inference']:,.0f}")
        row("instructions / MAC", f"{r['instructions_per_mac']}")
    if "cycles_per_inference" in r:
        row(name("cycles_per_inference"), f"{r['cycles_per_inference']:,.0f}")
    if r.get("latency_ms") is not None:
        row(name("latency_ms"), f"{r['latency_ms']:.3f} ms")
    c = r["check"]
    if c["inputs"]:
        row(
            f"outputs vs tflite-micro ({c['inputs']} {_source(c)} inputs)",
            f"{c['exact_match_rate']:.0%} exact, max diff {c['max_abs_diff']:g}",
        )
    if c.get("accuracy") is not None:
        row("top-1 accuracy (device / tflite-micro)", f"{c['accuracy']:.1%} / {c['reference_accuracy']:.1%}")
    return table


def _source(check: dict[str, Any]) -> str:
    """Whose inputs the check ran: the user's samples or random ones."""
    return "of your" if check.get("source") == "data" else "random"


def _note(text: str) -> None:
    """A one-line notice (e.g. the kernels --kernels auto picked), on stderr."""
    err_console.print(text, markup=False, soft_wrap=True)


def use_renode(path: Optional[Path]) -> None:
    """--renode: the Renode target finds it through TINYDEPLOY_RENODE, like the variable."""
    if path is not None:
        os.environ["TINYDEPLOY_RENODE"] = str(path)


def _board_name(board: str) -> str:
    """The board's part of a default output folder name (a profile file: its stem)."""
    return Path(board).stem if board.endswith(".toml") else board


def flash_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel/ONNX model with --data."),
    board: str = typer.Option(
        "qemu-m4", "--board", "-b", help="Board id (see `tinydeploy boards`) or a board profile file (.toml)."
    ),
    runtime: str = typer.Option(
        "auto",
        "--runtime",
        "-r",
        help="auto (default: aot when the AOT compiler runs every op, else tflm), aot or tflm.",
    ),
    kernels: str = typer.Option(
        "auto",
        "--kernels",
        help="AOT kernels: auto (mve on a board with "
        "Helium, the Cortex-M55; SIMD where the cpu has the DSP "
        "extension: dsp, or dsp-small when dsp's weights would "
        "take over 90% of the flash beside the firmware; else v7m on a Cortex-M3, "
        "v6m on an M0/M0+), reference, dsp, dsp-small (int8 weights in flash, "
        "slower), v7m or v6m (multiply-accumulate kernels without SIMD), mve (Helium).",
    ),
    check: int = typer.Option(20, "--check", help="Inputs to compare with tflite-micro."),
    runs: int = typer.Option(10, "--runs", help="Timed inferences for the latency figure."),
    data: Optional[Path] = typer.Option(
        None,
        "--data",
        "-d",
        help="Samples (.npy, .npz or a folder "
        "of .npy): the calibration data of a Keras model, and the "
        "inputs --check runs (random inputs only without --data).",
    ),
    labels: Optional[Path] = typer.Option(
        None,
        "--labels",
        help="One label per --data sample (.npy of class indices or one-hot rows): report the device's top-1 accuracy.",
    ),
    calibrate: Optional[str] = typer.Option(None, "--calibrate", help="'random' (smoke tests only)."),
    activations: str = typer.Option(
        "int8", "--activations", help="A Keras model's activations: int8, or int16 (the 16x8 mode)."
    ),
    port: Optional[str] = typer.Option(None, "--port", "-p", help="Serial port of a real board."),
    tflm_source: Optional[Path] = typer.Option(
        None,
        "--tflm-source",
        envvar="TINYDEPLOY_TFLM_SOURCE",
        help="Folder with the TFLite Micro source (tflite-micro.tar.xz + tflm-third-party.tar.xz, "
        "or their extracted trees) [else downloaded once; cached].",
    ),
    tflm_kernels: str = typer.Option(
        "auto",
        "--tflm-kernels",
        help="TFLite Micro kernels: auto (cmsis_nn on Cortex-M, reference on the host), reference or cmsis_nn.",
    ),
    mlperf_id: Optional[str] = typer.Option(
        None,
        "--mlperf-id",
        help="Model id for the MLPerf "
        "Tiny runner: kws01, vww01, ic01 or ad01 (the four "
        "reference models are recognised by hash).",
    ),
    renode: Optional[Path] = typer.Option(
        None, "--renode", help="The renode launcher (or its folder) for Renode boards [$TINYDEPLOY_RENODE, else PATH]."
    ),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<board>]."),
    force: bool = typer.Option(False, "--force", help="Replace the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Convert, compile, build, run on the board, check against tflite-micro, and measure."""
    import tinydeploy

    use_renode(renode)
    out_dir = out or Path("td-out") / f"{model.stem}-{_board_name(board)}"
    with cli_status(err_console, "starting ...") as status:
        result = tinydeploy.flash(
            model,
            board,
            out_dir=out_dir,
            data=data,
            labels=labels,
            check=check,
            runs=runs,
            runtime=runtime,
            kernels=kernels,
            calibrate=calibrate,
            activations=activations,
            port=port,
            mlperf_id=mlperf_id,
            force=force,
            progress=lambda s: status.update(STAGE_TEXT.get(s, s) + " ..."),
            note=_note,
            tflm_source=tflm_source,
            tflm_kernels=tflm_kernels,
        )
    if as_json:
        typer.echo(result.to_json())
        return
    console.print(_summary(result.report))
    console.print(f"wrote {out_dir}/ (report.json, report.md, report.html, project/)")


def generate_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel/ONNX model with --data."),
    board: str = typer.Option("qemu-m4", "--board", "-b", help="Board id or a board profile file (.toml)."),
    runtime: str = typer.Option(
        "auto",
        "--runtime",
        "-r",
        help="auto (default: aot when the AOT compiler runs every op, else tflm), aot or tflm.",
    ),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Calibration data for Keras models."),
    tflm_source: Optional[Path] = typer.Option(
        None,
        "--tflm-source",
        envvar="TINYDEPLOY_TFLM_SOURCE",
        help="Folder with the TFLite Micro source (tflite-micro.tar.xz + tflm-third-party.tar.xz, "
        "or their extracted trees) [else downloaded once; cached].",
    ),
    tflm_kernels: str = typer.Option(
        "auto",
        "--tflm-kernels",
        help="TFLite Micro kernels: auto (cmsis_nn on Cortex-M, reference on the host), reference or cmsis_nn.",
    ),
    example: Optional[str] = typer.Option(
        None,
        "--example",
        help="Application firmware: keyword_spotting "
        "(MFCC + tdlink audio commands; the microphone sketch "
        "on PlatformIO boards).",
    ),
    mlperf_id: Optional[str] = typer.Option(
        None,
        "--mlperf-id",
        help="Model id for the MLPerf "
        "Tiny runner: kws01, vww01, ic01 or ad01 (the four "
        "reference models are recognised by hash).",
    ),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<board>-project]."),
    force: bool = typer.Option(False, "--force", help="Replace the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Write a complete, self-contained firmware project for the board (no build)."""
    import tinydeploy

    out_dir = out or Path("td-out") / f"{model.stem}-{_board_name(board)}-project"
    result = tinydeploy.generate(
        model,
        out_dir,
        board=board,
        data=data,
        runtime=runtime,
        example=example,
        mlperf_id=mlperf_id,
        force=force,
        note=_note,
        tflm_source=tflm_source,
        tflm_kernels=tflm_kernels,
    )
    if as_json:
        typer.echo(result.to_json())
        return
    console.print(f"wrote {out_dir}/project/ — build it with `{result.build_command}` in that folder")


def register(app: typer.Typer) -> None:
    app.command("flash")(flash_cmd)
    app.command("generate")(generate_cmd)
