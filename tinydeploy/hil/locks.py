"""Inter-process locks: one test process per serial port, one build per firmware folder.

    with FileLock(path, timeout=30, what="port /dev/ttyACM0"):
        ...   # nobody else (another pytest-xdist worker, another run) holds it

An advisory ``flock`` on a small file: the kernel drops it when the holder
exits, even on SIGKILL, so a crashed run never leaves a stale lock behind.
The file holds the holder's pid, only to name it in the error message.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Optional

from tinydeploy.errors import DeviceError

POLL_S = 0.05


def lock_dir() -> Path:
    """$TD_LOCK_DIR, or tinydeploy-locks in the system temporary folder."""
    folder = Path(os.environ.get("TD_LOCK_DIR") or Path(tempfile.gettempdir()) / "tinydeploy-locks")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class FileLock:
    """An exclusive flock on ``path``; waits up to ``timeout`` seconds for it."""

    def __init__(self, path: Path, timeout: float = 60.0, what: Optional[str] = None):
        self.path, self.timeout = Path(path), timeout
        self.what = what or str(path)
        self._fd: Optional[int] = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "FileLock":
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise DeviceError(
                        f"in use by another test process{holder} for more than "
                        f"{self.timeout:g} s; run one pytest-xdist worker per board "
                        "(--dist loadgroup) or wait for the other run to finish",
                        port=self.what,
                    ) from None
                time.sleep(POLL_S)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "FileLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def port_key(port: str) -> str:
    """One name per physical port: a device path with its symlinks resolved
    (/dev/serial/by-id/... and /dev/ttyACM0 are one port), a URL as it is."""
    return port if "://" in port else os.path.realpath(port)


def port_lock(port: str, timeout: float = 60.0) -> FileLock:
    """The lock that stands for exclusive use of a serial port (or a network port URL)."""
    key = port_key(port)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_") or "port"
    return FileLock(lock_dir() / f"port-{name}.lock", timeout=timeout, what=f"port {port}")
