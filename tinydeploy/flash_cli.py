"""`tinydeploy flash` and `tinydeploy generate`: parse, call the pipeline, print."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from tinydeploy.errors import DataError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

STAGE_TEXT = {"model": "reading / converting the model", "compile": "compiling the model",
              "build": "building the firmware", "upload": "uploading to the board",
              "run": "starting the target",
              "check": "checking device outputs against tflite-micro",
              "measure": "measuring latency and memory"}


def _summary(r: dict[str, Any]) -> Table:
    table = Table(title=f"{r['model']['name']} on {r['board']} ({r['runtime']})", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")

    def row(label: str, value: Any) -> None:
        table.add_row(label, "n/a" if value is None else value)

    row("flash", f"{r['flash_bytes']:,} B" if r["flash_bytes"] is not None else None)
    if r.get("flash"):
        f = r["flash"]
        row("  weights / runtime / other", f"{f['weights']:,} / {f['runtime']:,} / {f['other']:,}")
    row("RAM (static + stack high-water)", f"{r['ram_bytes']:,} B")
    row("  arena (on the device / TFLM needs)", f"{r['arena_bytes']:,} / {r['tflm_arena_bytes']:,} B")
    row("  stack high-water", f"{r['stack_bytes']:,} B")
    if "instructions_per_inference" in r:
        row("instructions / inference (emulated)", f"{r['instructions_per_inference']:,.0f}")
        row("instructions / MAC", f"{r['instructions_per_mac']}")
    if "cycles_per_inference" in r:
        row("cycles / inference", f"{r['cycles_per_inference']:,.0f}")
    if r.get("latency_ms") is not None:
        row("latency", f"{r['latency_ms']:.3f} ms")
    c = r["check"]
    if c["inputs"]:
        row(f"outputs vs tflite-micro ({c['inputs']} inputs)",
            f"{c['exact_match_rate']:.0%} exact, max diff {c['max_abs_diff']:g}")
    return table


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
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel model with --data."),
    board: str = typer.Option("qemu-m4", "--board", "-b", help="Board id (see `tinydeploy boards`) "
                              "or a board profile file (.toml)."),
    runtime: str = typer.Option("auto", "--runtime", "-r", help="auto (default: aot when the AOT "
                                "compiler runs every op, else tflm), aot or tflm."),
    kernels: str = typer.Option("auto", "--kernels", help="AOT kernels: auto (SIMD where the board's "
                                "cpu has the DSP extension: dsp, or dsp-small when dsp's weights would "
                                "take over 90% of the flash beside the firmware), reference, dsp, or "
                                "dsp-small (int8 weights in flash, slower)."),
    check: int = typer.Option(20, "--check", help="Inputs to compare with tflite-micro."),
    runs: int = typer.Option(10, "--runs", help="Timed inferences for the latency figure."),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Calibration data for Keras models."),
    calibrate: Optional[str] = typer.Option(None, "--calibrate", help="'random' (smoke tests only)."),
    port: Optional[str] = typer.Option(None, "--port", "-p", help="Serial port of a real board."),
    tflm_source: Optional[Path] = typer.Option(
        None, "--tflm-source", envvar="TINYDEPLOY_TFLM_SOURCE",
        help="Folder with the TFLite Micro source (tflite-micro.tar.xz + tflm-third-party.tar.xz, "
             "or their extracted trees) [else downloaded once; cached]."),
    tflm_kernels: str = typer.Option("auto", "--tflm-kernels", help="TFLite Micro kernels: auto "
                                     "(cmsis_nn on Cortex-M, reference on the host), reference "
                                     "or cmsis_nn."),
    mlperf_id: Optional[str] = typer.Option(None, "--mlperf-id", help="Model id for the MLPerf "
                                            "Tiny runner: kws01, vww01, ic01 or ad01 (the four "
                                            "reference models are recognised by hash)."),
    renode: Optional[Path] = typer.Option(None, "--renode", help="The renode launcher (or its "
                                          "folder) for Renode boards [$TINYDEPLOY_RENODE, else PATH]."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<board>]."),
    force: bool = typer.Option(False, "--force", help="Replace the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Convert, compile, build, run on the board, check against tflite-micro, and measure."""
    from tinydeploy.outdir import check_output_dir, staged_output_dir
    from tinydeploy.pipeline import flash
    from tinydeploy.policy import choose_kernels, choose_runtime
    from tinydeploy.report.markdown import flash_markdown, write_reports

    choose_runtime(None, None, runtime)  # the option's value, before any work
    choose_kernels(kernels)
    if check < 0 or runs < 1:
        raise DataError("--check must be >= 0 and --runs >= 1", path=str(model))
    from tinydeploy.model.mlperf import mlperf_id as check_mlperf_id

    check_mlperf_id("", mlperf_id)  # a bad id fails before the model is read
    use_renode(renode)
    out_dir = out or Path("td-out") / f"{model.stem}-{_board_name(board)}"
    check_output_dir(out_dir, force, (model, data))
    with staged_output_dir(out_dir, force) as staging, \
            err_console.status("starting ...") as status:
        report = flash(model, board, staging, runtime=runtime, check=check, runs=runs,
                       data=data, calibrate=calibrate, port=port, tflm_source=tflm_source,
                       tflm_kernels=tflm_kernels, kernels=kernels, mlperf_id=mlperf_id,
                       progress=lambda s: status.update(STAGE_TEXT.get(s, s) + " ..."),
                       note=_note)
        report["out_dir"] = str(out_dir)
        write_reports(staging, report, flash_markdown(report))
        from tinydeploy.report.html import flash_html, write_html

        write_html(staging / "report.html", flash_html(report))
    if as_json:
        typer.echo(json.dumps(report))
        return
    console.print(_summary(report))
    console.print(f"wrote {out_dir}/ (report.json, report.md, report.html, project/)")


