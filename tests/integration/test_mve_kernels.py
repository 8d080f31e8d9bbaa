"""Helium (MVE) kernels (compile/mve.py, td_*_mve.c): bit-exact with tflite-micro.

Host tier: the plain-C twins of td_*_mve.c (the same layouts, planes and instruction
semantics) over Keras layers, odd shapes and the MLPerf Tiny models. QEMU tier: the
Helium code on qemu-m55 (mps3-an547 emulates MVE), where --kernels auto picks it: the
four MLPerf Tiny models, a model of odd channel counts, strides, padding and dilation,
and a 4-bit packed KWS (packed layers keep the reference packed kernels).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import mlperf_path
from tests.integration.test_aot_keras import CASES, build, convert

needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)

MVE_KERNELS = {"td_conv2d_s8_mve", "td_depthwise_conv2d_s8_mve"}


def _check_host(tmp_path: Path, raw: bytes, name: str, inputs: int = 5):
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    cm = compile_model(parse_model(raw, name=name), tmp_path / name, kernels="mve")
    assert json.loads(cm.metadata.read_text())["kernel_mode"] == "mve"
    return cm, check(cm, raw, inputs=inputs, seed=3)


@pytest.mark.parametrize("case", ["conv", "conv_per_tensor", "depthwise", "depthwise_per_tensor", "dense", "residual"])
def test_mve_kernels_exact_on_keras_layers_on_host(tmp_path, case: str) -> None:
    kind, kw = CASES[case]
    cm, r = _check_host(tmp_path, convert(build(kind), **kw), f"mve_{case}", 8)
    assert set(cm.kernels) & MVE_KERNELS, cm.kernels
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def _odd_model():
    """Odd channel counts (depth not a multiple of 16, out_c not of 4), strides, asymmetric
    and no padding, dilation, a 5x5 depthwise (the C loop), clamps, a dense head."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(5)
    L = tf.keras.layers
    x = tf.keras.Input((13, 11, 3), batch_size=1)
    a = L.Conv2D(7, 3, strides=2, padding="same", activation="relu6")(x)  # 7 x 6 x 7
    b = L.DepthwiseConv2D(3, padding="same")(a)  # 3x3, 7 channels: the assembly loop
    c = L.Conv2D(13, 1)(b)  # direct, depth 7: the predicated last vector
    d = L.DepthwiseConv2D(3, strides=2, padding="same", activation="relu")(c)  # 4 x 3 x 13
    e = L.DepthwiseConv2D(5, padding="same")(c)  # 5x5: the C loop
    f = L.Conv2D(18, 3, dilation_rate=2, padding="same")(e)  # dilated im2col
    g = L.Conv2D(5, 2, padding="valid")(f)
    h = L.Dense(10)(L.Flatten()(d))
    return tf.keras.Model(x, L.Concatenate()([L.Flatten()(g), h]))


def test_mve_odd_shapes_exact_on_host(tmp_path) -> None:
    cm, r = _check_host(tmp_path, convert(_odd_model()), "mve_odd", 10)
    kinds = {op["kernel"] for op in cm.ops}
    assert MVE_KERNELS <= kinds, kinds
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


@pytest.mark.parametrize("key", ["kws", "vww", "resnet", "ad"])
def test_mve_mlperf_models_exact_on_host(tmp_path, key: str) -> None:
    cm, r = _check_host(tmp_path, mlperf_path(key).read_bytes(), key, 3)
    # every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED runs a Helium kernel
    macs = [op for op in cm.ops if op["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    assert macs and all(op["kernel"] in MVE_KERNELS for op in macs), macs
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def _kws_4bit() -> bytes:
    from tinydeploy.compress.tflite import rewrite

    return rewrite(mlperf_path("kws").read_bytes(), {"bits": 4})


def test_mve_packed_weights_keep_the_reference_packed_kernels(tmp_path) -> None:
    cm, r = _check_host(tmp_path, _kws_4bit(), "kws4", 5)
    assert "td_conv2d_packed" in cm.kernels, cm.kernels
    assert not any(k.endswith("_dsp_packed") for k in cm.kernels), cm.kernels
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def test_mve_needs_a_core_with_helium() -> None:
    from tinydeploy.boards import load_board
    from tinydeploy.compile import _requested_mode
    from tinydeploy.errors import ConfigError
    from tinydeploy.policy import kernel_options

    with pytest.raises(ConfigError, match="board 'qemu-m4' .* has no Helium"):
        kernel_options(load_board("qemu-m4"), "mve")
    with pytest.raises(ConfigError, match="cortex-m7 has none"):
        _requested_mode("mve", True, "cortex-m7", False)
    options = kernel_options(load_board("qemu-m55"), "auto")
    assert options["mve"] is True
    assert _requested_mode("auto", True, "cortex-m55", True) == ("mve", "auto: the cpu has Helium (MVE)")
    assert _requested_mode("mve", False) == ("mve", "requested (mve)")  # no board: the twin


def _flash(capsys, *argv: str) -> dict:
    from tinydeploy.cli import main

    assert main(["flash", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
@needs_arm
@pytest.mark.parametrize("key", ["kws", "vww", "resnet", "ad"])
def test_mve_mlperf_models_exact_on_qemu_m55(tmp_path, capsys, key: str) -> None:
    r = _flash(
        capsys, str(mlperf_path(key)), "--board", "qemu-m55", "--check", "3", "--runs", "1", "-o", str(tmp_path / key)
    )
    assert r["kernels"] == "mve"  # auto on a board with mve = true
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0
    # below TFLite Micro + CMSIS-NN on the same board (bench/results/runtimes.json)
    cmsis_nn = {"kws": 2_454_770, "vww": 8_533_074, "resnet": 5_305_925, "ad": 528_709}
    assert r["instructions_per_inference"] < cmsis_nn[key]


@pytest.mark.slow
@needs_arm
def test_mve_odd_shapes_exact_on_qemu_m55(tmp_path, capsys) -> None:
    model = tmp_path / "odd.tflite"
    model.write_bytes(convert(_odd_model()))
    capsys.readouterr()  # TensorFlow's conversion chatter
    r = _flash(capsys, str(model), "--board", "qemu-m55", "--check", "10", "--runs", "1", "-o", str(tmp_path / "d"))
    assert r["kernels"] == "mve"
    model_c = (tmp_path / "d" / "project" / "model" / "model.c").read_text()
    assert "td_conv2d_s8_mve(" in model_c and "td_depthwise_conv2d_s8_mve(" in model_c
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


@pytest.mark.slow
@needs_arm
def test_mve_packed_kws_exact_on_qemu_m55(tmp_path, capsys) -> None:
    model = tmp_path / "kws4.tflite"
    model.write_bytes(_kws_4bit())
    r = _flash(
        capsys,
        str(model),
        "--board",
        "qemu-m55",
        "--kernels",
        "mve",
        "--check",
        "3",
        "--runs",
        "1",
        "-o",
        str(tmp_path / "d"),
    )
    assert r["kernels"] == "mve"
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


@pytest.mark.slow
@needs_arm
def test_mve_on_a_board_without_helium_is_one_line(tmp_path, capsys) -> None:
    from tinydeploy.cli import main

    assert (
        main(["flash", str(mlperf_path("ad")), "--board", "qemu-m4", "--kernels", "mve", "-o", str(tmp_path / "d")])
        != 0
    )
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert errors == [
        "error: --kernels mve: board 'qemu-m4' (cortex-m4) has no Helium (MVE); use auto, dsp or reference"
    ], errors
