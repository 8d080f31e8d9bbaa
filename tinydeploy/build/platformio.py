"""Build and upload PlatformIO projects with the `pio` command line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tinydeploy.boards import Board
from tinydeploy.errors import ToolchainError

PIO_TIMEOUT_S = 1800


def pio_command() -> str:
    """`pio` on PATH, else the one installed beside this Python (tinydeploy depends on
    platformio; a pipx or unactivated venv install does not put it on PATH)."""
    for name in ("pio", "platformio"):
        found = shutil.which(name)
        if found:
            return found
    beside = Path(sys.executable).parent / "pio"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise ToolchainError(
        "not found on PATH; install it with: pip install platformio "
        "(it downloads the board's platform and toolchain on first use, "
        "which needs internet)",
        tool="pio",
    )


# Lines of PlatformIO's log that say it went to its registry for something it lacks.
_REGISTRY_FAILURES = (
    "UnknownPlatform",
    "UnknownPackageError",
    "Could not install",
    "Could not find the package",
    "HTTPClientError",
    "InternetConnectionError",
    "Name or service not known",
)


def failure_line(log: str, board: Board) -> str:
    """One actionable line for a failed `pio run`, from its log."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    registry = [ln for ln in lines if any(k in ln for k in _REGISTRY_FAILURES)]
    if registry:
        return (
            f"PlatformIO could not install what board '{board.id}' needs (platform "
            f"'{board.pio_platform}', its framework or tools; first use needs internet): "
            f"{registry[0]}"
        )
    missing_lib = re.search(r"cannot find -l(\S+?):? ", log + " ")
    if missing_lib:
        name = missing_lib.group(1)
        return (
            f"linking the firmware for board '{board.id}' failed: the linker cannot find "
            f"lib{name}.a (-l{name}), a library the board's framework package should hold; "
            "reinstall that package"
        )
    errors = [ln for ln in lines if re.search(r"\berror\b", ln, re.IGNORECASE) and not ln.startswith("*** [")]
    first = errors[0] if errors else (lines[-1] if lines else "no output")
    more = f" (and {len(errors) - 1} more error lines)" if len(errors) > 1 else ""
    return f"building for board '{board.id}' failed: {first}{more}"


def pio_run(project: Path, board: Board, upload: bool = False, port: str | None = None) -> str:
    cmd = [pio_command(), "run", "-d", str(project), "-e", board.id]
    if upload:
        cmd += ["-t", "upload"] + (["--upload-port", port] if port else [])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIO_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"`{' '.join(cmd)}` did not finish in {PIO_TIMEOUT_S} s", tool="pio") from exc
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise ToolchainError(failure_line(log, board), tool="pio")
    return log


def pio_build(project: Path, board: Board, upload: bool = False, port: str | None = None) -> Path:
    """Build (and upload when ``upload``) the project; returns the ELF."""
    pio_run(project, board, upload=upload, port=port)
    return project / ".pio" / "build" / board.id / "firmware.elf"


def pio_upload(project: Path, board: Board, port: str | None) -> None:
    """Upload the built project to the board on ``port`` (None: PlatformIO looks for it);
    rebuilds only what changed."""
    pio_run(project, board, upload=True, port=port)
