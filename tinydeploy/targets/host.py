"""Host target: the firmware built natively, as a child process serving on a pty."""

from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path
from typing import Optional

from tinydeploy.boards import Board
from tinydeploy.errors import DeviceError
from tinydeploy.link import Link, open_serial
from tinydeploy.targets.base import Target, kill, spawn


class HostTarget(Target):
    def __init__(self, board: Board, program: Path, boot_timeout: float = 10.0, timeout: float = 5.0):
        super().__init__()
        self.board, self.program = board, Path(program)
        self.boot_timeout, self.timeout = boot_timeout, timeout
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.pty: Optional[str] = None

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    def start(self) -> Link:
        if not self.program.is_file():
            raise DeviceError(f"program {self.program} does not exist; build it first", port="host")
        self.proc = spawn(
            [str(self.program), "--pty"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.boot_timeout
        line = b""
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                ch = os.read(self.proc.stdout.fileno(), 1)
                if not ch:
                    break
                line += ch
        text = line.decode(errors="replace").strip()
        if not text.startswith("td-pty "):
            ended = self.proc.poll() is not None and self.proc.stderr
            err = self.proc.stderr.read().decode(errors="replace") if ended else ""
            raise DeviceError(
                f"the host firmware did not report its pty: {text or err or 'no output'}", port=str(self.program)
            )
        self.pty = text.split(" ", 1)[1]
        self.link = Link(open_serial(self.pty, self.board.baud), name=f"host:{self.pty}", timeout=self.timeout)
        self._await_firmware(self.link, self.boot_timeout, self.proc)
        return self.link

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
        kill(self.proc, grace=0.5)
