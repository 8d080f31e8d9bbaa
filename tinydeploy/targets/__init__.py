"""Where firmware runs. Every target has the same small interface (base.Target):

with target_for(board, firmware) as t:     # start() on enter, close() on exit
    link = t.link                           # a tinydeploy.link.Link, ready to use
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from tinydeploy.boards import Board
from tinydeploy.errors import BoardError
from tinydeploy.targets.base import Target
from tinydeploy.targets.host import HostTarget
from tinydeploy.targets.qemu import QemuTarget
from tinydeploy.targets.renode import RenodeTarget
from tinydeploy.targets.serial_device import SerialTarget, check_port, find_port


def target_for(board: Board, firmware: Optional[Path] = None, port: Optional[str] = None, **options: object) -> Target:
    """The target for a board: its emulator, the native program, or the serial device."""
    if board.platform == "qemu":
        return QemuTarget(board, Path(firmware or ""), **options)  # type: ignore[arg-type]
    if board.platform == "host":
        return HostTarget(board, Path(firmware or ""), **options)  # type: ignore[arg-type]
    if board.platform == "renode":
        return RenodeTarget(board, Path(firmware or ""), **options)  # type: ignore[arg-type]
    if board.platform == "platformio":
        return SerialTarget(board, port=port, **options)  # type: ignore[arg-type]
    raise BoardError(f"no target for platform '{board.platform}'", path=str(board.path))


__all__ = [
    "HostTarget",
    "QemuTarget",
    "RenodeTarget",
    "SerialTarget",
    "Target",
    "check_port",
    "find_port",
    "target_for",
]
