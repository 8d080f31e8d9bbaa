"""`tinydeploy export`: the model as a library for the user's own application."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from tinydeploy.errors import DataError

console = Console(highlight=False)


def export_model(model: Path, fmt: str, out_dir: Path, *, board: Optional[str] = None,
                 name: Optional[str] = None, kernels: str = "auto", data: Optional[Path] = None,
                 force: bool = False, seed: int = 0) -> Any:
    """Compile ``model`` (AOT) and write the library into ``out_dir``; returns the
    ExportedLibrary. ``board``: choose the kernels for it (SIMD on a DSP core) and
    refuse a model whose data and arena cannot fit it."""
    import numpy as np

    from tinydeploy.codegen.export import FORMATS, SampleInput, export_library, library_name
    from tinydeploy.compile import compile_model
    from tinydeploy.model.inputs import random_inputs
    from tinydeploy.model.reference import Reference
    from tinydeploy.outdir import check_output_dir, staged_output_dir
    from tinydeploy.pipeline import prepare_model, resolve_board
    from tinydeploy.policy import check_model_fits, choose_kernels, kernel_options

    if fmt not in FORMATS:
        raise DataError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}",
                        path=str(model))
    choose_kernels(kernels)
    target = resolve_board(board) if board is not None else None  # BoardError lists the ids
    check_output_dir(out_dir, force, (model, data))
    prepared = prepare_model(model, data)
    library_name(prepared.model.name, name)  # a bad --name fails before compiling
    options = kernel_options(target, kernels) if target is not None else {"kernels": kernels}
    with tempfile.TemporaryDirectory(prefix="td-export-") as tmp:
        compiled = compile_model(prepared.model, Path(tmp) / "compiled", **options)
        if target is not None:
            check_model_fits(target, compiled.weights_bytes + compiled.params_bytes,
                             compiled.arena_bytes, what="the model's data and arena")
        ref = Reference(prepared.raw, prepared.model)
        x = random_inputs(ref, 1, seed)[0]
        out = ref.run(x).reshape(-1)
        real = x.astype(np.float32) if x.dtype != np.int8 else _dequantized(x, compiled.input)
        sample = SampleInput(real=real, top_class=int(np.argmax(out)), output=out)
        with staged_output_dir(out_dir, force) as staging:
            lib = export_library(compiled, fmt, staging, name=name, board=target, sample=sample)
    lib.out_dir = Path(out_dir)
    return lib


def _dequantized(q: Any, io: dict[str, Any]) -> Any:
    """Real values (float32) that td_quantize() maps back to exactly ``q``."""
    import numpy as np

    return (np.float32(io["scale"]) * (q.astype(np.float32) - np.float32(io["zero_point"])))


def export_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite, or a Keras/SavedModel model with --data."),
    fmt: str = typer.Option(..., "--format", "-f", help="arduino (an Arduino/PlatformIO library) or "
                            "c (CMakeLists.txt + tinydeploy_model.mk)."),
    board: Optional[str] = typer.Option(None, "--board", "-b", help="Board id or profile (.toml): "
                                        "kernels for its core, and a check that the model fits it."),
    name: Optional[str] = typer.Option(None, "--name", help="Library name (a C identifier) "
                                       "[from the model's name]."),
    kernels: str = typer.Option("auto", "--kernels", help="auto, reference, dsp, dsp-small, v7m or v6m "
                                "(see `tinydeploy flash --help`)."),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="Calibration data for Keras models."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-<format>]."),
    force: bool = typer.Option(False, "--force", help="Replace the files an earlier export wrote."),
) -> None:
    """Write the model as a library for your own application (no build)."""
    out_dir = out or Path("td-out") / f"{model.stem}-{fmt}"
    lib = export_model(model, fmt, out_dir, board=board, name=name, kernels=kernels, data=data,
                       force=force)
    how = ("Arduino IDE: Add .ZIP Library, or PlatformIO lib_deps = file://" + str(Path(out_dir).resolve())
           if fmt == "arduino" else "add_subdirectory() it, or include tinydeploy_model.mk")
    console.print(f"wrote {out_dir}/ (library {lib.name}, {len(lib.sources)} C files) — {how}",
                  soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
