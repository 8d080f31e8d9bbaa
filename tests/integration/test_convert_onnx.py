"""ONNX and PyTorch in: onnx2tf to a SavedModel, then TensorFlow's int8 converter.

The float graph onnx2tf makes is checked against PyTorch itself, the int8 one against
the float one (agreement), and the ONNX model runs on qemu-m4 bit-exact with tflite-micro.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys

import numpy as np
import pytest

from tinydeploy.cli import main
from tinydeploy.errors import ToolchainError
from tinydeploy.model.agreement import agreement
from tinydeploy.model.convert import convert, non_int8_tensors
from tinydeploy.model.reference import Reference

pytestmark = pytest.mark.slow
# find_spec, not importorskip: importing onnx2tf sets TF_USE_LEGACY_KERAS=1 for the whole
# process, and every later Keras test would then load its models with tf_keras.
if importlib.util.find_spec("onnx2tf") is None:
    pytest.skip("the onnx extra is not installed (pip install 'tinydeploy[onnx]')", allow_module_level=True)
onnx = pytest.importorskip("onnx")


def _onnx_cnn(path) -> None:
    """Conv 3x3 (pad 1) + ReLU, conv 3x3 stride 2 + ReLU, global average pool, Gemm: built
    with onnx.helper, so the onnx extra is tested without PyTorch."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)

    def init(name, *shape):
        scale = 1 / np.sqrt(np.prod(shape[1:]))
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [
            init("w1", 8, 3, 3, 3),
            init("b1", 8),
            init("w2", 16, 8, 3, 3),
            init("b2", 16),
            init("w3", 4, 16),
            init("b3", 4),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    import onnx as onnx_pkg

    onnx_pkg.checker.check_model(model)
    onnx_pkg.save(model, str(path))


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("onnx")
    _onnx_cnn(d / "cnn.onnx")
    np.save(
        d / "cal.npy", np.random.default_rng(1).standard_normal((60, 3, 12, 12)).astype(np.float32)
    )  # NCHW, as the ONNX model takes it
    return d


def test_cli_converts_an_onnx_model_channels_last(onnx_model, tmp_path, capsys) -> None:
    out = tmp_path / "o"
    assert (
        main(["convert", str(onnx_model / "cnn.onnx"), "--data", str(onnx_model / "cal.npy"), "-o", str(out), "--json"])
        == 0
    ), capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["conversion"]["source_kind"] == "onnx"
    assert report["input"]["shape"] == [1, 12, 12, 3]  # NCHW -> NHWC
    assert any("channels-last" in w for w in report["conversion"]["warnings"])
    ops = {o["op"] for o in report["ops"]}
    assert "CONV_2D" in ops and "TRANSPOSE" not in ops  # no transposes around the convs
    assert report["agreement"]["top1_agreement"] >= 0.9


def test_missing_extra_is_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    (tmp_path / "m.onnx").write_bytes(b"\x08\x08")
    with pytest.raises(ToolchainError, match=r"pip install 'tinydeploy\[onnx\]'"):
        convert(tmp_path / "m.onnx", calibrate="random")


@pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="needs arm-none-eabi-gcc and qemu-system-arm",
)
def test_onnx_model_on_qemu_m4_is_bit_exact(onnx_model, tmp_path, capsys) -> None:
    assert (
        main(
            [
                "flash",
                str(onnx_model / "cnn.onnx"),
                "--data",
                str(onnx_model / "cal.npy"),
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
        )
        == 0
    ), capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["exact_match_rate"] == 1.0 and report["model"]["converted"] is True


def test_torch_module_converts_and_matches_pytorch(tmp_path) -> None:
    torch = pytest.importorskip("torch", reason="the torch extra is not installed (pip install 'tinydeploy[torch]')")
    pytest.importorskip("onnxscript", reason="the torch extra is not installed")
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)  # depthwise
            self.down = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.bn = torch.nn.BatchNorm2d(16)
            self.fc = torch.nn.Linear(16 * 8 * 8, 5)

        def forward(self, x):
            x = torch.relu(self.dw(torch.relu(self.conv(x))))
            x = torch.relu(self.bn(self.down(x)))
            return torch.softmax(self.fc(x.flatten(1)), -1)

    net = Net()
    cal = np.random.default_rng(0).standard_normal((60, 3, 16, 16)).astype(np.float32)
    np.save(tmp_path / "cal.npy", cal)
    result = convert(net, tmp_path / "cal.npy")
    assert net.training  # the module is handed back as it came
    model = result.model
    assert result.source_kind == "torch" and model.name == "Net"
    assert result.input_permutation == (0, 2, 3, 1)
    assert model.input_tensors[0].shape == (1, 16, 16, 3)
    assert {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"} <= set(model.opcodes)
    # one TRANSPOSE (NHWC back to PyTorch's NCHW order before the flatten), none per conv
    assert sum(op.opcode == "TRANSPOSE" for op in model.ops) <= 1
    assert non_int8_tensors(model) == []
    # onnx2tf's float graph computes what PyTorch computes
    ref = Reference(result.float_tflite)
    with torch.no_grad():
        want = net.eval()(torch.from_numpy(cal[:10])).numpy()
    got = np.concatenate([ref.run(x[None]) for x in result.to_model_layout(cal[:10])])
    np.testing.assert_allclose(got, want, atol=1e-5)
    # An untrained net's softmax is nearly flat, so top-1 flips on ties; the error in
    # output steps is the figure: a few rounding steps, not tens (a wrong scale).
    agree = agreement(result.float_tflite, result.tflite, result.to_model_layout(cal), model)
    assert agree.samples == 60 and agree.max_error_steps <= 4
