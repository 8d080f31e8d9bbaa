"""Keras LSTM, GRU and SimpleRNN: converted unrolled to int8, run on qemu-m4 bit-exact.

TensorFlow's converter crashes (signal 11) quantizing the WHILE loop of a rolled
recurrent layer; tinydeploy unrolls the layer over its fixed sequence length first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.integration.keras_zoo import build, samples
from tinydeploy.cli import main
from tinydeploy.errors import UnsupportedOpError
from tinydeploy.model.agreement import agreement
from tinydeploy.model.convert import convert, non_int8_tensors

pytestmark = pytest.mark.slow
KINDS = ("lstm", "gru", "rnn")
# What an unrolled cell becomes: the gates' matmuls, activations and products, and
# the ops that cut the sequence into steps and the gates apart.
UNROLLED_OPS = {
    "FULLY_CONNECTED",
    "LOGISTIC",
    "TANH",
    "MUL",
    "ADD",
    "SUB",
    "SPLIT",
    "SPLIT_V",
    "UNPACK",
    "STRIDED_SLICE",
    "RESHAPE",
    "SOFTMAX",
}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> dict[str, dict[str, Path]]:
    d = tmp_path_factory.mktemp("rnn")
    out = {}
    for kind in KINDS:
        model = build(kind)
        assert not model.layers[1].unroll  # the user's model stays rolled
        model.save(d / f"{kind}.keras")
        np.save(d / f"{kind}_cal.npy", samples(model, 100, seed=1))
        np.save(d / f"{kind}_eval.npy", samples(model, 100, seed=2))
        out[kind] = {"model": d / f"{kind}.keras", "cal": d / f"{kind}_cal.npy", "eval": d / f"{kind}_eval.npy"}
    return out


@pytest.fixture(scope="module")
def converted(zoo) -> dict:
    return {kind: convert(p["model"], p["cal"]) for kind, p in zoo.items()}


@pytest.mark.parametrize("kind", KINDS)
def test_recurrent_layer_converts_to_plain_int8_ops(zoo, converted, kind: str) -> None:
    result = converted[kind]
    model = result.model
    assert set(model.opcodes) <= UNROLLED_OPS, model.opcodes
    assert non_int8_tensors(model) == []
    # unrolled: a FULLY_CONNECTED for the input of each of the 10 steps (and one for the
    # state of each step after the first, whose zero state folds away), plus the classifier
    assert sum(op.opcode == "FULLY_CONNECTED" for op in model.ops) >= 10 + 9 + 1
    # The bounds of test_convert.test_int8_agrees_with_float: rounding at each requantized
    # tensor keeps the mean within a few output steps, the max is set by evaluation inputs
    # outside the calibrated range; a wrong scale or zero point gives tens of steps.
    agree = agreement(result.float_tflite, result.tflite, np.load(zoo[kind]["eval"]), model)
    assert agree.top1_agreement is not None and agree.top1_agreement >= 0.9
    assert agree.mean_abs_error <= 3 * model.output_tensors[0].quant.scale[0]
    assert agree.max_error_steps <= 32


def test_cli_converts_a_rolled_lstm(zoo, tmp_path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["convert", str(zoo["lstm"]["model"]), "--data", str(zoo["lstm"]["cal"]), "-o", str(out)]) == 0, (
        capsys.readouterr().err
    )
    assert (out / "model.tflite").stat().st_size > 10_000


@pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="needs arm-none-eabi-gcc and qemu-system-arm",
)
@pytest.mark.parametrize("kind", KINDS)
def test_recurrent_model_on_qemu_m4_is_bit_exact(zoo, converted, tmp_path, capsys, kind: str) -> None:
    import json

    from tinydeploy.compile import compile_model

    try:
        compile_model(converted[kind].model, tmp_path / "probe")
    except UnsupportedOpError as exc:
        pytest.skip(f"the AOT compiler lacks an op of the unrolled {kind}: {exc}")
    argv = [
        "flash",
        str(zoo[kind]["model"]),
        "--data",
        str(zoo[kind]["cal"]),
        "--board",
        "qemu-m4",
        "--runtime",
        "aot",
        "--check",
        "5",
        "--runs",
        "1",
        "-o",
        str(tmp_path / "f"),
        "--json",
    ]
    assert main(argv) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["exact_match_rate"] == 1.0


DTLN = "tflite-micro/tensorflow/lite/micro/examples/dtln/dtln_noise_suppression.tflite"


@pytest.fixture(scope="module")
def fused_lstm(tmp_path_factory) -> Path:
    """TFLite Micro's DTLN example: two int8 UNIDIRECTIONAL_SEQUENCE_LSTM ops, with the
    zero-sized intermediates and int16 cell states of TFLite's int8 LSTM."""
    import tarfile

    from tests.conftest import THIRDPARTY_DIR

    tarball = THIRDPARTY_DIR / "tflite-micro.tar.xz"
    if not tarball.is_file():
        pytest.skip(f"{tarball} is absent (../shared/thirdparty beside the repository)")
    d = tmp_path_factory.mktemp("dtln")
    with tarfile.open(tarball) as tar:
        member = tar.getmember(DTLN)
        member.name = "dtln.tflite"
        tar.extract(member, d, filter="data")
    return d / "dtln.tflite"


