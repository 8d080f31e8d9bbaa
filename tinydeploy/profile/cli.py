"""`tinydeploy profile`: parse, call tinydeploy.profile.run_profile, print the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from tinydeploy.cli_progress import status as cli_status

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _table(r: dict[str, Any], top: int) -> Table:
    emulated = "instructions_per_inference" in r
    title = f"{r['model']['name']} on {r['board']} ({r['kernels']} kernels)"
    if emulated:
        title += f": {r['instructions_per_inference']:,.0f} instructions ({r['instructions_per_mac']}/MAC, emulated)"
    t = Table(title=title)
    for name in ["#", "op", "kernel", "MACs"] + (
        ["instructions", "instr/MAC", "share"] if emulated else ["ticks", "share"]
    ):
        t.add_column(name, justify="left" if name in ("op", "kernel") else "right")
    rows = sorted(r["ops"], key=lambda o: -o.get("instructions", o["ticks"]))[:top] if top else r["ops"]
    for o in rows:
        cells = [str(o["index"]), o["op"], str(o["kernel"]), f"{o['macs']:,}"]
        if emulated:
            ipm = o["instructions_per_mac"]
            cells += [f"{o['instructions']:,}", "" if ipm is None else f"{ipm:.3f}", f"{o['share']:.1%}"]
        else:
            cells += [f"{o['ticks']:,}", f"{o['share']:.1%}"]
        t.add_row(*cells)
    return t


def profile_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel/ONNX model with --data."),
    board: str = typer.Option("qemu-m4", "--board", "-b", help="Board id (see `tinydeploy boards`)."),
    kernels: str = typer.Option(
        "auto",
        "--kernels",
        help="auto (mve on Helium boards, SIMD where the cpu "
        "has DSP, else v7m on Cortex-M3, v6m on M0/M0+), reference, dsp, "
        "dsp-small, v7m, v6m or mve.",
    ),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Calibration data for Keras models."),
    top: int = typer.Option(0, "--top", help="Show only the N most expensive ops (0: all, in order)."),
    renode: Optional[Path] = typer.Option(
        None, "--renode", help="The renode launcher (or its folder) for Renode boards [$TINYDEPLOY_RENODE, else PATH]."
    ),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<board>-profile]."),
    force: bool = typer.Option(False, "--force", help="Replace the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Instructions (emulated boards) or ticks per op, with MACs and instructions/MAC."""
    import tinydeploy
    from tinydeploy.flash_cli import use_renode

    use_renode(renode)
    out_dir = out or Path("td-out") / f"{model.stem}-{board}-profile"
    with cli_status(err_console, "profiling ...") as st:
        result = tinydeploy.profile(
            model,
            board,
            out_dir=out_dir,
            data=data,
            kernels=kernels,
            force=force,
            progress=lambda s: st.update(s + " ..."),
            note=lambda line: err_console.print(line, markup=False, soft_wrap=True),
        )
    if as_json:
        typer.echo(result.to_json())
        return
    console.print(_table(result.report, top))
    console.print(f"wrote {out_dir}/ (report.json, report.md, report.html, project/)")


def register(app: typer.Typer) -> None:
    app.command("profile")(profile_cmd)
