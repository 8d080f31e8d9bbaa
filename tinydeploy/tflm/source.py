"""Obtain the pinned TFLite Micro source: from --tflm-source / TINYDEPLOY_TFLM_SOURCE
(the two tarballs, or their extracted trees), else downloaded from GitHub.

The result is a TFLM tree in the user's cache whose tools/make/downloads/ holds the
third-party code, so TFLM's own Makefile (and create_tflm_tree.py) never downloads.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tinydeploy.errors import ToolchainError
from tinydeploy.tflm.pins import SOURCE_TARBALL, THIRD_PARTY, THIRD_PARTY_TARBALL, TFLM_COMMIT, TFLM_URL

ENV = "TINYDEPLOY_TFLM_SOURCE"
DOWNLOADS = Path("tensorflow/lite/micro/tools/make/downloads")
# Folders every build needs; cmsis and cmsis_nn only for the cmsis_nn kernels.
_ALWAYS = ("flatbuffers", "gemmlowp", "ruy", "kissfft")
_HOW = (
    f"pass --tflm-source PATH (or set {ENV}) to a folder "
    f"holding {SOURCE_TARBALL} and {THIRD_PARTY_TARBALL} (or their extracted trees), "
    f"or allow tinydeploy to download tensorflow/tflite-micro@{TFLM_COMMIT[:12]} from "
    "GitHub"
)
_MISSING = "no TFLite Micro source: " + _HOW


def cache_root() -> Path:
    """~/.cache/tinydeploy/tflm (or $XDG_CACHE_HOME/tinydeploy/tflm)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinydeploy" / "tflm"


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (parallel runs and xdist workers build once)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def progress(text: str) -> None:
    """One line on stderr for work that takes minutes (a first build)."""
    print(text, file=sys.stderr, flush=True)


def _is_tflm(root: Path) -> bool:
    return (root / "tensorflow/lite/micro/micro_interpreter.h").is_file()


def _third_party_dirs(folder: Path) -> dict[str, Path]:
    return {
        name: folder / name
        for name in ("flatbuffers", "gemmlowp", "ruy", "kissfft", "cmsis", "cmsis_nn")
        if (folder / name).is_dir()
    }


def _extract(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")


def _from_folder(given: Path, dest: Path) -> None:
    """Fill ``dest`` (tflite-micro/ with its downloads/) from the user's folder."""
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".src-"))
    try:
        if (given / SOURCE_TARBALL).is_file():
            _extract(given / SOURCE_TARBALL, tmp)
        elif _is_tflm(given / "tflite-micro"):
            shutil.copytree(given / "tflite-micro", tmp / "tflite-micro", symlinks=True)
        elif _is_tflm(given):
            shutil.copytree(given, tmp / "tflite-micro", symlinks=True)
        else:
            raise ToolchainError(
                f"{given} holds neither {SOURCE_TARBALL} nor a tflite-micro/ tree; {_HOW}", tool="tflm"
            )
        downloads = tmp / "tflite-micro" / DOWNLOADS
        downloads.mkdir(parents=True, exist_ok=True)
        have = _third_party_dirs(downloads)
        if (given / THIRD_PARTY_TARBALL).is_file() and len(have) < 6:
            _extract(given / THIRD_PARTY_TARBALL, downloads)
        else:
            for name, path in _third_party_dirs(given).items():
                if not (downloads / name).exists():
                    shutil.copytree(path, downloads / name, symlinks=True)
        missing = [n for n in _ALWAYS if not (downloads / n).is_dir()]
        if missing:
            raise ToolchainError(
                f"{given}: no {', '.join(missing)} beside the TFLM tree; bring "
                f"{THIRD_PARTY_TARBALL} or these folders at the revisions "
                + ", ".join(f"{n} {THIRD_PARTY[n][0]}" for n in missing),
                tool="tflm",
            )
        (downloads / "pigweed").mkdir(exist_ok=True)  # the Makefile only checks it exists
        (tmp / "tflite-micro").rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _download(dest: Path) -> None:
    """The pinned TFLM archive from GitHub; its Makefile fetches the rest itself."""
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".dl-"))
    try:
        archive = tmp / "tflm.tar.gz"
        progress(f"tinydeploy: downloading TFLite Micro {TFLM_COMMIT[:12]} ...")
        with urllib.request.urlopen(TFLM_URL, timeout=30) as resp, open(archive, "wb") as fh:
            shutil.copyfileobj(resp, fh)
        _extract(archive, tmp)
        (tmp / f"tflite-micro-{TFLM_COMMIT}").rename(dest)
    except OSError as err:
        raise ToolchainError(f"{_MISSING} (download failed: {err})", tool="tflm") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def find_source(given: str | Path | None = None) -> Path:
    """The cached TFLM tree at the pinned commit, prepared once from ``given`` (the
    --tflm-source option), else $TINYDEPLOY_TFLM_SOURCE, else a download."""
    given = given or os.environ.get(ENV) or None
    dest = cache_root() / "src" / TFLM_COMMIT[:12] / "tflite-micro"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with locked(dest):
        if _is_tflm(dest):
            return dest
        if given is not None:
            folder = Path(given).expanduser().resolve()
            if not folder.is_dir():
                raise ToolchainError(f"{folder}: no such folder; {_HOW}", tool="tflm")
            progress(f"tinydeploy: preparing TFLite Micro {TFLM_COMMIT[:12]} from {folder} ...")
            _from_folder(folder, dest)
        else:
            _download(dest)
    return dest