def test_fused_int8_lstm_tflite_is_accepted_and_runs_in_tflite_micro(fused_lstm, tmp_path, capsys) -> None:
    import json

    from tinydeploy.model.reference import Reference

    result = convert(fused_lstm)  # a .tflite passes through, checked to be int8
    lstm = [op for op in result.model.ops if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
    assert len(lstm) == 2 and non_int8_tensors(result.model) == []
    assert any(t.shape == (0,) for t in result.model.tensors)  # the intermediates
    ref = Reference(result.tflite, result.model)
    x = np.random.default_rng(0).integers(-128, 128, ref.input_shape, dtype=np.int8)
    assert ref.run(x).shape == (1, 1, 257)
    assert main(["inspect", str(fused_lstm), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["op_counts"]["UNIDIRECTIONAL_SEQUENCE_LSTM"] == 2 and report["arena_bytes"] > 0


def test_fused_int8_lstm_compiles_aot_bit_exact_over_consecutive_inferences(fused_lstm, tmp_path) -> None:
    """DTLN's two fused LSTMs (hidden states with and without a zero point, cells at 2^-11
    and 2^-12, clipped at 10) through the AOT compiler: 12 consecutive inferences against
    one tflite-micro interpreter; the four states are variable buffers of the arena."""
    import json

    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = fused_lstm.read_bytes()
    cm = compile_model(parse_model(raw, name="dtln"), tmp_path / "m", kernels="reference")
    assert "td_lstm_s8" in cm.kernels
    result = check(cm, raw, inputs=12)
    assert result["exact_match_rate"] == 1.0 and result["max_abs_diff"] == 0.0, result
    meta = json.loads(cm.metadata.read_text())
    assert sorted(b["bytes"] for b in meta["buffers"] if b.get("variable")) == [128, 128, 256, 256]


@pytest.mark.qemu
@pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="needs arm-none-eabi-gcc and qemu-system-arm",
)
def test_fused_int8_lstm_on_qemu_m4_is_bit_exact(fused_lstm, tmp_path, capsys) -> None:
    """`tinydeploy flash dtln.tflite --board qemu-m4 --runtime aot --check 5`: five
    consecutive inferences on the emulated Cortex-M4, each tflite-micro's."""
    import json

    argv = ["flash", str(fused_lstm), "--board", "qemu-m4", "--runtime", "aot", "--check", "5"]
    assert main([*argv, "--runs", "1", "-o", str(tmp_path / "f"), "--json"]) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["runtime"] == "aot" and report["check"]["inputs"] == 5
    assert report["exact_match_rate"] == 1.0 and report["max_abs_diff"] == 0.0
