"""The IR reader on real models, and its errors on bad bytes."""

from __future__ import annotations

import pytest

from tests.conftest import mlperf_path
from tinydeploy.errors import InputFileError, ModelFormatError
from tinydeploy.model.analysis import op_stats, total_params
from tinydeploy.model.ir import parse_model, read_model

# From ../shared/models/mlperf-tiny/README.md
GOLDEN = {
    "kws": dict(macs=2_656_768, params=22_606, arena=24_272, input=(1, 49, 10, 1), output=(1, 12)),
    "vww": dict(macs=7_489_664, params=210_852, arena=103_680, input=(1, 96, 96, 3), output=(1, 2)),
    "resnet": dict(macs=12_501_632, params=77_708, arena=55_984, input=(1, 32, 32, 3), output=(1, 10)),
    "ad": dict(macs=264_192, params=265_864, arena=3_984, input=(1, 640), output=(1, 640)),
}


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_mlperf_golden_figures(key: str) -> None:
    from tinydeploy.model.reference import tflm_arena

    path = mlperf_path(key)
    model = read_model(path)
    golden = GOLDEN[key]
    assert sum(r.macs for r in op_stats(model)) == golden["macs"]
    assert total_params(model) == golden["params"]
    assert model.input_tensors[0].shape == golden["input"]
    assert model.output_tensors[0].shape == golden["output"]
    assert tflm_arena(path.read_bytes()).total == golden["arena"]


def test_kws_structure() -> None:
    model = read_model(mlperf_path("kws"))
    assert model.opcodes == ["CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    conv = model.ops[0]
    assert conv.options["padding"] == "SAME" and conv.options["stride_w"] == 2
    assert conv.options["fused_activation_function"] == "RELU"
    weights = model.tensors[conv.inputs[1]]
    assert weights.dtype == "int8" and weights.data is not None
    assert weights.data.shape == weights.shape == (64, 10, 4, 1)
    assert weights.quant is not None and weights.quant.per_channel
    assert len(weights.quant.scale) == 64 and weights.quant.axis == 0
    bias = model.tensors[conv.inputs[2]]
    assert bias.dtype == "int32" and bias.nbytes == 64 * 4
    assert model.input_tensors[0].quant is not None
    assert len(model.sha256) == 64


def test_truncated_file_is_a_clear_error(tmp_path) -> None:
    raw = mlperf_path("kws").read_bytes()
    for cut in (12, 1000, len(raw) // 2):
        bad = tmp_path / f"cut{cut}.tflite"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ModelFormatError, match=r"cut\d+\.tflite: corrupt or truncated"):
            read_model(bad)


def test_not_a_tflite_file(tmp_path) -> None:
    path = tmp_path / "notes.tflite"
    path.write_text("hello, this is not a flatbuffer")
    with pytest.raises(ModelFormatError, match="no 'TFL3' identifier"):
        read_model(path)
    with pytest.raises(ModelFormatError):
        parse_model(b"")


def test_missing_and_folder(tmp_path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_model(tmp_path / "absent.tflite")
    with pytest.raises(InputFileError, match="is a folder"):
        read_model(tmp_path)


def test_zero_sized_op_intermediates_are_accepted() -> None:
    """An int8 UNIDIRECTIONAL_SEQUENCE_LSTM lists zero-sized tensors as intermediates
    (they carry only the gates' quantization); the same shape on an activation is refused."""
    import numpy as np
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

    from tests.fuzz.bad_models import _new_tensor, _sg, decode, encode

    m = decode(mlperf_path("ad").read_bytes())
    t = _new_tensor(m, b"input_to_input_intermediate", [0])
    q = fb.QuantizationParametersT()
    q.scale, q.zeroPoint = np.array([0.004], np.float32), np.array([0], np.int64)
    _sg(m).tensors[t].quantization = q
    op = _sg(m).operators[0]
    op.intermediates = [t]
    model = parse_model(encode(m))
    assert model.tensors[t].shape == (0,) and len(model.ops) == len(_sg(m).operators)
    op.inputs = [*op.inputs[:-1], t]  # read as an input (the bias), it must hold data
    with pytest.raises(
        ModelFormatError,
        match=r"tensor #\d+ 'input_to_input_intermediate' "
        r"has a zero-sized shape \[0\]",
    ):
        parse_model(encode(m))
