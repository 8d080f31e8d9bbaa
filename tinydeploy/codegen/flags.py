"""Compiler flags per CPU: a toolchain table (which -mcpu/-mfpu GCC wants), not board data."""

from __future__ import annotations

from tinydeploy.boards import Board
from tinydeploy.errors import BoardError

# (flags without FPU, flags with FPU). The M7 uses the single-precision FPU
# flags: every M7 FPU has them (the STM32F746 has only single precision).
_ARM = {
    "cortex-m0": ("-mcpu=cortex-m0 -mthumb -mfloat-abi=soft", None),
    "cortex-m3": ("-mcpu=cortex-m3 -mthumb -mfloat-abi=soft", None),
    "cortex-m4": (
        "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft",
        "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard",
    ),
    "cortex-m7": (
        "-mcpu=cortex-m7 -mthumb -mfloat-abi=soft",
        "-mcpu=cortex-m7 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard",
    ),
    "cortex-m33": (
        "-mcpu=cortex-m33 -mthumb -mfloat-abi=soft",
        "-mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard",
    ),
    "cortex-m55": ("-mcpu=cortex-m55 -mthumb -mfloat-abi=soft", "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard"),
}


def cpu_flags(board: Board) -> str:
    if board.cpu == "host":
        return ""
    if board.cpu not in _ARM:
        raise BoardError(
            f"cpu '{board.cpu}' is built with PlatformIO, not make; supported by make: {', '.join(_ARM)}, host",
            path=str(board.path),
        )
    soft, hard = _ARM[board.cpu]
    flags = hard if (board.fpu and hard) else soft
    if board.cpu == "cortex-m33" and not board.dsp:
        flags = flags.replace("-mcpu=cortex-m33", "-mcpu=cortex-m33+nodsp")
    return flags
