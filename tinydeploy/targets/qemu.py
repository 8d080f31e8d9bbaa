"""QEMU target: qemu-system-arm with instruction counting, UART0 on a local TCP socket.

    qemu-system-arm -machine <m> -nographic -monitor none -icount shift=6
                    -serial tcp:127.0.0.1:<port>,server=on,wait=on,nodelay=on -kernel fw.elf

wait=on makes QEMU hold the CPU until we connect, so no output is lost and the
run is deterministic. nodelay=on: QEMU writes the UART one byte per send(); with
Nagle's algorithm each reply then waited for the host's delayed ACK (about 44 ms a
command, most of a --check run's time). With -icount shift=6 one instruction takes 64 virtual
nanoseconds, longer than one tick of the firmware's timer, so tick counts
convert exactly to instructions (Link.instructions()). A board whose timer ticks
slower (qemu-m0: 62.5 ns) sets qemu_icount_shift so that a tick stays under half an
instruction. The numbers are emulated, not a real chip's cycles.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

import serial

from tinydeploy.boards import Board
from tinydeploy.errors import BoardError, DeviceError, ToolchainError
from tinydeploy.link import Link
from tinydeploy.targets.base import Target, kill, spawn

QEMU = "qemu-system-arm"
# One instruction = 2**6 = 64 virtual ns. The boards' timers tick every 31-50 ns,
# so a tick is shorter than one instruction and the tick count of a timed block
# converts to its exact instruction count, whatever phase of a tick it starts in.
ICOUNT_SHIFT = 6
INSTALL = "sudo apt-get install qemu-system-arm"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class QemuTarget(Target):
    def __init__(
        self,
        board: Board,
        elf: Path,
        icount_shift: Optional[int] = None,
        boot_timeout: float = 20.0,
        timeout: float = 10.0,
        extra_args: Optional[list[str]] = None,
    ):
        super().__init__()
        if board.platform != "qemu" or not board.qemu_machine:
            raise BoardError(f"board '{board.id}' is not a QEMU board", path=str(board.path))
        self.board, self.elf = board, Path(elf)
        if icount_shift is None:  # the board's own (its timer's tick may need a slower clock)
            icount_shift = board.qemu_icount_shift or ICOUNT_SHIFT
        self.icount_shift, self.boot_timeout, self.timeout = icount_shift, boot_timeout, timeout
        self.extra_args = list(extra_args or [])
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self._log: Optional[Path] = None

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    def command_line(self, port: int) -> list[str]:
        argv = [QEMU, "-machine", str(self.board.qemu_machine)]
        if self.board.qemu_cpu:
            argv += ["-cpu", self.board.qemu_cpu]
        if self.board.qemu_args:  # placeholders checked by boards.py
            argv += shlex.split(self.board.qemu_args.format(**dataclasses.asdict(self.board)))
        return argv + [
            "-nographic",
            "-monitor",
            "none",
            "-icount",
            f"shift={self.icount_shift}",
            "-serial",
            f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on",
            "-kernel",
            str(self.elf),
            *self.extra_args,
        ]

    def _stderr(self) -> str:
        try:
            return self._log.read_text(errors="replace").strip() if self._log else ""
        except OSError:
            return ""

    def start(self) -> Link:
        if shutil.which(QEMU) is None:
            raise ToolchainError(f"not found on PATH; install it with: {INSTALL}", tool=QEMU)
        if not self.elf.is_file():
            raise DeviceError(f"firmware {self.elf} does not exist; build it first", port=self.board.id)
        fd, name = tempfile.mkstemp(prefix="td-qemu-", suffix=".log")
        os.close(fd)
        self._log = Path(name)
        for _attempt in range(3):  # the free port can be taken between probe and bind
            port = _free_port()
            with open(self._log, "wb") as log:
                self.proc = spawn(
                    self.command_line(port), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
                )
            ser = self._connect(port)
            if ser is not None:
                break
            if "Address already in use" not in self._stderr():
                raise DeviceError(
                    f"QEMU exited with status {self.proc.returncode}: {self._stderr()[-400:]}",
                    port=f"{self.board.qemu_machine}",
                )
        else:
            raise DeviceError("could not find a free local TCP port for QEMU's UART", port=str(self.board.qemu_machine))
        ns_per_insn = float(1 << self.icount_shift)
        self.link = Link(
            ser,
            name=f"qemu:{self.board.qemu_machine}@{port}",
            timeout=self.timeout,
            ns_per_insn=ns_per_insn,
            counted_by="QEMU -icount",
        )
        self._await_firmware(self.link, self.boot_timeout, self.proc)
        return self.link

    def _connect(self, port: int) -> Optional[serial.SerialBase]:
        deadline = time.monotonic() + self.boot_timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return None
            try:
                return serial.serial_for_url(f"socket://127.0.0.1:{port}", timeout=0.05)
            except serial.SerialException:
                time.sleep(0.02)
        kill(self.proc)
        raise DeviceError(f"QEMU did not open its UART socket within {self.boot_timeout:g} s", port=f"127.0.0.1:{port}")

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
        kill(self.proc)
        if self._log is not None:
            self._log.unlink(missing_ok=True)
