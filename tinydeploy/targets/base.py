"""The target interface, and child-process hygiene shared by the emulator targets."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
import weakref
from typing import Optional

from tinydeploy.boards import Board
from tinydeploy.errors import DeviceError
from tinydeploy.link import Link

_LIVE: "weakref.WeakSet[subprocess.Popen[bytes]]" = weakref.WeakSet()


def _die_with_parent() -> None:
    """In the child: SIGKILL when the parent dies (Linux PR_SET_PDEATHSIG), so an
    emulator is never orphaned even if Python is killed with SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:  # not Linux: atexit + context managers still apply
        pass


def spawn(argv: list[str], **kw: object) -> "subprocess.Popen[bytes]":
    """Start a child in its own process group, killed at exit and when we die."""
    proc = subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent, **kw)  # type: ignore[call-overload]
    _LIVE.add(proc)
    return proc


def kill(proc: Optional["subprocess.Popen[bytes]"], grace: float = 1.0) -> None:
    """Terminate the child's process group, then SIGKILL it; reap it."""
    if proc is None or proc.poll() is not None:
        if proc is not None:
            _LIVE.discard(proc)
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    _LIVE.discard(proc)


@atexit.register
def _kill_all() -> None:
    for proc in list(_LIVE):
        kill(proc, grace=0.2)


class Target:
    """Start the firmware somewhere and open a Link to it.

    start() raises ToolchainError (emulator missing), DeviceError (no answer,
    port busy or gone); close() never raises and always stops what start() began.
    """

    board: Board
    boot_seconds: Optional[float] = None  # start() until the firmware answered

    def __init__(self) -> None:
        self.link: Optional[Link] = None

    def start(self) -> Link:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Target":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _await_firmware(self, link: Link, timeout: float, proc: Optional["subprocess.Popen[bytes]"] = None) -> None:
        t0 = time.monotonic()
        try:
            link.wait_ready(timeout)
        except DeviceError:
            if proc is not None and proc.poll() is not None:
                raise DeviceError(
                    f"the emulator exited with status {proc.returncode} before the firmware answered", port=link.name
                ) from None
            raise
        self.boot_seconds = time.monotonic() - t0
