"""`tinydeploy export`: the model as a library for the user's own application."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console


console = Console(highlight=False)


def export_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel/ONNX model with --data."),
    fmt: str = typer.Option(
        ...,
        "--format",
        "-f",
        help="arduino (an Arduino/PlatformIO library) or c (CMakeLists.txt + tinydeploy_model.mk).",
    ),
    board: Optional[str] = typer.Option(
        None,
        "--board",
        "-b",
        help="Board id or profile (.toml): kernels for its core, and a check that the model fits it.",
    ),
    name: Optional[str] = typer.Option(None, "--name", help="Library name (a C identifier) [from the model's name]."),
    kernels: str = typer.Option(
        "auto", "--kernels", help="auto, reference, dsp, dsp-small, v7m, v6m or mve (see `tinydeploy flash --help`)."
    ),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Calibration data for Keras models."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<format>]."),
    force: bool = typer.Option(False, "--force", help="Replace the files an earlier export wrote."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Write the model as a library for your own application (no build)."""
    import tinydeploy

    out_dir = out or Path("td-out") / f"{model.stem}-{fmt}"
    lib = tinydeploy.export(model, out_dir, format=fmt, board=board, name=name, kernels=kernels, data=data, force=force)
    if as_json:
        typer.echo(lib.to_json())
        return
    how = (
        "Arduino IDE: Add .ZIP Library, or PlatformIO lib_deps = file://" + str(Path(out_dir).resolve())
        if fmt == "arduino"
        else "add_subdirectory() it, or include tinydeploy_model.mk"
    )
    console.print(
        f"wrote {out_dir}/ (library {lib.name}, {len(lib.sources)} C files, report.md) — {how}", soft_wrap=True
    )


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
