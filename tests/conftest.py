"""Shared fixtures: the MLPerf Tiny models in ../shared, and small Keras models built here."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# pytester's in-process runs (tests/hil) put sys.modules back as they found it: TensorFlow
# first imported inside one is imported a second time by a later test, and its native
# registry aborts the whole process ("PyExceptionRegistry::Init() already called").
# Imported here, before any such run, it stays loaded.
try:
    import tensorflow  # noqa: F401
except ImportError:
    pass

_LEGACY_KERAS = os.environ.get("TF_USE_LEGACY_KERAS")


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test module that imports onnx2tf at collection sets TF_USE_LEGACY_KERAS=1 for the
    whole run, and every later Keras test fails to load its models: stop at once instead."""
    if os.environ.get("TF_USE_LEGACY_KERAS") != _LEGACY_KERAS:
        raise pytest.UsageError(
            "collecting the tests set TF_USE_LEGACY_KERAS (a module "
            "imported onnx2tf): check the extra with importlib.util."
            "find_spec instead of importing it"
        )


REPO = Path(__file__).resolve().parents[1]
MLPERF_DIR = REPO.parent / "shared" / "models" / "mlperf-tiny"
MLPERF_MODELS = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "resnet": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}


def mlperf_path(key: str) -> Path:
    """Path of an MLPerf Tiny model; skips the test when ../shared is absent."""
    path = MLPERF_DIR / MLPERF_MODELS[key]
    if not path.is_file():
        pytest.skip(
            f"MLPerf Tiny model {path} is absent (../shared/models/mlperf-tiny beside the repository holds them)"
        )
    return path


@pytest.fixture(params=sorted(MLPERF_MODELS))
def mlperf_model(request: pytest.FixtureRequest) -> Path:
    return mlperf_path(request.param)


@pytest.fixture(scope="session")
def pio_offline() -> Iterator[dict[str, str]]:
    """PlatformIO offline for the session: the local packages from ../shared/thirdparty
    installed in a private PLATFORMIO_CORE_DIR (tests/pio_offline.py), set in os.environ
    so that tinydeploy's own `pio run` finds them; returns those variables. Skips when
    ../shared/thirdparty, PlatformIO, SCons or arm-none-eabi-gcc is absent."""
    import pio_offline as offline

    try:
        found = offline.prepare()
    except offline.Unavailable as exc:
        pytest.skip(f"no offline PlatformIO: {exc}")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in found.env.items():
            mp.setenv(key, value)
        yield dict(found.env)


THIRDPARTY_DIR = REPO.parent / "shared" / "thirdparty"
RENODE_TARBALL = THIRDPARTY_DIR / "renode-1.14.0-mono.tar.xz"


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tinydeploy-tests"


def renode_missing() -> str | None:
    """Why the test Renode cannot run (None: it can)."""
    import shutil

    if not RENODE_TARBALL.is_file():
        return f"Renode tarball {RENODE_TARBALL} is absent (../shared/thirdparty beside the repository holds it)"
    from tinydeploy.targets.renode import MONO_INSTALL

    if shutil.which("mono") is None:
        return f"Renode runs on Mono, which is not installed: {MONO_INSTALL}"
    return None


def renode_launcher() -> Path:
    """The renode launcher of ../shared's Renode 1.14.0, extracted once into
    ~/.cache/tinydeploy-tests (kept between sessions where that folder survives).
    Skips when the tarball or Mono is absent."""
    import shutil
    import tarfile

    reason = renode_missing()
    if reason:
        pytest.skip(reason)
    stamp = f"{RENODE_TARBALL.stat().st_size}-{int(RENODE_TARBALL.stat().st_mtime)}"
    folder = _cache_root() / f"renode-{stamp}"
    launcher = folder / "renode-1.14.0" / "renode"
    if not launcher.is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(RENODE_TARBALL) as tar:
            if hasattr(tarfile, "tar_filter"):  # Python >= 3.10.12 / 3.11.4
                tar.extractall(partial, filter="tar")
            else:
                tar.extractall(partial)
        try:
            partial.rename(folder)  # atomic: a parallel session may win the race
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
    return launcher


@pytest.fixture(scope="session")
def renode_path() -> Path:
    return renode_launcher()


@pytest.fixture
def renode_env(renode_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TINYDEPLOY_RENODE pointing at the test Renode, for code that finds it itself."""
    monkeypatch.setenv("TINYDEPLOY_RENODE", str(renode_path))
    return renode_path


TFLM_TARBALLS = ("tflite-micro.tar.xz", "tflm-third-party.tar.xz")


@pytest.fixture(scope="session")
def tflm_source() -> Iterator[Path]:
    """../shared/thirdparty as TINYDEPLOY_TFLM_SOURCE (the pinned TFLite Micro tarballs),
    for code that obtains TFLM itself; the library is built into the user's cache
    (~/.cache/tinydeploy/tflm) once and kept. Skips when the tarballs are absent."""
    missing = [n for n in TFLM_TARBALLS if not (THIRDPARTY_DIR / n).is_file()]
    if missing:
        pytest.skip(f"TFLite Micro source {', '.join(missing)} absent from {THIRDPARTY_DIR}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINYDEPLOY_TFLM_SOURCE", str(THIRDPARTY_DIR))
        yield THIRDPARTY_DIR
