"""Packed weights (4-bit, clustered, sparse) on the SIMD kernels: records rebuilt in
scratch from the packed stream (compile/packed_simd.py, td_unpack_records.c), bit-exact
with tflite-micro on the host (the portable C of the SIMD kernels) and on qemu-m4."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import mlperf_path
from tests.integration.test_aot_keras import convert

needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)

SIMD_PACKED = {
    "td_conv2d_s8_dsp_packed",
    "td_fully_connected_s8_dsp_packed",
    "td_depthwise_conv2d_s8_dsp_packed",
    "td_depthwise_conv2d_s8_dsp3x3_packed",
}


def _kws_4bit() -> bytes:
    from tinydeploy.compress.tflite import rewrite

    return rewrite(mlperf_path("kws").read_bytes(), {"bits": 4})


@pytest.mark.parametrize("kernels", ["dsp", "dsp-small"])
def test_4bit_kws_on_the_simd_kernels_bit_exact_on_host(tmp_path: Path, kernels: str) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = _kws_4bit()
    model = parse_model(raw, name="kws4")
    cm = compile_model(model, tmp_path / "p", kernels=kernels)
    # the dense head's weights serve one MAC each: decoding them in place is cheaper
    assert set(cm.kernels) - {"td_avg_pool2d_s8_dsp", "td_softmax_s8"} == {
        "td_conv2d_s8_dsp_packed",
        "td_depthwise_conv2d_s8_dsp3x3_packed",
        "td_fully_connected_packed",
    }, cm.kernels
    unpacked = compile_model(model, tmp_path / "u", kernels=kernels, weights="int8")
    assert cm.weights_bytes + cm.params_bytes < 0.7 * (unpacked.weights_bytes + unpacked.params_bytes)
    assert check(cm, raw, inputs=5, seed=2) == {"inputs": 5, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


def _paths_model():
    """Conv on 3 channels, a 5x5 stride-2 depthwise (the widened layout), a 3x3 stride-1
    depthwise (the vertical-pair records), an odd 1x1 conv (a padded channel pair), a
    dense layer over 30 rows and a dense head, with 70% of every kernel zero (the sparse
    codec)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(5)
    L = tf.keras.layers
    x = tf.keras.Input((12, 10, 3), batch_size=1)
    h = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    h = L.DepthwiseConv2D(5, strides=2, padding="same")(h)
    h = L.DepthwiseConv2D(3, padding="same", activation="relu")(h)
    h = L.Conv2D(7, 1)(h)
    t = L.Dense(12, activation="relu")(L.Reshape((30, 7))(h))  # 30 rows: each weight 30 MACs
    model = tf.keras.Model(x, L.Dense(10)(L.Flatten()(t)))
    rng = np.random.default_rng(5)
    for layer in model.layers:
        if layer.get_weights():
            w, *rest = layer.get_weights()
            layer.set_weights([np.where(rng.random(w.shape) < 0.7, 0, w), *rest])
    return model


@pytest.mark.parametrize("form", [{"bits": 4}, {"clusters": 16}])
def test_every_simd_layout_packed_bit_exact_on_host(tmp_path: Path, form: dict) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.compress.tflite import rewrite
    from tinydeploy.model.ir import parse_model

    raw = rewrite(convert(_paths_model()), form, min_weights=16)
    cm = compile_model(parse_model(raw, name="paths"), tmp_path / "m", kernels="dsp")
    assert set(cm.kernels) >= SIMD_PACKED, cm.kernels
    dense = json.loads(cm.metadata.read_text())["ops"][-1]
    assert dense["kernel"] == "td_fully_connected_packed"
    assert "each serves 1 MACs" in dense["dsp_skipped"]
    model_c = cm.model_c.read_text()
    assert "_lanes_mask" in model_c  # the sparse stream
    if "clusters" in form:
        assert "_lanes_table" in model_c
    assert check(cm, raw, inputs=20, seed=4)["exact_match_rate"] == 1.0


def test_records_that_are_no_lane_stream_are_refused() -> None:
    """A 16-bit lane that is no int8 value shifted left (here 0x0101 = 257) cannot be
    rebuilt: the layer keeps its reference packed kernel."""
    from tinydeploy.compile.lower import Step
    from tinydeploy.compile.packed_simd import _records

    step = Step(0, "DEPTHWISE_CONV_2D", "td_depthwise_conv2d_s8_dsp", None, {}, [], [], [])
    words = np.array([[4 | (-8 & 0xFFFF) << 16] * 8, [3 | 5 << 16] * 8], dtype=np.uint32)
    ok = words.view(np.int32).astype(np.int64)  # int32 words, as the compiler's arrays
    got = _records(step, ok, 0, 0, 16, min_saving=0)
    assert got is not None and got[0]["records"] == 2 and got[0]["lanes"] == 16
    assert _records(step, np.array([[0x0101] * 8], dtype=np.int64), 0, 0, 16, 0) is None


@pytest.mark.slow
@needs_arm
def test_4bit_kws_on_qemu_m4_simd_exact_and_faster(tmp_path: Path, capsys) -> None:
    from tinydeploy.cli import main

    model = tmp_path / "kws4.tflite"
    model.write_bytes(_kws_4bit())

    def flash(kernels: str, check: str) -> dict:
        code = main(
            [
                "flash",
                str(model),
                "--board",
                "qemu-m4",
                "--kernels",
                kernels,
                "--check",
                check,
                "--runs",
                "1",
                "-o",
                str(tmp_path / kernels),
                "--json",
            ]
        )
        assert code == 0, capsys.readouterr().err
        return json.loads(capsys.readouterr().out)

    simd, ref = flash("dsp", "5"), flash("reference", "0")
    assert simd["exact_match_rate"] == 1.0 and simd["max_abs_diff"] == 0
    model_c = (tmp_path / "dsp" / "project" / "model" / "model.c").read_text()
    assert "td_conv2d_s8_dsp_packed(" in model_c
    assert simd["instructions_per_inference"] * 10 <= ref["instructions_per_inference"]
