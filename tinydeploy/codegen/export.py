"""The model as a library for the user's own application: an Arduino library or a plain
C library (CMake + a Makefile fragment). Renders only; never compiles or builds.

Both formats share one tree, so the user's code sees one include path (``src/``):

    src/<name>.h              the public header: td_model.h's API + the model's sizes
    src/tinydeploy/           model.c, model.h, td_features.h and the runtime kernels it
                              uses (quoted includes resolve beside the including file)
    compiled.json             the compiler's metadata (arena offsets, quant params, ops)
    README.md
  arduino:
    library.properties        Arduino library specification 1.5 (recursive src/ layout)
    examples/classify/        a sketch that feeds a sample buffer and prints the top class
  c:
    CMakeLists.txt            add_subdirectory(): target <name> (alias tinydeploy::model)
    tinydeploy_model.mk       include it: TD_MODEL_SRCS, TD_MODEL_INCLUDES, TD_MODEL_CFLAGS
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from tinydeploy import __version__, cgen
from tinydeploy.boards import Board
from tinydeploy.errors import DataError
from tinydeploy.templates import render

FORMATS = ("arduino", "c")
EXAMPLE = "classify"
LIB_DIR = "tinydeploy"  # below src/
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


@dataclass(frozen=True)
class SampleInput:
    """One input for the example, as real values, and what tflite-micro answers for it."""

    real: np.ndarray  # float32 values the example feeds (quantized on the device)
    top_class: int  # index of the largest output of the host reference
    output: np.ndarray  # the host reference's raw output for it


@dataclass
class ExportedLibrary:
    out_dir: Path
    format: str
    name: str
    header: Path
    sources: list[Path]  # every .c the user's build compiles
    files: list[Path] = field(default_factory=list)
    example: Optional[Path] = None


def library_name(model_name: str, name: Optional[str] = None) -> str:
    """The library's name (folder, header and macro prefix): ``name`` checked, or one
    derived from the model's name."""
    if name is None:
        return cgen.sanitize(model_name, prefix="model_")
    if not _NAME.match(name) or name in cgen.C_RESERVED:
        raise DataError(
            f"--name {name!r}: a library name is a C identifier (a letter, then letters, digits or '_', at most 40)",
            path=name,
        )
    return name


def _io_text(io: dict[str, Any]) -> str:
    shape = "x".join(str(d) for d in io["shape"])
    quant = f", scale {io['scale']:.9g}, zero point {io['zero_point']}" if io.get("scale") is not None else ""
    return f"{io['dtype']} [{shape}] ({io['bytes']} bytes){quant}"


def export_library(
    compiled: Any,
    fmt: str,
    out_dir: Path,
    *,
    name: Optional[str] = None,
    board: Optional[Board] = None,
    sample: Optional[SampleInput] = None,
) -> ExportedLibrary:
    """Write the library for ``compiled`` (a CompiledModel) into ``out_dir`` (which the
    caller made and owns: see outdir.staged_output_dir).

    ``fmt``: "arduino" or "c". ``board``: only named in the README and header (the
    caller chose the kernels and checked the fit for it). ``sample``: the input the
    Arduino example feeds (without one it feeds zeros)."""
    if fmt not in FORMATS:
        raise DataError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", path=str(out_dir))
    lib = library_name(compiled.name, name)
    out = Path(out_dir)
    src = out / "src"
    inner = src / LIB_DIR
    inner.mkdir(parents=True, exist_ok=True)
    runtime = compiled.out_dir / "runtime"
    copied = [compiled.model_c, *compiled.headers, *sorted(p for p in runtime.iterdir() if p.suffix in (".c", ".h"))]
    for path in copied:
        shutil.copyfile(path, inner / path.name)
    shutil.copyfile(compiled.metadata, out / "compiled.json")
    sources = [inner / p.name for p in copied if p.suffix == ".c"]
    rel_sources = [p.relative_to(out).as_posix() for p in sources]
    meta = {
        "format": fmt,
        "name": lib,
        "guard": lib.upper(),
        "version": __version__,
        "model_name": cgen.comment(compiled.name),
        "sha256": compiled.sha256,
        "input": _io_text(compiled.input),
        "output": _io_text(compiled.output),
        "arena_bytes": compiled.arena_bytes,
        "data_bytes": compiled.weights_bytes + compiled.params_bytes,
        "kernels": cgen.comment(str(compiled.kernel_choice.get("kernels", "reference"))),
        "board": board,
        "lib_dir": LIB_DIR,
        "sources": rel_sources,
        "example": EXAMPLE,
    }
    header = src / f"{lib}.h"
    header.write_text(render("export_header.h.j2", **meta))
    (out / "README.md").write_text(render("export_README.md.j2", **meta))
    files = [header, out / "README.md", out / "compiled.json"]
    example = None
    if fmt == "arduino":
        (out / "library.properties").write_text(render("export_library.properties.j2", **meta))
        ex = out / "examples" / EXAMPLE
        ex.mkdir(parents=True)
        (ex / "sample_input.h").write_text(_sample_header(compiled, sample))
        example = ex / f"{EXAMPLE}.ino"
        example.write_text(
            render(
                "export_classify.ino.j2", **meta, out_dtype=compiled.output["dtype"], in_dtype=compiled.input["dtype"]
            )
        )
        files += [out / "library.properties", ex / "sample_input.h", example]
    else:
        (out / "CMakeLists.txt").write_text(render("export_CMakeLists.txt.j2", **meta))
        (out / "tinydeploy_model.mk").write_text(render("export_model.mk.j2", **meta))
        files += [out / "CMakeLists.txt", out / "tinydeploy_model.mk"]
    return ExportedLibrary(out, fmt, lib, header, sources, files + sources, example)


def _sample_header(compiled: Any, sample: Optional[SampleInput]) -> str:
    count = int(np.prod(compiled.input["shape"]))
    real = np.zeros(count, np.float32) if sample is None else np.asarray(sample.real, np.float32).reshape(-1)
    if real.size != count:
        raise DataError(f"the sample input has {real.size} values, the model's input {count}", path="<sample>")
    per_line = 8
    items = [cgen.float_literal(float(v)) for v in real.tolist()]
    body = "\n".join("  " + ", ".join(items[i : i + per_line]) + "," for i in range(0, len(items), per_line))
    return render(
        "export_sample_input.h.j2",
        version=__version__,
        model_name=cgen.comment(compiled.name),
        count=count,
        body=body,
        top_class=-1 if sample is None else int(sample.top_class),
        has_sample=sample is not None,
    )
