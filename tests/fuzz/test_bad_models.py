"""Bad models through inspect, compile and generate: every one ends in one clear
`error:` line (or, for a mutation that left a valid model, a normal run) — never a
traceback, a hang or a crash of tflite-micro's native interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinydeploy.errors import ModelFormatError
from tinydeploy.model import verify
from tinydeploy.model.ir import parse_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bad_models as bm  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus() -> tuple[bm.Case, ...]:
    return bm.build_corpus(bitflips_per_model=4)


def test_corpus_gives_only_clear_outcomes(corpus, tmp_path: Path) -> None:
    outcomes = [bm.run_case(case, cmd, tmp_path / str(i) / cmd) for i, case in enumerate(corpus) for cmd in bm.COMMANDS]
    report = bm.summarize(outcomes, corpus)
    print(
        f"\nbad-model corpus: {report['cases']} cases, {report['runs']} runs, "
        f"{report['errors']} errors, {report['share_clear_errors']:.1%} clear"
    )
    assert report["unclear"] == [], report["unclear"][:10]
    assert report["share_clear_errors"] == 1.0
    slow = [vars(o) for o in outcomes if o.seconds > 30]
    assert not slow, slow
    if bm.available_models():
        assert report["cases"] >= 200
        # structural faults never get past the reader
        for o in outcomes:
            if any(
                s in o.case
                for s in (
                    "graph-",
                    "tensor-index",
                    "truncated-4",
                    "dtype-unknown",
                    "shape-negative",
                    "quant-scale",
                    "buffer-index",
                )
            ):
                assert o.code == 1, vars(o)


@pytest.mark.parametrize(
    "case, message",
    [
        ("graph-cycle", "the op graph is cyclic or not in execution order"),
        ("graph-self-loop", "the op graph is cyclic or not in execution order"),
        ("graph-dangling-tensor", "a dangling reference"),
        ("tensor-index-negative", "refers to missing tensor -7"),
        ("buffer-index-past-end", "refers to missing buffer"),
        ("opcode-index-out-of-range", "refers to missing operator code"),
        ("shape-huge-input", "more than a TFLite tensor can hold"),
        ("shape-mid-huge", "more than any microcontroller's RAM"),
        ("shape-zero-input", "zero-sized shape"),
        ("shape-negative", "negative dimension"),
        ("quant-scale-nan", "not a positive finite number"),
        ("quant-zp-out-of-range", "zero point outside [-128, 127]"),
        ("op-missing-weights", "has 1 inputs, it takes 2 to 3"),
        ("option-stride-zero", "option strideW is 0"),
        ("tensor-written-twice", "which an earlier op wrote already"),
        ("schema-version-2", "TFLite schema version 2, expected 3"),
        ("two-subgraphs", "2 subgraphs"),
    ],
)
def test_verifier_names_the_fault(case: str, message: str) -> None:
    models = bm.available_models()
    if "kws" not in models:
        pytest.skip("the MLPerf Tiny KWS model is absent (../shared/models/mlperf-tiny)")
    found = {c.name: c for c in bm.build_corpus(bitflips_per_model=0)}
    with pytest.raises(ModelFormatError) as err:
        parse_model(found[f"kws-{case}"].raw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name", ["raw-random-with-id", "raw-root-past-end", "raw-zero-root"])
def test_structural_verifier_on_raw_bytes(name: str) -> None:
    case = next(c for c in bm._raw_cases() if c.name == name)
    with pytest.raises(ModelFormatError, match="corrupt or truncated TFLite file"):
        parse_model(case.raw)


def test_every_mlperf_model_verifies(mlperf_model: Path) -> None:
    raw = mlperf_model.read_bytes()
    verify.verify_flatbuffer(raw, str(mlperf_model))
    parse_model(raw, mlperf_model)


def test_subprocess_cli_prints_one_line(tmp_path: Path) -> None:
    """The installed entry point, outside pytest: exit 1 and a single `error:` line."""
    cases = bm._raw_cases()[:1]
    if "ad" in bm.available_models():
        cases += [c for c in bm.build_corpus(bitflips_per_model=0) if c.name == "ad-graph-cycle"]
    for case in cases:
        path = tmp_path / f"{case.name}.tflite"
        path.write_bytes(case.raw)
        for cmd in (["inspect", str(path)], ["compile", str(path), "-o", str(tmp_path / "o")]):
            proc = subprocess.run(
                [sys.executable, "-m", "tinydeploy.cli", *cmd],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode == 1, (case.name, cmd, proc.stderr)
            assert len(lines) == 1 and lines[0].startswith("error: "), (case.name, proc.stderr)
            assert not (tmp_path / "o").exists()


def test_tflm_crash_becomes_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that crashes tflite-micro's C++ interpreter kills only the probe process."""
    monkeypatch.setattr(verify, "_TFLM_PROBE", "import os; os.abort()")
    with pytest.raises(ModelFormatError, match=r"TFLite Micro crashed \(signal 6\)"):
        verify.guard_tflm(b"not cached", 1 << 20, "m.tflite")


def test_tflm_hang_becomes_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "_TFLM_PROBE", "import time; time.sleep(60)")
    monkeypatch.setattr(verify, "TFLM_PROBE_TIMEOUT_S", 1)
    with pytest.raises(ModelFormatError, match="did not finish"):
        verify.guard_tflm(b"not cached either", 1 << 20, "m.tflite")
