"""The four MLPerf Tiny models through the AOT compiler, checked against TFLite Micro."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.cli import main
from tinydeploy.compile import check, compile_model, random_inputs
from tinydeploy.compile.host import build_harness, run_harness
from tinydeploy.compile.tflm import TflmRunner
from tinydeploy.model.ir import read_model

MLPERF = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "mlperf-tiny"
MODELS = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "resnet": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs host gcc")


def mlperf(key: str) -> Path:
    path = MLPERF / MODELS[key]
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/models/mlperf-tiny beside the repository)")
    return path


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cache = {}

    def get(key):
        if key not in cache:
            path = mlperf(key)
            cache[key] = (compile_model(read_model(path), tmp_path_factory.mktemp(key)), path.read_bytes())
        return cache[key]

    return get


@needs_gcc
@pytest.mark.parametrize("key", sorted(MODELS))
def test_bit_exact_against_tflite_micro_on_50_inputs(compiled, key):
    cm, raw = compiled(key)
    result = check(cm, raw, inputs=50, seed=7)
    assert result == {"inputs": 50, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


@needs_gcc
def test_outputs_vary_with_the_input(compiled):
    # guards against a check that passes because both sides output a constant
    cm, raw = compiled("vww")
    ref = TflmRunner(raw)
    outs = {ref.run(x).tobytes() for x in random_inputs(cm, 8, seed=1)}
    assert len(outs) > 1


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
@pytest.mark.parametrize("key", ["kws", "resnet"])
def test_compiles_for_cortex_m4_without_warnings(compiled, key, tmp_path):
    cm, _ = compiled(key)
    for src in cm.sources:
        subprocess.run(
            [
                "arm-none-eabi-gcc",
                "-mcpu=cortex-m4",
                "-mthumb",
                "-std=c99",
                "-Os",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-DTD_WEIGHTS_SECTION",  # as fw_Makefile
                *[f"-I{d}" for d in cm.include_dirs],
                "-c",
                str(src),
                "-o",
                str(tmp_path / (src.stem + ".o")),
            ],
            check=True,
            capture_output=True,
        )
    lines = subprocess.run(
        ["arm-none-eabi-size", "-A", str(tmp_path / "model.o")], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    sections = {ln.split()[0]: int(ln.split()[1]) for ln in lines[2:] if len(ln.split()) >= 2}
    # weights are const, in their own section that the firmware linker script puts in
    # flash (opt-in: without TD_WEIGHTS_SECTION, e.g. in an exported library, .rodata)
    assert cm.weights_bytes <= sections[".td_weights"] <= cm.weights_bytes + 4 * len(cm.ops)
    assert sections.get(".data", 0) == 0
    # the arena is the RAM, plus two blocks of 4 guard words around it (td_model_check)
    # and alignment padding
    assert cm.arena_bytes <= sections[".bss"] <= cm.arena_bytes + 2 * 4 * 4 + 16


@needs_gcc
def test_sanitizers_are_clean(compiled):
    """One build with -fsanitize=address,undefined (ResNet: remat, in-place, ADD, softmax)."""
    cm, raw = compiled("resnet")
    try:
        exe = build_harness(cm, sanitize=True)
    except Exception as exc:  # pragma: no cover - a toolchain without libasan
        pytest.skip(f"cannot build with sanitizers: {exc}")
    xs = random_inputs(cm, 4, seed=3)
    outs = run_harness(exe, xs, cm.input["bytes"], cm.output["bytes"]).view(np.int8)
    ref = TflmRunner(raw)
    for x, y in zip(xs, outs):
        assert np.array_equal(y, ref.run(x).reshape(-1))


@needs_gcc
def test_cli_compile_json_with_check(tmp_path, capsys):
    path = mlperf("kws")
    rc = main(["compile", str(path), "-o", str(tmp_path / "out"), "--check", "5", "--json"])
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tflm_arena_bytes"] == 24272
    assert result["arena_bytes"] <= result["tflm_arena_bytes"] // 2
    assert result["weights_bytes"] > 20000
    assert result["check"] == {"inputs": 5, "exact_match_rate": 1.0, "max_abs_diff": 0.0}
    # a second run into the same folder is refused, with a one-line error
    rc = main(["compile", str(path), "-o", str(tmp_path / "out")])
    assert rc == 1
    assert "--force" in capsys.readouterr().err
    assert main(["compile", str(path), "-o", str(tmp_path / "out"), "--force", "--json"]) == 0
