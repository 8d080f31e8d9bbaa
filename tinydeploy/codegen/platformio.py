"""A PlatformIO + Arduino project for a real board: platformio.ini and src/.

The same tdlink server (firmware/app) runs over an Arduino HAL; the model is
either the AOT-compiled C (default) or TFLite Micro with the model as a C array.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydeploy import __version__
from tinydeploy.boards import Board
from tinydeploy import cgen
from tinydeploy.codegen.files import sync, tree
from tinydeploy.errors import BoardError
from tinydeploy.model.ir import Model
from tinydeploy.resources import firmware_dir
from tinydeploy.templates import render


_SKETCH_SUFFIXES = (".c", ".h", ".cpp", ".cc")


def generate_platformio_project(
    model: Model,
    raw: bytes,
    board: Board,
    out_dir: Path,
    compiled: Any = None,
    extra_sources: list[Path] | None = None,
    main_template: str = "pio_main.cpp.j2",
    extra_context: dict[str, Any] | None = None,
    tflm_source: Path | None = None,
    tflm_kernels: str = "auto",
) -> Path:
    """Write platformio.ini and src/{main.cpp, app/, hal/, runtime/, model/} into out_dir.

    ``compiled``: the AOT compiler's CompiledModel; None means the TFLite Micro runtime,
    which on a Cortex-M board comes as lib/tflite-micro/ (the pinned tree's core and the
    model's kernels, tinydeploy.tflm.export_library from ``tflm_source``) with its
    defines and include folders in platformio.ini's build_flags, the one place both the
    library and the application are compiled with; other cores name a PlatformIO
    library (the board's key 'tflm_lib_dep').
    ``extra_sources`` go to src/app/ and ``main_template`` (with ``extra_context``)
    renders src/main.cpp: how an application (see EXAMPLES) extends the firmware.
    """
    if board.build != "platformio" or not board.pio_board:
        raise BoardError(f"board '{board.id}' is not a PlatformIO board", path=str(board.path))
    runtime = "aot" if compiled is not None else "tflm"
    generated_tflm = runtime == "tflm" and board.cpu.startswith("cortex-m")
    if runtime == "tflm" and not generated_tflm and not board.tflm_lib_dep:
        raise BoardError(
            "key 'tflm_lib_dep' is missing: no TFLite Micro library is known for this board; use --runtime aot",
            path=str(board.path),
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    src = out_dir / "src"
    fw = firmware_dir()
    app = tree(fw / "app", _SKETCH_SUFFIXES)
    app.update({Path(Path(p).name): Path(p) for p in extra_sources or []})
    sync(app, src / "app")
    sync(tree(fw / "hal" / "arduino", _SKETCH_SUFFIXES), src / "hal")
    # an existing project (the HIL plugin's cached build folder) is refreshed in place
    (src / "runtime").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fw / "runtime" / "td_model.h", src / "runtime" / "td_model.h")
    tflm = None
    if generated_tflm:
        from tinydeploy.codegen.flags import cpu_flags
        from tinydeploy.codegen.tflm import resolver_methods
        from tinydeploy.tflm import export_library

        tflm = export_library(
            board.cpu,
            cpu_flags(board),
            tflm_kernels,
            resolver_methods(model),
            out_dir / "lib" / "tflite-micro",
            tflm_source,
        )
    context: dict[str, Any] = {
        "board": board,
        "version": __version__,
        "model_name": cgen.comment(model.name),
        "runtime": runtime,
        "tflm": tflm,
        **(extra_context or {}),
    }
    # td_server keeps a copy of the loaded input for `infer N W` (see td_server.c).
    context.setdefault("defines", {"TD_INPUT_STORE_BYTES": model.input_tensors[0].nbytes})
    (src / "td_board.h").write_text(render("fw_td_board.h.j2", **context))
    (src / "main.cpp").write_text(render(main_template, **context))
    (out_dir / "platformio.ini").write_text(render("pio_platformio.ini.j2", **context))
    model_dir = src / "model"
    model_dir.mkdir(exist_ok=True)
    if compiled is not None:
        sync(tree(fw / "runtime", (".c", ".h")), src / "runtime")
        for path in (compiled.model_c, *compiled.headers):
            shutil.copyfile(path, model_dir / Path(path).name)
    else:
        from tinydeploy.codegen.tflm import write_tflm_model

        if tflm is not None:
            sources = write_tflm_model(model, raw, model_dir, layout=tflm.layout, defines=tflm.defines)
            _tflm_model_library(sources.files[-1], out_dir / "lib" / "td_tflm_model", src)
        else:
            write_tflm_model(model, raw, model_dir, arduino_header=board.tflm_header)
    return out_dir


def _tflm_model_library(cc: Path, lib: Path, src: Path) -> None:
    """Move tflm_model.cc into a PlatformIO library of its own, compiled as C++17 like
    TFLM (src/ stays gnu++14); src/model/td_tflm_link.c includes its header, which is
    how PlatformIO's dependency finder links the library (and, through its includes,
    lib/tflite-micro/)."""
    import json

    from tinydeploy.tflm.library import CXX17_BUILD

    lib.mkdir(parents=True, exist_ok=True)
    shutil.move(str(cc), lib / cc.name)
    (lib / "td_tflm_model.h").write_text(
        f"// Generated by tinydeploy {__version__}: td_model.h over TensorFlow Lite Micro is\n"
        "// implemented in tflm_model.cc beside this header.\n"
        '#ifndef TD_TFLM_MODEL_H\n#define TD_TFLM_MODEL_H\n#include "td_model.h"\n#endif\n'
    )
    (lib / "library.json").write_text(
        json.dumps(
            {
                "name": "td_tflm_model",
                "version": __version__,
                "description": "td_model.h over TensorFlow Lite Micro, generated by tinydeploy",
                "frameworks": "*",
                "platforms": "*",
                "build": CXX17_BUILD,
            },
            indent=2,
        )
        + "\n"
    )
    (src / "model" / "td_tflm_link.c").write_text(
        f"/* Generated by tinydeploy {__version__}: links lib/td_tflm_model (PlatformIO finds\n"
        "   libraries through the headers src/ includes). */\n"
        '#include "td_tflm_model.h"\n'
        "const char *td_tflm_link(void) { return td_model_runtime(); }\n"
    )


# The MLPerf Tiny keyword-spotting model's classes, in its output order (word_labels in
# mlcommons/tiny benchmark/training/keyword_spotting/get_dataset.py).
MLPERF_KWS_LABELS = ("down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "silence", "unknown")

# Application firmware: C sources added to app/ (firmware/<sources>) and, on PlatformIO
# boards, the sketch that replaces the plain server's main.cpp; the class names when no
# labels file is beside the model. Data, not code paths.
EXAMPLES: dict[str, dict[str, Any]] = {
    "keyword_spotting": {
        "sources": "features",
        "main": "kws_main.cpp.j2",
        "labels": "labels.txt",
        "default_labels": MLPERF_KWS_LABELS,
        "default_labels_from": "the MLPerf Tiny KWS model",
        "sketch_needs_microphone": "pdm",
    },
}


def example_labels(prepared: Any, example: str, note: Callable[[str], None] = lambda text: None) -> list[str]:
    """The class names: the labels file beside the model (one per line), else the
    example's defaults (said on one ``note`` line) when their count fits the model."""
    from tinydeploy.errors import DataError, InputFileError

    spec = EXAMPLES[example]
    labels_file = Path(prepared.source).parent / spec["labels"]
    classes = prepared.model.output_tensors[0].nbytes
    if labels_file.is_file():
        labels = [ln.strip() for ln in labels_file.read_text().splitlines() if ln.strip()]
        if len(labels) != classes:
            raise DataError(
                f"{len(labels)} class names for a model with {classes} outputs; "
                "write one name per output, one per line",
                path=str(labels_file),
            )
        return labels
    defaults = list(spec.get("default_labels") or ())
    if len(defaults) != classes:
        raise InputFileError(
            f"--example {example} needs the class names, one per line, in "
            f"{spec['labels']} beside the model ({classes} outputs)",
            path=str(labels_file),
        )
    note(
        f"note: no {spec['labels']} beside the model: using the {len(defaults)} classes of "
        f"{spec['default_labels_from']} ({', '.join(defaults)}); write {labels_file} "
        "(one name per line) for other classes"
    )
    return defaults


def example_sources(
    prepared: Any, board: Board, example: str, note: Callable[[str], None] = lambda text: None
) -> tuple[list[Path], list[str]]:
    """The extra app/ sources and the class names (see example_labels) of an
    application in EXAMPLES for ``board``; checked before anything is compiled."""
    from tinydeploy.errors import DataError

    if example not in EXAMPLES:
        raise DataError(f"unknown example {example!r}; known: {', '.join(sorted(EXAMPLES))}", path=str(prepared.source))
    spec = EXAMPLES[example]
    mic = spec.get("sketch_needs_microphone")
    if board.build == "platformio" and mic and board.microphone != mic:
        from tinydeploy.boards import list_boards

        with_mic = ", ".join(b.id for b in list_boards() if b.microphone == mic) or "none known"
        raise BoardError(
            f"--example {example} on a PlatformIO board is a sketch for a {mic.upper()} "
            f"microphone, and board '{board.id}' has none (key 'microphone'); use a "
            f"board with one ({with_mic}) or a make board (audio over tdlink)",
            path=str(board.path or board.id),
        )
    sources = sorted(p for p in (firmware_dir() / spec["sources"]).iterdir() if p.suffix in (".c", ".h"))
    return sources, example_labels(prepared, example, note)


def render_example(
    model: Model,
    raw: bytes,
    compiled: Any,
    board: Board,
    example: str,
    sources: list[Path],
    labels: list[str],
    out_dir: Path,
) -> Path:
    """Render out_dir for an application in EXAMPLES around the AOT-compiled model:
    a make project with the extra sources, or a PlatformIO project with its sketch."""
    if board.build == "platformio":
        return generate_platformio_project(
            model,
            raw,
            board,
            out_dir,
            compiled=compiled,
            extra_sources=sources,
            main_template=EXAMPLES[example]["main"],
            extra_context={
                "labels": labels,
                "example": example,
                "label_literals": [cgen.string_literal(x) for x in labels],
            },
        )
    from tinydeploy.codegen.make import generate_project

    return generate_project(board, [compiled.model_c, *compiled.headers], out_dir, extra_sources=sources)
