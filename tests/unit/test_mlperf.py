"""MLPerf Tiny model ids: the reference models are recognised by hash, a bad id is one line."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import MLPERF_MODELS, mlperf_path
from tinydeploy.cli import main
from tinydeploy.errors import ConfigError
from tinydeploy.model.mlperf import MLPERF_IDS, REFERENCE_MODELS, mlperf_id


@pytest.mark.parametrize("key, want", [("kws", "kws01"), ("vww", "vww01"), ("resnet", "ic01"), ("ad", "ad01")])
def test_reference_models_are_recognised(key: str, want: str) -> None:
    digest = hashlib.sha256(mlperf_path(key).read_bytes()).hexdigest()
    assert mlperf_id(digest) == want
    assert mlperf_id(digest, "ad01") == "ad01"  # the user's choice wins


def test_other_models_have_no_id_unless_asked() -> None:
    assert mlperf_id("0" * 64) is None
    assert mlperf_id("0" * 64, "vww01") == "vww01"
    assert sorted(REFERENCE_MODELS.values()) == sorted(MLPERF_IDS)
    assert len(MLPERF_MODELS) == len(REFERENCE_MODELS)


def test_bad_id_is_refused() -> None:
    with pytest.raises(ConfigError, match="'kws' is not an MLPerf Tiny model id; use one of: kws01"):
        mlperf_id("0" * 64, "kws")


def test_cli_refuses_bad_id_before_reading_the_model(tmp_path, capsys) -> None:
    code = main(["flash", str(tmp_path / "missing.tflite"), "--mlperf-id", "kws1", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code != 0 and "--mlperf-id: 'kws1' is not an MLPerf Tiny model id" in err, err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
