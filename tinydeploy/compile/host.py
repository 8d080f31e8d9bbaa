"""Build a compiled model for the host with gcc and run it.

Two forms: a shared library loaded with ctypes (fast checks, latency), and a
small executable harness (for sanitizer builds, which cannot be loaded into
Python). Both run exactly the C that goes onto the device.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tinydeploy.errors import ToolchainError

if TYPE_CHECKING:
    from tinydeploy.compile import CompiledModel

WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def _cc(cc: str = "gcc") -> str:
    path = shutil.which(cc)
    if path is None:
        raise ToolchainError("not found on PATH; install a C compiler (e.g. apt install gcc)", tool=cc)
    return path


def _run(cmd: list[str], tool: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise ToolchainError("compilation failed: " + " | ".join(lines[:6]), tool=tool)


def build_shared(cm: CompiledModel, out: Path | None = None, opt: str = "-O2") -> Path:
    """Compile the model and its runtime into a shared library."""
    cc = _cc()
    out = out or cm.out_dir / "build" / "libmodel.so"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        cc,
        *WARNINGS,
        opt,
        "-shared",
        "-fPIC",
        *[f"-I{d}" for d in cm.include_dirs],
        *[str(s) for s in cm.sources],
        "-o",
        str(out),
    ]
    _run(cmd, "gcc")
    return out


def build_harness(cm: CompiledModel, out: Path | None = None, sanitize: bool = False) -> Path:
    """Compile an executable that runs N inputs read from a file (see aot_host_main.c.j2)."""
    from tinydeploy.templates import environment

    cc = _cc()
    build = cm.out_dir / "build"
    build.mkdir(parents=True, exist_ok=True)
    main_c = build / "aot_host_main.c"
    main_c.write_text(environment().get_template("aot_host_main.c.j2").render())
    out = out or build / ("model_san" if sanitize else "model_host")
    flags = ["-O1", "-g", *SANITIZE] if sanitize else ["-O2"]
    cmd = [
        cc,
        *WARNINGS,
        *flags,
        *[f"-I{d}" for d in cm.include_dirs],
        *[str(s) for s in cm.sources],
        str(main_c),
        "-o",
        str(out),
    ]
    _run(cmd, "gcc")
    return out


def run_harness(exe: Path, inputs: np.ndarray, in_bytes: int, out_bytes: int) -> np.ndarray:
    """Run ``inputs`` (N raw input buffers) through the harness; returns N raw outputs (uint8)."""
    data = np.ascontiguousarray(inputs).view(np.uint8).reshape(-1)
    count = data.size // in_bytes
    inp = exe.parent / "inputs.bin"
    outp = exe.parent / "outputs.bin"
    inp.write_bytes(data.tobytes())
    proc = subprocess.run([str(exe), str(inp), str(outp)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise ToolchainError(
            f"{exe.name} exited with {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:2000]}", tool=exe.name
        )
    raw = np.frombuffer(outp.read_bytes(), dtype=np.uint8)
    return raw.reshape(count, out_bytes)


class HostModel:
    """A compiled model loaded from its shared library (td_model.h through ctypes)."""

    def __init__(self, library: Path) -> None:
        self.lib = ctypes.CDLL(str(library))
        lib = self.lib
        for fn in ("td_model_input", "td_model_output"):
            getattr(lib, fn).restype = ctypes.c_void_p
        for fn in ("td_model_name", "td_model_hash", "td_model_runtime"):
            getattr(lib, fn).restype = ctypes.c_char_p
        for fn in ("td_model_arena_bytes", "td_model_static_bytes"):
            getattr(lib, fn).restype = ctypes.c_uint32
        lib.td_model_init.restype = ctypes.c_int
        lib.td_model_invoke.restype = ctypes.c_int
        status = lib.td_model_init()
        if status != 0:
            raise ToolchainError(f"td_model_init returned {status}", tool=str(library))
        self.input_ptr = lib.td_model_input()
        self.output_ptr = lib.td_model_output()

    def invoke(self, x: np.ndarray, out_dtype: np.dtype, out_count: int) -> np.ndarray:
        buf = np.ascontiguousarray(x)
        ctypes.memmove(self.input_ptr, buf.ctypes.data, buf.nbytes)
        status = self.lib.td_model_invoke()
        if status != 0:
            raise ToolchainError(f"td_model_invoke returned {status}", tool="model")
        n = out_count * np.dtype(out_dtype).itemsize
        raw = ctypes.string_at(self.output_ptr, n)
        return np.frombuffer(raw, dtype=out_dtype).copy()

    def latency_s(self, x: np.ndarray, repeat: int) -> float:
        """Mean seconds per td_model_invoke on the same input (copy excluded).

        The input is restored before each call (the arena reuses it) outside the timing."""
        buf = np.ascontiguousarray(x)
        total = 0.0
        for _ in range(repeat):
            ctypes.memmove(self.input_ptr, buf.ctypes.data, buf.nbytes)
            t0 = time.perf_counter()
            self.lib.td_model_invoke()
            total += time.perf_counter() - t0
        return total / repeat
