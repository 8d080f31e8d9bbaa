"""A real board on a USB serial port: by name, or found by the profile's USB VID/PID."""

from __future__ import annotations

from typing import Optional

from serial.tools import list_ports

from tinydeploy.boards import Board
from tinydeploy.errors import ConfigError, DeviceError
from tinydeploy.link import Link, open_serial
from tinydeploy.targets.base import Target


def find_port(board: Board) -> str:
    """The one serial port whose USB VID/PID match the profile; DeviceError otherwise."""
    if board.usb_vid is None or board.usb_pid is None:
        raise DeviceError(f"board '{board.id}' has no USB VID/PID in its profile; pass the port explicitly", port="?")
    found = [p.device for p in list_ports.comports() if p.vid == board.usb_vid and p.pid == board.usb_pid]
    ident = f"{board.usb_vid:04x}:{board.usb_pid:04x}"
    if not found:
        others = ", ".join(f"{p.device} ({p.vid or 0:04x}:{p.pid or 0:04x})" for p in list_ports.comports()) or "none"
        raise DeviceError(
            f"no {board.name} on a serial port (USB {ident}); plug it in or "
            f"pass --port. Serial ports present: {others}",
            port="usb",
        )
    if len(found) > 1:
        raise DeviceError(
            f"{len(found)} boards with USB {ident} are connected ({', '.join(sorted(found))}); choose one with --port",
            port="usb",
        )
    return found[0]


def check_port(board: Board, port: Optional[str]) -> None:
    """Before anything is built: ``port`` exists and can be opened (not busy, not
    denied), as a one-line DeviceError; ConfigError when the board is not on a
    serial port at all (QEMU, Renode, the host run the firmware themselves)."""
    if port is None:
        return
    if board.platform != "platformio":
        raise ConfigError(
            f"board '{board.id}' runs on {board.platform}, not on a serial port; drop --port, or choose a real board",
            where="--port",
        )
    open_serial(port, board.baud).close()


class SerialTarget(Target):
    """The firmware is already flashed; open the port and wait for it to answer."""

    def __init__(self, board: Board, port: Optional[str] = None, boot_timeout: float = 10.0, timeout: float = 10.0):
        super().__init__()
        self.board, self.port = board, port
        self.boot_timeout, self.timeout = boot_timeout, timeout

    def start(self) -> Link:
        port = self.port or find_port(self.board)
        self.link = Link(open_serial(port, self.board.baud), name=port, timeout=self.timeout)
        self._await_firmware(self.link, self.boot_timeout)
        return self.link

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
