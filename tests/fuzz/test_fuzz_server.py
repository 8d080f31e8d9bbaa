"""The tdlink protocol server under fuzzing: seed sessions and past crashes replayed with
ASan/UBSan (any C compiler), and a 60-second libFuzzer smoke (clang)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("td_bench_fuzz", REPO / "bench" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)  # type: ignore[union-attr]

SMOKE_SECONDS = int(os.environ.get("TD_FUZZ_SMOKE_SECONDS", "60"))


def _libfuzzer_missing() -> str | None:
    if fuzz.clang_path() is None:
        return "clang is not installed (scripts/setup.sh installs clang and libclang-rt-dev)"
    return None


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a host C compiler (cc)")
def test_seeds_and_regressions_replay_clean(tmp_path: Path) -> None:
    """Every seed session and every input that once crashed runs clean under the sanitizers."""
    files = fuzz.corpus_files()
    assert len(files) >= 10
    binary = fuzz.build_replayer(tmp_path)
    proc = subprocess.run([str(binary), *map(str, files)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"replayed {len(files)} input(s)" in proc.stdout


@pytest.mark.skipif(_libfuzzer_missing() is not None, reason=str(_libfuzzer_missing()))
def test_libfuzzer_smoke(tmp_path: Path) -> None:
    """libFuzzer + ASan + UBSan for SMOKE_SECONDS (60 in CI): no crash, hang or OOM."""
    try:
        binary = fuzz.build_fuzzer(tmp_path)
    except fuzz.FuzzSetupError as exc:
        if "libclang_rt" in str(exc) or "cannot find" in str(exc):
            pytest.skip(f"clang's libFuzzer runtime is missing (apt-get install libclang-rt-dev): {exc}")
        raise
    result = fuzz.run_fuzzer(binary, tmp_path, seconds=SMOKE_SECONDS, max_len=2048)
    assert result["crashes"] == 0 and result["hangs"] == 0 and result["out_of_memory"] == 0, result
    assert result["executions"] > 1000, result


@pytest.mark.skipif(_libfuzzer_missing() is not None, reason=str(_libfuzzer_missing()))
def test_a_large_parent_does_not_count_as_the_fuzzers_memory(tmp_path: Path) -> None:
    """The fuzzer's peak RSS starts at its parent's: run from a process holding more than
    the 1 GiB budget (a test run with TensorFlow loaded does), it must still fuzz."""
    try:
        binary = fuzz.build_fuzzer(tmp_path)
    except fuzz.FuzzSetupError as exc:
        pytest.skip(f"the libFuzzer target does not build here: {exc}")
    ballast = bytearray(1100 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):  # touched, so resident
        ballast[i] = 1
    result = fuzz.run_fuzzer(binary, tmp_path, seconds=3, max_len=2048)  # the RSS check runs once a second
    del ballast
    assert result["out_of_memory"] == 0 and result["crashes"] == 0, result
