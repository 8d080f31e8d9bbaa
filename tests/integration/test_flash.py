"""`tinydeploy flash` end to end: real compiler, real QEMU / native build, real checks."""

from __future__ import annotations

import json
import shutil
import sys
import subprocess

import numpy as np
import pytest

from tests.conftest import mlperf_path
from tinydeploy.boards import load_board
from tinydeploy.cli import main

pytestmark = pytest.mark.slow
needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed (apt-get install gcc-arm-none-eabi "
    "libnewlib-arm-none-eabi qemu-system-arm)",
)


def _flash_json(capsys, *argv: str) -> dict:
    assert main(["flash", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@needs_arm
def test_kws_on_qemu_m4_is_bit_exact_and_measured(tmp_path, capsys) -> None:
    out = tmp_path / "kws"
    r = _flash_json(
        capsys, str(mlperf_path("kws")), "--board", "qemu-m4", "--check", "8", "--runs", "2", "-o", str(out)
    )
    assert r["board"] == "qemu-m4" and r["runtime"] == "aot"
    assert r["check"]["inputs"] == 8
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0
    # One SMLAD does two MACs, so no kernel needs fewer than half an instruction per
    # MAC; the reference kernels take far fewer than 100.
    assert r["macs"] / 2 <= r["instructions_per_inference"] <= 100 * r["macs"]
    assert r["arena_bytes"] <= 0.5 * r["tflm_arena_bytes"]
    assert r["flash_bytes"] > 22_000  # the weights alone are 22,606 params
    assert r["ram_bytes"] >= r["arena_bytes"] + r["stack_bytes"]
    assert 0 < r["stack_bytes"] < load_board("qemu-m4").stack_bytes
    assert (out / "report.json").is_file() and (out / "project" / "Makefile").is_file()
    assert "instructions / inference" in (out / "report.md").read_text()


@needs_arm
def test_instruction_counts_repeat_exactly(tmp_path, capsys) -> None:
    argv = [str(mlperf_path("ad")), "--board", "qemu-m4", "--check", "0", "--runs", "3"]
    first = _flash_json(capsys, *argv, "-o", str(tmp_path / "a"))
    second = _flash_json(capsys, *argv, "-o", str(tmp_path / "b"))
    assert first["instructions_per_inference"] == second["instructions_per_inference"]


def test_kws_on_host_board(tmp_path, capsys) -> None:
    r = _flash_json(capsys, str(mlperf_path("kws")), "--board", "host", "--check", "10", "-o", str(tmp_path / "h"))
    assert r["exact_match_rate"] == 1.0 and r["latency_ms"] > 0
    assert "instructions_per_inference" not in r


@needs_arm
def test_keras_model_to_qemu(tmp_path, capsys) -> None:
    from tests.integration.keras_zoo import build, samples

    model = build("cnn")
    model.save(tmp_path / "cnn.keras")
    np.save(tmp_path / "cal.npy", samples(model, 50, seed=1))
    r = _flash_json(
        capsys,
        str(tmp_path / "cnn.keras"),
        "--data",
        str(tmp_path / "cal.npy"),
        "--check",
        "5",
        "--runs",
        "1",
        "-o",
        str(tmp_path / "o"),
    )
    assert r["model"]["converted"] is True
    assert r["exact_match_rate"] == 1.0


def test_errors_are_one_line(tmp_path, capsys) -> None:
    kws = str(mlperf_path("kws"))
    assert (
        main(
            [
                "flash",
                kws,
                "--board",
                "qemu-m4",
                "--runtime",
                "tflm",
                "--tflm-kernels",
                "fast",
                "-o",
                str(tmp_path / "t"),
            ]
        )
        == 1
    )
    assert (
        capsys.readouterr().err.strip().splitlines()[-1]
        == "error: --tflm-kernels: must be one of auto, reference, cmsis_nn, not 'fast'"
    )
    assert main(["flash", kws, "--board", "no-such-board", "-o", str(tmp_path / "u")]) == 1
    assert "no-such-board" in capsys.readouterr().err
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    assert main(["flash", kws, "--board", "host", "-o", str(tmp_path / "busy")]) == 1
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


def test_platformio_board_without_pio_names_the_install(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no PlatformIO in this environment
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))  # nor beside it
    if shutil.which("pio") or shutil.which("platformio"):
        pytest.skip("PlatformIO is installed here")
    assert main(["flash", str(mlperf_path("kws")), "--board", "nano33ble", "-o", str(tmp_path / "n")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "pio: not found on PATH; install it with: pip install platformio" in err
    assert not (tmp_path / "n").exists()  # nothing half-written left behind


@pytest.mark.parametrize("runtime", ["aot", "tflm"])
def test_generate_nano33ble_platformio_project(tmp_path, capsys, request, runtime: str) -> None:
    if runtime == "tflm":
        request.getfixturevalue("tflm_source")  # lib/tflite-micro/ comes from the pinned tree
    out = tmp_path / runtime
    assert (
        main(["generate", str(mlperf_path("kws")), "--board", "nano33ble", "--runtime", runtime, "-o", str(out)]) == 0
    )
    project = out / "project"
    ini = (project / "platformio.ini").read_text()
    assert "[env:nano33ble]" in ini and "platform = nordicnrf52" in ini
    assert "board = nano33ble" in ini and "framework = arduino" in ini
    assert "-DTD_NO_MAIN" in ini and "monitor_speed = 115200" in ini
    main_cpp = (project / "src" / "main.cpp").read_text()
    assert "td_server_start()" in main_cpp and "td_server_feed" in main_cpp
    assert (project / "src" / "hal" / "hal_arduino.cpp").is_file()
    assert "#define TD_TIMER_DWT 1" in (project / "src" / "td_board.h").read_text()
    src = project / "src"
    if runtime == "tflm":
        assert "lib_deps" not in ini and "-DTF_LITE_STATIC_MEMORY" in ini
        assert (project / "lib" / "tflite-micro" / "library.json").is_file()
        cc = (project / "lib" / "td_tflm_model" / "tflm_model.cc").read_text()
        assert "#include <TensorFlowLite.h>" not in cc
        assert "MicroMutableOpResolver<6>" in cc
        for method in (
            "AddConv2D",
            "AddDepthwiseConv2D",
            "AddAveragePool2D",
            "AddReshape",
            "AddFullyConnected",
            "AddSoftmax",
        ):
            assert f"g_resolver.{method}()" in cc
        return
    assert "lib_deps" not in ini
    # What can be compiled here without the Arduino core: every C file, for the
    # nRF52840's Cortex-M4F, exactly as PlatformIO would pass the include paths.
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    c_files = sorted(str(p) for p in src.rglob("*.c"))
    cmd = [
        "arm-none-eabi-gcc",
        "-mcpu=cortex-m4",
        "-mthumb",
        "-mfloat-abi=hard",
        "-mfpu=fpv4-sp-d16",
        "-Os",
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-DTD_NO_MAIN",
        "-I",
        str(src / "app"),
        "-I",
        str(src / "runtime"),
        "-I",
        str(src / "model"),
        "-I",
        str(src),
        "-c",
    ]
    subprocess.run(cmd + c_files, check=True, cwd=tmp_path)
    objs = sorted(p.name for p in tmp_path.glob("*.o"))
    assert "model.o" in objs and "td_server.o" in objs


def test_repeated_runs_see_the_loaded_input(tmp_path) -> None:
    """The arena reuses the input tensor's memory; `infer N W` must still give every
    run the loaded input (td_server restores it), so results match the reference."""
    from tinydeploy.build import build
    from tinydeploy.model.inputs import random_inputs
    from tinydeploy.model.reference import Reference
    from tinydeploy.pipeline import generate, prepare_model
    from tinydeploy.targets import target_for

    board = load_board("host")
    prepared = prepare_model(mlperf_path("kws"))
    project = generate(prepared, board, "aot", tmp_path)["project"]
    elf = build(project, board).elf
    ref = Reference(prepared.raw)
    with target_for(board, elf) as target:
        for x in random_inputs(ref, 3, seed=7):
            target.link.load_input(x.tobytes())
            target.link.infer(3, 2)
            assert target.link.output() == ref.run(x).tobytes()
