"""Real TensorFlow conversion of small Keras models, checked in tflite-micro."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.integration.keras_zoo import build, samples
from tinydeploy.cli import main
from tinydeploy.outdir import MANIFEST_NAME
from tinydeploy.model.agreement import agreement
from tinydeploy.model.convert import convert, non_int8_tensors
from tinydeploy.model.ir import parse_model
from tinydeploy.model.reference import Reference

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each Keras model saved once, with calibration and evaluation data."""
    d = tmp_path_factory.mktemp("zoo")
    out = {}
    for kind in ("cnn", "mlp"):
        model = build(kind)
        path = d / f"{kind}.keras"
        model.save(path)
        np.save(d / f"{kind}_cal.npy", samples(model, 200, seed=1))
        np.save(d / f"{kind}_eval.npy", samples(model, 200, seed=2))
        out[kind] = {"model": path, "cal": d / f"{kind}_cal.npy", "eval": d / f"{kind}_eval.npy"}
    return out


@pytest.fixture(scope="module")
def converted(zoo) -> dict:
    return {kind: convert(paths["model"], paths["cal"]) for kind, paths in zoo.items()}


def test_cnn_has_every_layer_family_and_is_fully_int8(converted) -> None:
    model = converted["cnn"].model
    assert set(model.opcodes) >= {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "ADD",
        "MAX_POOL_2D",
        "CONCATENATION",
        "AVERAGE_POOL_2D",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
    }
    # A fixed batch of 1: no SHAPE/STRIDED_SLICE/PACK around the Flatten.
    assert not {"SHAPE", "STRIDED_SLICE", "PACK"} & set(model.opcodes)
    assert non_int8_tensors(model) == []
    assert model.input_tensors[0].dtype == "int8" and model.output_tensors[0].dtype == "int8"


# Why these bounds: every requantization rounds to the nearest int8 step (error <= 0.5
# step of that tensor), and these models have at most 6 quantized tensors between input
# and output with gains near 1, so the mean error stays within a few output steps. The
# max is dominated by evaluation inputs outside the calibrated range (clipped at the
# input), so it is bounded by 1/8 of the int8 range (32 steps). A wrong zero point or
# scale anywhere gives errors of tens of steps on average and fails these bounds.
@pytest.mark.parametrize("kind", ["cnn", "mlp"])
def test_int8_agrees_with_float(zoo, converted, kind: str) -> None:
    result = converted[kind]
    agree = agreement(result.float_tflite, result.tflite, np.load(zoo[kind]["eval"]))
    assert agree.samples == 200
    assert agree.top1_agreement is not None and agree.top1_agreement >= 0.95
    out_scale = result.model.output_tensors[0].quant.scale[0]
    assert agree.mean_abs_error <= 3 * out_scale
    assert agree.max_error_steps <= 32


def test_float_tflite_matches_keras(zoo, converted) -> None:
    import tensorflow as tf

    keras_model = tf.keras.models.load_model(zoo["cnn"]["model"], compile=False)
    xs = np.load(zoo["cnn"]["eval"])[:20]
    ref = Reference(converted["cnn"].float_tflite)
    got = np.concatenate([ref.run(x[None]) for x in xs])
    np.testing.assert_allclose(got, keras_model.predict(xs, verbose=0), atol=1e-5)


def test_int8_runs_in_tflite_micro(converted) -> None:
    ref = Reference(converted["cnn"].tflite)
    x = np.zeros(ref.input_shape, np.int8)
    y = ref.run(x)
    assert y.dtype == np.int8 and y.shape == (1, 5)
    # softmax outputs are probabilities: int8 with zero point -128 sums to ~1
    assert abs(((y.astype(int) + 128) / 256).sum() - 1) < 0.05


def test_float_io_keeps_float_edges(zoo) -> None:
    result = convert(zoo["mlp"]["model"], zoo["mlp"]["cal"], io="float")
    model = result.model
    assert model.input_tensors[0].dtype == "float32"
    assert model.output_tensors[0].dtype == "float32"
    assert model.ops[0].opcode == "QUANTIZE" and model.ops[-1].opcode == "DEQUANTIZE"
    assert non_int8_tensors(model) == []


def test_savedmodel_and_h5_sources(tmp_path, zoo) -> None:
    import tensorflow as tf

    keras_model = tf.keras.models.load_model(zoo["mlp"]["model"], compile=False)
    keras_model.export(tmp_path / "saved")
    keras_model.save(tmp_path / "legacy.h5")
    for src in (tmp_path / "saved", tmp_path / "legacy.h5"):
        result = convert(src, zoo["mlp"]["cal"])
        assert result.source_kind == ("savedmodel" if src.is_dir() else "keras")
        assert result.model.opcodes[0] == "FULLY_CONNECTED"
        assert result.model.input_tensors[0].shape == (1, 20)


def test_data_formats(tmp_path, zoo) -> None:
    cal = np.load(zoo["mlp"]["cal"])
    np.savez(tmp_path / "cal.npz", x=cal)
    folder = tmp_path / "cal_dir"
    folder.mkdir()
    for i, sample in enumerate(cal[:10]):
        np.save(folder / f"{i:03d}.npy", sample)
    assert convert(zoo["mlp"]["model"], tmp_path / "cal.npz").calibration_samples == 200
    assert convert(zoo["mlp"]["model"], folder).calibration_samples == 10


