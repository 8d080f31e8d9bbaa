"""A user's TFLite Micro build, for `--runtime tflm` on make boards (QEMU, host).

tinydeploy does not ship TFLite Micro: the user points at a TFLM source tree
(whose Makefile has fetched its third-party code into tools/make/downloads) and
at the libtensorflow-microlite.a they built from it for the board's CPU.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tinydeploy.boards import Board
from tinydeploy.errors import ToolchainError

_DOWNLOADS = Path("tensorflow/lite/micro/tools/make/downloads")
_THIRD_PARTY = ("flatbuffers/include", "gemmlowp", "ruy")
_HOW = ("build it with TFLM's own Makefile, e.g. `make -f tensorflow/lite/micro/tools/make/"
        "Makefile TARGET=cortex_m_generic TARGET_ARCH=cortex-m4 OPTIMIZED_KERNEL_DIR=cmsis_nn "
        "microlite` (host board: plain `microlite`)")


@dataclass(frozen=True)
class TflmBuild:
    root: Path           # TFLM source tree
    lib: Path            # libtensorflow-microlite.a for this board
    includes: tuple[Path, ...]
    float_abi: str       # the library's float ABI on Arm ("hard" or "soft"); "" on the host


def _float_abi(lib: Path) -> str:
    readelf = shutil.which("arm-none-eabi-readelf")
    if readelf is None:
        return "soft"
    out = subprocess.run([readelf, "-A", str(lib)], capture_output=True, text=True).stdout
    return "hard" if "Tag_ABI_VFP_args: VFP registers" in out else "soft"


def find_tflm(board: Board, root: str | Path | None, lib: str | Path | None) -> TflmBuild:
    """Validate the user's TFLM tree and library (options, else TINYDEPLOY_TFLM_ROOT/_LIB)."""
    root = root or os.environ.get("TINYDEPLOY_TFLM_ROOT")
    lib = lib or os.environ.get("TINYDEPLOY_TFLM_LIB")
    if not root or not lib:
        raise ToolchainError(
            f"board '{board.id}' builds with make, and TFLite Micro is not shipped with "
            "tinydeploy: pass --tflm-root (a TFLM source tree) and --tflm-lib (its "
            f"libtensorflow-microlite.a for {board.cpu}; {_HOW}), or use --runtime aot",
            tool="tflm")
    root, lib = Path(root).resolve(), Path(lib).resolve()
    header = root / "tensorflow/lite/micro/micro_interpreter.h"
    if not header.is_file():
        raise ToolchainError(f"{root} is not a TFLite Micro source tree (no {header.name}); "
                             "pass the folder holding tensorflow/lite/micro", tool="tflm")
    includes = [root] + [root / _DOWNLOADS / sub for sub in _THIRD_PARTY]
    missing = [str(p) for p in includes if not p.is_dir()]
    if missing:
        raise ToolchainError(f"{missing[0]} is missing: run TFLM's Makefile once "
                             "(it fetches its third-party code there)", tool="tflm")
    if not lib.is_file():
        raise ToolchainError(f"{lib}: no such library; {_HOW}", tool="tflm")
    return TflmBuild(root, lib, tuple(includes), "" if board.cpu == "host" else _float_abi(lib))
