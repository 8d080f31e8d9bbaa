"""TensorFlow Lite Micro as a runtime: tinydeploy obtains the pinned source (here from
../shared/thirdparty through TINYDEPLOY_TFLM_SOURCE), builds the library itself into the
user's cache, and the firmware is checked bit-exact against the tflite-micro package.
`--runtime auto` picks aot or tflm; the TfLiteTensor layout check stops a define mismatch."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import MLPERF_MODELS, mlperf_path
from tinydeploy.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc"),
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm"),
]


def _flash(model: Path, board: str, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code = main(
        ["flash", str(model), "--board", board, "--check", "3", "--runs", "1", "--json", "-o", str(out), *extra]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def lacking_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small int8 model with a GATHER whose indices are computed at run time (an
    ARG_MAX): TFLite Micro gathers with any int32 indices, tinydeploy's AOT compiler
    with constant ones only. Written as a flatbuffer."""
    from op_models import Graph

    g = Graph()
    x = g.input([1, 6, 6, 3], 0.05, 3)
    h = g.tensor([1, 6, 6, 3], 0.07, -5)
    g.op("ADD", [x, x], [h], "AddOptions")
    m = g.tensor([1, 3], 0.07, -5)
    g.op("MEAN", [h, g.const([1, 2])], [m], "ReducerOptions", keepDims=False)
    idx = g.tensor([1], dtype="int32")
    g.op("ARG_MAX", [m, g.const([1])], [idx], "ArgMaxOptions", outputType=Graph.tensor_type("int32"))
    y = g.tensor([1, 6, 6, 1], 0.07, -5)
    g.op("GATHER", [h, idx], [y], "GatherOptions", axis=3)
    path = tmp_path_factory.mktemp("lacking") / "gather_runtime_indices.tflite"
    path.write_bytes(g.build([x], [y]))
    return path


@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3", "host"])
@pytest.mark.parametrize("key", sorted(MLPERF_MODELS))
def test_mlperf_models_on_tflm_are_bit_exact(
    tflm_source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], board: str, key: str
) -> None:
    r = _flash(mlperf_path(key), board, tmp_path / "out", capsys, "--runtime", "tflm")
    assert r["runtime"] == "tflm" and r["exact_match_rate"] == 1.0
    assert r["tflm_kernels"] == ("reference" if board == "host" else "cmsis_nn")
    assert r["runtime_choice"]["requested"] == "tflm"
    assert r["arena_bytes"] > 0 and r["flash_bytes"] > 0
    if board != "host":
        assert r["instructions_per_inference"] > 0
    makefile = (tmp_path / "out" / "project" / "Makefile").read_text()
    assert "-DTF_LITE_STATIC_MEMORY" in makefile and "/tinydeploy/tflm/lib/" in makefile


@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3", "host"])
def test_an_op_the_aot_compiler_lacks_runs_on_tflm(
    tflm_source: Path, lacking_model: Path, tmp_path: Path, board: str, capsys: pytest.CaptureFixture[str]
) -> None:
    r = _flash(lacking_model, board, tmp_path / "out", capsys, "--runtime", "tflm")
    assert r["runtime"] == "tflm" and r["exact_match_rate"] == 1.0


def test_reference_kernels_on_cortex_m(
    tflm_source: Path, lacking_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = _flash(lacking_model, "qemu-m4", tmp_path / "out", capsys, "--runtime", "tflm", "--tflm-kernels", "reference")
    assert r["tflm_kernels"] == "reference" and r["exact_match_rate"] == 1.0


def test_auto_picks_tflm_for_an_op_the_aot_compiler_lacks(
    tflm_source: Path, lacking_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "flash",
            str(lacking_model),
            "--board",
            "qemu-m4",
            "--check",
            "3",
            "--runs",
            "1",
            "--json",
            "-o",
            str(tmp_path / "out"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["runtime"] == "tflm" and r["exact_match_rate"] == 1.0
    choice = r["runtime_choice"]
    assert choice["requested"] == "auto" and [f["op"] for f in choice["aot_unsupported"]] == ["GATHER"]
    notes = [ln for ln in captured.err.splitlines() if "--runtime auto picked tflm" in ln]
    assert len(notes) == 1 and "GATHER" in notes[0]


def test_auto_picks_aot_when_every_op_is_supported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = _flash(mlperf_path("ad"), "host", tmp_path / "out", capsys)
    assert r["runtime"] == "aot" and r["exact_match_rate"] == 1.0
    assert r["runtime_choice"]["requested"] == "auto"
    assert r["runtime_choice"]["aot_unsupported"] == []


def test_aot_names_every_op_it_cannot_run_on_one_line(
    lacking_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["flash", str(lacking_model), "--board", "host", "--runtime", "aot", "-o", str(tmp_path / "out")]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert re.search(
        r"op #\d+ GATHER \(\S+\): indices 't\d+' is not a constant; "
        r"--runtime tflm runs it$",
        err[-1],
    ), err[-1]


def test_layout_check_fails_the_build_without_the_define(
    tflm_source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gen"
    assert main(["generate", str(mlperf_path("ad")), "--board", "qemu-m4", "--runtime", "tflm", "-o", str(out)]) == 0
    project = out / "project"
    assert subprocess.run(["make", "-s", "model-objs"], cwd=project, capture_output=True, text=True).returncode == 0
    makefile = project / "Makefile"
    text = makefile.read_text()
    makefile.write_text(text.replace(" -DTF_LITE_STATIC_MEMORY", "", 1))
    shutil.rmtree(project / "build")
    proc = subprocess.run(["make", "-s"], cwd=project, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "TfLiteTensor differs from the TFLite Micro library's" in proc.stderr


def test_no_tflm_source_is_one_line_saying_what_to_bring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nothing cached
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (
        main(
            [
                "flash",
                str(mlperf_path("ad")),
                "--board",
                "host",
                "--runtime",
                "tflm",
                "--tflm-source",
                str(empty),
                "-o",
                str(tmp_path / "out"),
            ]
        )
        == 1
    )
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert err[-1] == (
        f"error: tflm: {empty} holds neither tflite-micro.tar.xz nor a "
        "tflite-micro/ tree; pass --tflm-source PATH (or set "
        "TINYDEPLOY_TFLM_SOURCE) to a folder holding tflite-micro.tar.xz and "
        "tflm-third-party.tar.xz (or their extracted trees), or allow "
        "tinydeploy to download tensorflow/tflite-micro@90b983c2b3f1 from GitHub"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("board", ["qemu-m4", "host"])
@pytest.mark.parametrize("name", ["typed_ops", "bool_ops"])
def test_int32_and_bool_outputs_on_tflm(
    tflm_source: Path, tmp_path: Path, board: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """td_model.h version 2 through the TFLite Micro wrapper: an int32 (ARG_MIN) and a
    bool (LOGICAL_OR) model output, named in td-info and checked over tdlink."""
    import op_models

    model = tmp_path / f"{name}.tflite"
    model.write_bytes(getattr(op_models, f"{name}_model")())
    r = _flash(model, board, tmp_path / "out", capsys, "--runtime", "tflm")
    assert r["runtime"] == "tflm" and r["exact_match_rate"] == 1.0