def generate_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel model with --data."),
    board: str = typer.Option("qemu-m4", "--board", "-b", help="Board id or a board profile file (.toml)."),
    runtime: str = typer.Option("auto", "--runtime", "-r", help="auto (default: aot when the AOT "
                                "compiler runs every op, else tflm), aot or tflm."),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Calibration data for Keras models."),
    tflm_source: Optional[Path] = typer.Option(
        None, "--tflm-source", envvar="TINYDEPLOY_TFLM_SOURCE",
        help="Folder with the TFLite Micro source (tflite-micro.tar.xz + tflm-third-party.tar.xz, "
             "or their extracted trees) [else downloaded once; cached]."),
    tflm_kernels: str = typer.Option("auto", "--tflm-kernels", help="TFLite Micro kernels: auto "
                                     "(cmsis_nn on Cortex-M, reference on the host), reference "
                                     "or cmsis_nn."),
    example: Optional[str] = typer.Option(None, "--example", help="Application firmware: keyword_spotting "
                                          "(MFCC + tdlink audio commands; the microphone sketch on PlatformIO boards)."),
    mlperf_id: Optional[str] = typer.Option(None, "--mlperf-id", help="Model id for the MLPerf "
                                            "Tiny runner: kws01, vww01, ic01 or ad01 (the four "
                                            "reference models are recognised by hash)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<board>-project]."),
    force: bool = typer.Option(False, "--force", help="Replace the output folder."),
) -> None:
    """Write a complete, self-contained firmware project for the board (no build)."""
    from tinydeploy.outdir import check_output_dir, staged_output_dir
    from tinydeploy.pipeline import generate, prepare_model, resolve_board
    from tinydeploy.policy import choose_runtime

    choose_runtime(None, None, runtime)
    target = resolve_board(board)
    out_dir = out or Path("td-out") / f"{model.stem}-{_board_name(board)}-project"
    check_output_dir(out_dir, force, (model, data))
    prepared = prepare_model(model, data)
    if example and runtime == "tflm":
        raise DataError("--example builds on the AOT runtime; drop --runtime", path=str(model))
    with staged_output_dir(out_dir, force) as staging:
        if example:
            from tinydeploy.pipeline import generate_example

            generate_example(prepared, target, example, staging, note=_note)
        else:
            choice = choose_runtime(prepared.model, target, runtime)
            if choice.note():
                _note(choice.note())
            generate(prepared, target, choice.runtime, staging, tflm_source, tflm_kernels,
                     note=_note, mlperf_id=mlperf_id)
    how = "pio run -t upload" if target.build == "platformio" else "make"
    console.print(f"wrote {out_dir}/project/ — build it with `{how}` in that folder")


def register(app: typer.Typer) -> None:
    app.command("flash")(flash_cmd)
    app.command("generate")(generate_cmd)
