"""Run make in a generated project; check the toolchain and the model's size first."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tinydeploy.boards import Board
from tinydeploy.build.sizes import FirmwareSizes, check_fit, firmware_sizes, object_sizes
from tinydeploy.errors import BoardError, ToolchainError

_APT = {
    "arm-none-eabi-gcc": "sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "make": "sudo apt-get install make",
    "cc": "sudo apt-get install gcc",
}
BUILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class BuildResult:
    elf: Path  # build/fw.elf (build/fw on the host board: the program to run)
    sizes: FirmwareSizes
    log: str  # make's output


def check_toolchain(board: Board) -> None:
    """ToolchainError naming the install command when a tool is missing."""
    tools = ["make", "cc" if board.cpu == "host" else "arm-none-eabi-gcc"]
    for tool in tools:
        if shutil.which(tool) is None:
            raise ToolchainError(f"not found on PATH; install it with: {_APT[tool]}", tool=tool)
    if board.cpu != "host":
        probe = subprocess.run(
            ["arm-none-eabi-gcc", "--specs=nano.specs", "-print-file-name=libc_nano.a"], capture_output=True, text=True
        )
        if not os.path.isabs(probe.stdout.strip()):
            raise ToolchainError(
                f"newlib (libc_nano.a) is missing; install it with: {_APT['arm-none-eabi-gcc']}",
                tool="arm-none-eabi-gcc",
            )


def _make(project: Path, *targets: str, jobs: int = 1) -> str:
    cmd = ["make", "-C", str(project), f"-j{jobs}", *targets]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"make did not finish in {BUILD_TIMEOUT_S} s in {project}", tool="make") from exc
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        overflow = re.search(r"region `(\w+)' overflowed by (\d+) bytes", log)
        if overflow or "does not fit in RAM" in log:
            what = (
                f"{overflow.group(1)} overflowed by {int(overflow.group(2)):,} bytes"
                if overflow
                else "static RAM overlaps the stack"
            )
            raise BoardError(
                f"the firmware does not fit: {what}. Choose a board with more memory or a smaller model",
                path=str(project),
            )
        errors = [ln for ln in log.splitlines() if "error" in ln.lower() or "undefined reference" in ln][:8]
        raise ToolchainError(f"build failed in {project}:\n" + "\n".join(errors or log.splitlines()[-10:]), tool="make")
    return log


def build(project_dir: Path, board: Board, jobs: int = 0) -> BuildResult:
    """Build the project; refuse a model that cannot fit before linking.
    ``jobs``: parallel compiler runs (0: one per CPU, at most 4)."""
    project = Path(project_dir)
    jobs = jobs or min(4, os.cpu_count() or 1)
    if not (project / "Makefile").is_file():
        raise ToolchainError(
            f"{project} has no Makefile; render it with tinydeploy.codegen.generate_project() first", tool="make"
        )
    check_toolchain(board)
    log = _make(project, "model-objs", jobs=jobs)
    objs = sorted((project / "build" / "model").rglob("*.o")) + sorted((project / "build" / "runtime").rglob("*.o"))
    if board.cpu != "host":
        model = object_sizes(objs)
        check_fit(board, model["weights"] + model["code"] + model["rodata"], model["ram"])
    log += _make(project, "all", jobs=jobs)
    elf = project / "build" / ("fw" if board.cpu == "host" else "fw.elf")
    return BuildResult(elf, firmware_sizes(elf, 0 if board.cpu == "host" else board.stack_bytes), log)
