"""Render a self-contained firmware project folder for a make board (built by build.make)."""

from __future__ import annotations

from pathlib import Path

from tinydeploy import __version__
from tinydeploy.boards import Board
from tinydeploy.tflm import TflmBuild
from tinydeploy.codegen.files import C_SUFFIXES, sync, tree, write_text
from tinydeploy.codegen.flags import cpu_flags
from tinydeploy.errors import BoardError, InputFileError
from tinydeploy.resources import firmware_dir
from tinydeploy.templates import render


def generate_project(
    board: Board,
    model_sources: list[Path],
    out_dir: Path,
    tflm: TflmBuild | None = None,
    extra_sources: list[Path] | None = None,
    defines: dict[str, int] | None = None,
) -> Path:
    """Write Makefile, linker script, td_board.h, app/, hal/, runtime/, model/ into out_dir.

    model_sources are the compiled model's .c/.h files (model.c, model.h, ...);
    they go to model/ unchanged. An existing project folder is refreshed: its
    app/, hal/, runtime/ and model/ are synchronised (unchanged files keep their
    timestamps) and build/ is kept, so a rebuild compiles only what changed.
    ``tflm``: the TFLite Micro library (tinydeploy.tflm.build_library), for a model/
    holding tflm_model.cc; built with the same CPU flags as this project.
    ``extra_sources``: more .c/.h files for app/ (an application's extension of the
    server, e.g. firmware/features/ for keyword spotting); generic firmware has none.
    """
    if board.build != "make":
        raise BoardError(
            f"board '{board.id}' builds with {board.build}; generate_project only renders make projects",
            path=str(board.path),
        )
    fw = firmware_dir()
    hal = fw / "hal" / board.hal
    if not hal.is_dir():
        raise BoardError(f"key 'hal' = '{board.hal}': no folder {hal}", path=str(board.path))
    sources = [Path(p) for p in model_sources]
    for src in sources:
        if not src.is_file():
            raise InputFileError("model source file not found", path=str(src))
        if src.suffix not in C_SUFFIXES:
            raise InputFileError("model sources must be .c, .cc or .h files", path=str(src))
    if len({s.name for s in sources}) != len(sources):
        raise InputFileError("two model sources share a file name", path=str(sources[0]))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = tree(fw / "app")
    for src in [Path(p) for p in extra_sources or []]:
        if not src.is_file() or src.suffix not in (".c", ".h"):
            raise InputFileError("extra sources must be existing .c or .h files", path=str(src))
        if Path(src.name) in app:
            raise InputFileError("an extra source has the name of a file in app/", path=str(src))
        app[Path(src.name)] = src
    sync(app, out / "app")
    # Every Cortex-M HAL shares the startup code and the DWT helper of hal/cortex-m.
    shared = tree(fw / "hal" / "cortex-m") if board.cpu.startswith("cortex-m") else {}
    sync({**shared, **tree(hal)}, out / "hal")
    sync(tree(fw / "runtime"), out / "runtime")
    sync({Path(s.name): s for s in sources}, out / "model")
    flags = cpu_flags(board)
    context = {"board": board, "version": __version__, "cpu_flags": flags, "tflm": tflm, "defines": defines or {}}
    write_text(out / "Makefile", render("fw_Makefile.j2", **context))
    write_text(out / "td_board.h", render("fw_td_board.h.j2", **context))
    if board.cpu != "host":
        write_text(out / "linker.ld", render("fw_linker.ld.j2", **context))
    return out
