"""`tinydeploy inspect` on the MLPerf models, and its errors."""

from __future__ import annotations

import json

import flatbuffers
import pytest

from tests.conftest import mlperf_path
from tinydeploy.cli import main
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb


def test_inspect_json_kws(capsys) -> None:
    assert main(["inspect", str(mlperf_path("kws")), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["macs"] == 2_656_768
    assert report["params"] == 22_606
    assert report["arena_bytes"] == 24_272
    assert [o["op"] for o in report["ops"]][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    assert report["ops"][0]["macs"] == 25 * 5 * 64 * 10 * 4
    assert report["op_counts"]["DEPTHWISE_CONV_2D"] == 4


def test_inspect_table(capsys) -> None:
    assert main(["inspect", str(mlperf_path("ad"))]) == 0
    out = capsys.readouterr().out
    assert "FULLY_CONNECTED" in out and "264,192" in out and "3,984" in out


def _with_opcode(raw: bytes, old: int, new: int) -> bytes:
    """Rewrite one builtin opcode through the flatbuffer object API."""
    m = fb.ModelT.InitFromObj(fb.Model.GetRootAs(raw, 0))
    for code in m.operatorCodes:
        if max(code.builtinCode, code.deprecatedBuiltinCode) == old:
            code.builtinCode = code.deprecatedBuiltinCode = new
    builder = flatbuffers.Builder(0)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_unsupported_op_is_named_with_its_index(tmp_path, capsys) -> None:
    raw = _with_opcode(mlperf_path("kws").read_bytes(), fb.BuiltinOperator.SOFTMAX, fb.BuiltinOperator.LSH_PROJECTION)
    path = tmp_path / "odd.tflite"
    path.write_bytes(raw)
    assert main(["inspect", str(path)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "op #12 LSH_PROJECTION" in err and "no kernel for this op" in err


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "no 'TFL3' identifier"),
        (b"PK\x03\x04 a zip file, maybe a .keras", "no 'TFL3' identifier"),
    ],
)
def test_not_a_model(tmp_path, capsys, content: bytes, expected: str) -> None:
    path = tmp_path / "x.tflite"
    path.write_bytes(content)
    assert main(["inspect", str(path)]) == 1
    assert expected in capsys.readouterr().err


def test_truncated(tmp_path, capsys) -> None:
    path = tmp_path / "t.tflite"
    path.write_bytes(mlperf_path("vww").read_bytes()[:5000])
    assert main(["inspect", str(path)]) == 1
    assert "corrupt or truncated" in capsys.readouterr().err


def test_missing_file(capsys) -> None:
    assert main(["inspect", "/nonexistent/model.tflite"]) == 1
    assert "/nonexistent/model.tflite: no such file" in capsys.readouterr().err
