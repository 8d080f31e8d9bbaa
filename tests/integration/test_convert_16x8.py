"""The 16x8 quantization mode (`convert --activations int16`): int16 activations, int8
weights, with TensorFlow's real converter, checked in tflite-micro."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tests.integration.keras_zoo import build, samples
from tinydeploy.cli import main
from tinydeploy.model.convert import convert, non_int8_tensors
from tinydeploy.model.ir import parse_model, quantization_mode
from tinydeploy.model.reference import Reference

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zoo16(tmp_path_factory) -> dict[str, dict[str, Path]]:
    d = tmp_path_factory.mktemp("zoo16")
    out = {}
    for kind in ("cnn", "mlp"):
        model = build(kind)
        path = d / f"{kind}.keras"
        model.save(path)
        np.save(d / f"{kind}_cal.npy", samples(model, 100, seed=1))
        out[kind] = {"model": path, "cal": d / f"{kind}_cal.npy"}
    return out


@pytest.fixture(scope="module")
def converted16(zoo16) -> dict:
    return {kind: convert(p["model"], p["cal"], activations="int16") for kind, p in zoo16.items()}


@pytest.mark.parametrize("kind", ["cnn", "mlp"])
def test_16x8_has_int16_activations_and_int8_weights(converted16, kind: str) -> None:
    result = converted16[kind]
    model = result.model
    assert result.quantization == "16x8" and quantization_mode(model) == "16x8"
    assert model.input_tensors[0].dtype == "int16" and model.output_tensors[0].dtype == "int16"
    assert non_int8_tensors(model, "16x8") == []
    assert non_int8_tensors(model)  # not an int8 model
    for op in model.ops:
        if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            x, w = model.tensors[op.inputs[0]], model.tensors[op.inputs[1]]
            assert x.dtype == "int16" and w.dtype == "int8"
            assert x.quant is not None and x.quant.zero_point == (0,)  # symmetric int16
            if op.opcode == "FULLY_CONNECTED":  # per tensor: CMSIS-NN's int16 FC needs it
                assert w.quant is not None and not w.quant.per_channel
            if len(op.inputs) > 2 and op.inputs[2] >= 0:
                assert model.tensors[op.inputs[2]].dtype == "int64"


def test_16x8_runs_in_tflite_micro(converted16) -> None:
    for result in converted16.values():
        ref = Reference(result.tflite, result.model)
        x = np.zeros(ref.input_shape, np.int16)
        assert ref.run(x).dtype == np.int16


def test_cli_convert_16x8_reports_the_mode(tmp_path, zoo16, capsys) -> None:
    out = tmp_path / "out"
    p = zoo16["cnn"]
    code = main(["convert", str(p["model"]), "--data", str(p["cal"]), "--activations", "int16", "-o", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "quantization: 16x8" in text and "float vs 16x8 on 100 samples" in text
    report = json.loads((out / "report.json").read_text())
    assert report["quantization"] == "16x8" and report["conversion"]["quantization"] == "16x8"
    assert report["input"]["dtype"] == "int16"
    assert report["agreement"]["top1_agreement"] >= 0.95
    assert "## Float vs 16x8" in (out / "report.md").read_text()
    # inspect of the written 16x8 .tflite says so too
    assert main(["inspect", str(out / "model.tflite"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["quantization"] == "16x8"


def test_16x8_agrees_better_than_int8(zoo16, converted16) -> None:
    """int16 activations: the float-vs-quantized error of the MLP (regression output)
    is below the int8 model's (the int8 weights' rounding remains in both)."""
    import tinydeploy

    p = zoo16["mlp"]
    r8 = tinydeploy.convert(p["model"], p["cal"])
    r16 = tinydeploy.convert(p["model"], p["cal"], activations="int16")
    assert r16.quantization == "16x8" and r8.quantization == "int8"
    a8, a16 = r8.report["agreement"], r16.report["agreement"]
    assert a16["max_abs_error"] < a8["max_abs_error"] and a16["mean_abs_error"] < a8["mean_abs_error"]


def test_16x8_tflite_passes_through(tmp_path, converted16) -> None:
    path = tmp_path / "m16.tflite"
    path.write_bytes(converted16["mlp"].tflite)
    result = convert(path)
    assert result.quantization == "16x8" and result.tflite == converted16["mlp"].tflite
    assert convert(path, activations="int16").quantization == "16x8"


def test_an_op_without_a_16x8_form_is_one_line(tmp_path, capsys) -> None:
    import tensorflow as tf

    inp = tf.keras.Input((8,))
    y = tf.keras.layers.Dense(8)(inp)
    y = tf.keras.layers.UnitNormalization()(y)  # SQUARE, ...: no 16x8 form in TFLite
    path = tmp_path / "l2.keras"
    tf.keras.Model(inp, y).save(path)
    data = tmp_path / "cal.npy"
    np.save(data, np.random.default_rng(0).standard_normal((20, 8)).astype(np.float32))
    code = main(["convert", str(path), "--data", str(data), "--activations", "int16", "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code != 0
    lines = [ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("[")]  # not progress
    assert len(lines) == 1, err
    assert re.search(r"op [A-Z0-9_]+ has no 16x8 form \(int16 activations\)", lines[0]), lines[0]
    assert "--activations int8" in lines[0] and "l2.keras" in lines[0]


def test_bad_activations_value_is_refused(zoo16, capsys) -> None:
    p = zoo16["mlp"]
    code = main(["convert", str(p["model"]), "--data", str(p["cal"]), "--activations", "int4"])
    assert code != 0
    assert "--activations must be 'int8' or 'int16'" in capsys.readouterr().err


def test_an_int8_tflite_is_not_relabelled(tmp_path, zoo16) -> None:
    from tinydeploy.errors import ConversionError

    p = zoo16["mlp"]
    int8 = convert(p["model"], p["cal"])
    path = tmp_path / "m8.tflite"
    path.write_bytes(int8.tflite)
    assert quantization_mode(parse_model(int8.tflite)) == "int8"
    with pytest.raises(ConversionError, match=r"already quantized \(int8\)"):
        convert(path, activations="int16")
