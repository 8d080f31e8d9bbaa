"""Build and upload PlatformIO projects with the `pio` command line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tinydeploy.boards import Board
from tinydeploy.errors import ToolchainError

PIO_TIMEOUT_S = 1800


def pio_command() -> str:
    for name in ("pio", "platformio"):
        found = shutil.which(name)
        if found:
            return found
    raise ToolchainError("not found on PATH; install it with: pip install platformio "
                         "(it downloads the board's platform and toolchain on first use, "
                         "which needs internet)", tool="pio")


def pio_run(project: Path, board: Board, upload: bool = False, port: str | None = None) -> str:
    cmd = [pio_command(), "run", "-d", str(project), "-e", board.id]
    if upload:
        cmd += ["-t", "upload"] + (["--upload-port", port] if port else [])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIO_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"`{' '.join(cmd)}` did not finish in {PIO_TIMEOUT_S} s",
                             tool="pio") from exc
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
        if any(k in log for k in ("UnknownPlatform", "Could not install", "HTTPClientError",
                                  "InternetConnectionError", "Name or service not known")):
            raise ToolchainError(
                f"PlatformIO could not install platform '{board.pio_platform}' for board "
                f"'{board.id}' (needs internet on first use): {lines[-1] if lines else ''}",
                tool="pio")
        errors = [ln for ln in lines if "error" in ln.lower()][:5] or lines[-5:]
        raise ToolchainError(f"`{' '.join(cmd)}` failed:\n" + "\n".join(errors), tool="pio")
    return log


def pio_build(project: Path, board: Board, upload: bool = True, port: str | None = None) -> Path:
    """Build (and by default upload) the project; returns the ELF."""
    pio_run(project, board, upload=upload, port=port)
    return project / ".pio" / "build" / board.id / "firmware.elf"
