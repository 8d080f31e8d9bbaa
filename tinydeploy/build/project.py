"""Build any generated project: make or PlatformIO, chosen once from the board."""

from __future__ import annotations

from pathlib import Path

from tinydeploy.boards import Board
from tinydeploy.build.make import BuildResult, build
from tinydeploy.build.platformio import pio_build, pio_upload
from tinydeploy.build.sizes import firmware_sizes


def build_project(project: Path, board: Board) -> BuildResult:
    """Build ``project`` (rendered by tinydeploy.codegen for ``board``): the ELF and
    its sizes. make boards check the model's fit before linking; PlatformIO boards
    run `pio run` (its log is not kept)."""
    if board.build == "platformio":
        elf = pio_build(project, board)
        return BuildResult(elf, firmware_sizes(elf, board.stack_bytes), "")
    return build(project, board)


def upload_project(project: Path, board: Board, port: str | None) -> None:
    """Put the built firmware on a PlatformIO board through ``port`` (None: PlatformIO
    looks for it). make boards need nothing: their target runs the ELF itself."""
    if board.build == "platformio":
        pio_upload(project, board, port)