def test_cli_convert_writes_everything_and_refuses_overwrite(tmp_path, zoo, capsys) -> None:
    out = tmp_path / "out"
    argv = ["convert", str(zoo["cnn"]["model"]), "--data", str(zoo["cnn"]["cal"]), "-o", str(out), "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST_NAME,
        "model.tflite",
        "model_data.c",
        "model_data.h",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert report == json.loads((out / "report.json").read_text())
    assert report["agreement"]["top1_agreement"] >= 0.95
    assert report["macs"] > 0 and report["arena_bytes"] > 0
    assert report["conversion"]["calibration"] == "data"
    assert "FULLY_CONNECTED" in (out / "report.md").read_text()
    parse_model((out / "model.tflite").read_bytes())
    (out / "model.tflite").write_bytes(b"user's own file")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "already holds 6 file(s)" in err and "--force" in err
    assert (out / "model.tflite").read_bytes() == b"user's own file"  # untouched
    assert main(argv + ["--force"]) == 0
    assert parse_model((out / "model.tflite").read_bytes()).opcodes == report_ops(report)


def report_ops(report: dict) -> list[str]:
    return list(dict.fromkeys(o["op"] for o in report["ops"]))


def test_calibrate_random_warns_loudly(tmp_path, zoo, capsys) -> None:
    assert main(["convert", str(zoo["mlp"]["model"]), "--calibrate", "random", "-o", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "WARNING" in captured.err and "RANDOM" in captured.err
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["conversion"]["calibration"] == "random"


def test_int8_tflite_passes_through(tmp_path, converted) -> None:
    path = tmp_path / "q.tflite"
    path.write_bytes(converted["cnn"].tflite)
    result = convert(path)
    assert result.tflite == converted["cnn"].tflite and result.calibration == "none"


def test_cli_errors_are_one_line_without_traceback(tmp_path, zoo, converted) -> None:
    """Run the real console script: exit code, one line, no traceback."""
    float_tflite = tmp_path / "float.tflite"
    float_tflite.write_bytes(converted["mlp"].float_tflite)
    bad_data = tmp_path / "bad.npy"
    np.save(bad_data, np.zeros((4, 7), np.float32))
    text_data = tmp_path / "text.npy"
    np.save(text_data, np.array([["a"] * 20] * 2))
    cases = [
        (["convert", str(tmp_path / "nope.keras")], "nope.keras: no such file"),
        (["convert", str(float_tflite)], "float .tflite can't be quantized without its source"),
        (["convert", str(zoo["mlp"]["model"])], "quantizing needs representative data"),
        (
            ["convert", str(zoo["mlp"]["model"]), "--data", str(bad_data)],
            "bad.npy: data has shape [4, 7]; the model expects samples of shape [20]",
        ),
        (["convert", str(zoo["mlp"]["model"]), "--data", str(text_data)], "text.npy: data has dtype <U1"),
    ]
    for argv, expected in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "tinydeploy.cli", *argv], capture_output=True, text=True, cwd=tmp_path
        )
        assert proc.returncode == 1, (argv, proc.stderr)
        assert expected in " ".join(proc.stderr.split()), (argv, proc.stderr)
        assert "Traceback" not in proc.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "tinydeploy.cli", "--debug", "convert", str(tmp_path / "nope.keras")],
        capture_output=True,
        text=True,
    )
    assert "Traceback" in debug.stderr and debug.returncode != 0


def test_model_tflite_micro_refuses_is_still_written(tmp_path, capsys) -> None:
    """A softmax whose input spans ~1e-8 (an untrained MobileNetV2's does: scale 7.8e-9)
    makes TFLite Micro abort in its Prepare. The model is written all the same, and the
    error names the op and the scale instead of calling the model malformed."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    L = tf.keras.layers
    inp = tf.keras.Input((20,))
    logits = L.Dense(5, kernel_initializer=tf.keras.initializers.RandomNormal(stddev=1e-9), bias_initializer="zeros")(
        L.Dense(16, activation="relu")(inp)
    )
    model = tf.keras.Model(inp, L.Softmax()(logits))
    model.save(tmp_path / "flat.keras")
    np.save(tmp_path / "cal.npy", samples(model, 50, seed=1))
    out = tmp_path / "o"
    assert main(["convert", str(tmp_path / "flat.keras"), "--data", str(tmp_path / "cal.npy"), "-o", str(out)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "malformed" not in err
    assert "TFLite Micro cannot prepare op #2 SOFTMAX" in err and "input scale" in err
    written = parse_model((out / "model.tflite").read_bytes())
    scale = written.tensors[written.ops[2].inputs[0]].quant.scale[0]
    assert scale < 1.49e-8 and f"{scale:.3g}" in err
    report = json.loads((out / "report.json").read_text())
    assert report["arena_bytes"] is None and "SOFTMAX" in report["tflm_error"]
    assert (out / "model_data.c").exists() and "refuses" in (out / "report.md").read_text()
