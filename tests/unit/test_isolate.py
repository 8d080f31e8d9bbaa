"""The converter's child process: results, errors and crashes come back as one line."""

from __future__ import annotations

import ctypes

import pytest

from tinydeploy.errors import ConversionError, DataError
from tinydeploy.model.convert import converter_crashed
from tinydeploy.model.isolate import run_isolated, stage

HERE = "tests.unit.test_isolate"


def _double(x: bytes) -> bytes:
    return x * 2


def _refuse(path: str) -> None:
    raise DataError("data has shape [4, 7]", path=path)


def _segfault() -> None:
    stage("quantizing the model to int8", layers=["InputLayer", "LSTM", "Dense"])
    ctypes.string_at(0)  # reads address 0: SIGSEGV in this (child) process


def _crash_message(how: str, last: dict) -> ConversionError:
    return converter_crashed("m.keras")(how, last)


def test_the_value_comes_back() -> None:
    assert run_isolated(f"{HERE}:_double", {"x": b"ab"}, _crash_message) == b"abab"


def test_a_tinydeploy_error_is_raised_again_with_its_fields() -> None:
    with pytest.raises(DataError) as info:
        run_isolated(f"{HERE}:_refuse", {"path": "cal.npy"}, _crash_message)
    assert str(info.value) == "cal.npy: data has shape [4, 7]"


def test_a_crash_names_the_stage_and_the_loop_layer() -> None:
    with pytest.raises(ConversionError) as info:
        run_isolated(f"{HERE}:_segfault", {}, _crash_message)
    text = str(info.value)
    assert text.startswith("m.keras: TensorFlow's converter crashed (signal 11) quantizing the model to int8")
    assert "LSTM layer(s)" in text and "unroll=True" in text and "\n" not in text


def test_crash_message_without_a_loop_lists_the_layer_types() -> None:
    text = str(
        _crash_message("crashed (signal 6)", {"stage": "converting the float model", "layers": ["Conv2D", "Dense"]})
    )
    assert "crashed (signal 6) converting the float model" in text
    assert "a layer of type Conv2D, Dense" in text
