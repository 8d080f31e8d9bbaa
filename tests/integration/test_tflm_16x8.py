"""16x8 models (int16 activations, int8 weights) on TensorFlow Lite Micro: CMSIS-NN on
qemu-m4 and the reference kernels on the host, bit-exact with the tflite-micro package.
CMSIS-NN's int16 FULLY_CONNECTED refuses per-channel weights: such a model runs with the
reference kernels, and the report says why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.integration.keras_zoo import build, samples
from tinydeploy.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc"),
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm"),
]


def _flash(model: Path, board: str, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code = main(
        ["flash", str(model), "--board", board, "--check", "5", "--runs", "1", "--json", "-o", str(out), *extra]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cnn16(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """keras_zoo's CNN (conv, depthwise, add, pooling, concatenation, dense, softmax) in
    the 16x8 mode, dense layers per tensor (what convert --activations int16 does)."""
    from tinydeploy.model.convert import convert

    d = tmp_path_factory.mktemp("cnn16")
    model = build("cnn")
    model.save(d / "cnn.keras")
    np.save(d / "cal.npy", samples(model, 50, seed=1))
    path = d / "cnn16.tflite"
    path.write_bytes(convert(d / "cnn.keras", d / "cal.npy", activations="int16").tflite)
    return path


@pytest.fixture(scope="module")
def abs16(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16x8 model with an ABS of unquantized int16 tensors, which TFLite Micro runs
    (std::abs, -32768 wrapping to itself) and the AOT compiler has no kernel for (its
    int16 ABS is the quantized one). Written as a flatbuffer."""
    from op_models import Graph

    g = Graph()
    x = g.input([1, 6, 6, 4], dtype="int16")
    y = g.tensor([1, 6, 6, 4], dtype="int16")
    g.op("ABS", [x], [y])
    path = tmp_path_factory.mktemp("abs16") / "abs16.tflite"
    path.write_bytes(g.build([x], [y]))
    return path


@pytest.fixture(scope="module")
def mlp16_per_channel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16x8 MLP whose dense weights are per channel (TensorFlow's default, which
    convert --activations int16 turns off)."""
    import tensorflow as tf

    d = tmp_path_factory.mktemp("mlp16pc")
    model = build("mlp")
    data = samples(model, 50, seed=1)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x[None]] for x in data)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int16
    path = d / "mlp16_per_channel.tflite"
    path.write_bytes(conv.convert())
    return path


@pytest.mark.parametrize("board", ["qemu-m4", "host"])
def test_16x8_cnn_on_tflm_is_bit_exact(
    tflm_source: Path, cnn16: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], board: str
) -> None:
    r = _flash(cnn16, board, tmp_path / "out", capsys, "--runtime", "tflm")
    assert r["runtime"] == "tflm" and r["exact_match_rate"] == 1.0 and r["check"]["inputs"] == 5
    assert r["tflm_kernels"] == ("cmsis_nn" if board == "qemu-m4" else "reference")
    assert r["tflm_kernel_choice"]["cmsis_refusal"] is None


def test_16x8_auto_runtime_picks_tflm_for_ops_without_an_aot_16x8_kernel(
    tflm_source: Path, abs16: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The unquantized int16 ABS has no AOT kernel: auto runs tflm."""
    r = _flash(abs16, "qemu-m4", tmp_path / "out", capsys)
    assert r["runtime"] == "tflm" and r["exact_match_rate"] == 1.0
    assert "ABS" in r["runtime_choice"]["reason"] and "int16" in r["runtime_choice"]["reason"]


def test_16x8_auto_runtime_picks_aot_for_the_cnn(
    cnn16: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CNN's ADD, CONCATENATION (after the converter's int16 QUANTIZE), pooling and
    SOFTMAX all have 16x8 AOT kernels now: --runtime auto takes the AOT runtime."""
    r = _flash(cnn16, "qemu-m4", tmp_path / "out", capsys)
    assert r["runtime"] == "aot" and r["exact_match_rate"] == 1.0 and r["check"]["inputs"] == 5


def test_per_channel_16x8_dense_falls_back_to_reference_kernels(
    tflm_source: Path, mlp16_per_channel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = _flash(mlp16_per_channel, "qemu-m4", tmp_path / "out", capsys, "--runtime", "tflm")
    assert r["tflm_kernels"] == "reference" and r["exact_match_rate"] == 1.0
    choice = r["tflm_kernel_choice"]
    assert choice["requested"] == "auto" and "per-channel" in choice["cmsis_refusal"]
    assert "CMSIS-NN refuses" in choice["reason"]


def test_cmsis_nn_asked_for_a_model_it_refuses_is_one_line(
    mlp16_per_channel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["flash", str(mlp16_per_channel), "--board", "qemu-m4", "--runtime", "tflm", "--tflm-kernels", "cmsis_nn"]
        + ["-o", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "cmsis_nn cannot run this model" in err and "per-channel" in err and "use reference" in err
