"""Build any generated project: make or PlatformIO, chosen once from the board."""

from __future__ import annotations

from pathlib import Path

from tinydeploy.boards import Board
from tinydeploy.build.make import BuildResult, build
from tinydeploy.build.platformio import pio_build


def build_project(project: Path, board: Board, *, upload: bool = True,
                  port: str | None = None) -> BuildResult:
    """Build ``project`` (rendered by tinydeploy.codegen for ``board``).

    make boards: the ELF and its sizes (the model's fit is checked before linking).
    PlatformIO boards: `pio run`, uploaded through ``port`` when ``upload``; sizes
    are None (PlatformIO's own size report is not read) and so is the log."""
    if board.build == "platformio":
        return BuildResult(pio_build(project, board, upload=upload, port=port), None, "")
    return build(project, board)
