"""The firmware under test: the model compiled and built for one board, once.

Reuses the pipeline's stages (prepare_model, generate, build_project); the
build folder is keyed by board, runtime and model hash, so a later session
(or another pytest-xdist worker) finds it and make rebuilds only what changed.
A file lock keeps two processes from building into the same folder at once.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tinydeploy.boards import Board
from tinydeploy.build import build_project, upload_project
from tinydeploy.build.sizes import FirmwareSizes
from tinydeploy.hil.locks import FileLock
from tinydeploy.pipeline import PreparedModel, generate, prepare_model
from tinydeploy.policy import choose_runtime

BUILD_LOCK_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Firmware:
    board: Board
    runtime: str
    model: PreparedModel
    elf: Optional[Path]  # None when the board already holds the firmware
    sizes: Optional[FirmwareSizes]  # None when not built here (--td-no-flash, a farm)
    folder: Optional[Path] = None  # the generated project + build


def load_model(path: Path, data: Optional[Path] = None, option: str = "data") -> PreparedModel:
    """The model as the pipeline prepares it: a .tflite is checked to be fully int8, a
    Keras / SavedModel model is converted with ``data`` (its samples; ``option`` names
    where they come from in the error when they are missing)."""
    from tinydeploy.errors import DataError
    from tinydeploy.model.convert import source_kind

    if data is None and source_kind(Path(path)) != "tflite":
        raise DataError(
            f"a Keras/SavedModel model needs representative samples to be "
            f"quantized: pass {option}=SAMPLES (.npy, .npz or a folder of .npy)",
            path=str(path),
        )
    return prepare_model(Path(path), None if data is None else Path(data))


def build_firmware(
    model: PreparedModel,
    board: Board,
    runtime: str,
    cache_dir: Path,
    *,
    upload: bool = False,
    port: Optional[str] = None,
) -> Firmware:
    """Compile, render and build into cache_dir/<board>-<runtime>-<hash>/.

    A PlatformIO board is also uploaded when ``upload`` (through ``port``);
    the caller holds the port's lock.
    """
    runtime = choose_runtime(model.model, board, runtime, option="--td-runtime").runtime
    folder = Path(cache_dir) / f"{board.id}-{runtime}-{model.model.sha256[:12]}"
    with FileLock(folder.with_suffix(".lock"), timeout=BUILD_LOCK_TIMEOUT_S, what=f"build folder {folder}"):
        # compile_model wants a fresh folder; the project folder is kept, and its
        # files are rewritten only when they change, so make rebuilds only what did.
        shutil.rmtree(folder / "compiled", ignore_errors=True)
        generated = generate(model, board, runtime, folder)
        built = build_project(generated["project"], board)
        if upload:
            upload_project(generated["project"], board, port)
        return Firmware(board, runtime, model, built.elf, built.sizes, folder)


def prebuilt(model: PreparedModel, board: Board, runtime: str) -> Firmware:
    """Firmware already on the board (flashed by other means: a farm's own strategy)."""
    return Firmware(board, runtime, model, None, None, None)
