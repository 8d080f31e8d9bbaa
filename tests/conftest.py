"""Shared fixtures: the MLPerf Tiny models in ../shared, and small Keras models built here."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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
        pytest.skip(f"MLPerf Tiny model {path} is absent (../shared/models/mlperf-tiny "
                    "beside the repository holds them)")
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
