"""policy.choose_runtime and choose_tflm_kernels: the one place the runtime is decided."""

from __future__ import annotations

import pytest

from tests.conftest import mlperf_path
from tinydeploy.boards import load_board
from tinydeploy.errors import ConfigError
from tinydeploy.model.ir import read_model
from tinydeploy.policy import choose_runtime, choose_tflm_kernels


def test_auto_is_aot_when_every_op_lowers_and_tflm_naming_the_ops_otherwise() -> None:
    board = load_board("qemu-m4")
    model = read_model(mlperf_path("kws"))
    choice = choose_runtime(model, board, "auto")
    assert (choice.runtime, choice.aot_unsupported, choice.note()) == ("aot", [], None)
    model.ops[9].opcode = "L2_POOL_2D"
    choice = choose_runtime(model, board, "auto")
    assert choice.runtime == "tflm" and [f["index"] for f in choice.aot_unsupported] == [9]
    assert choice.note() == (
        "note: --runtime auto picked tflm: the AOT compiler cannot run "
        "#9 L2_POOL_2D (AvgPool): not supported by the AOT compiler"
    )
    assert choose_runtime(model, board, "aot").runtime == "aot"  # asked for: no second guess


def test_bad_runtime_and_kernel_values_name_the_option() -> None:
    with pytest.raises(ConfigError, match=r"^--runtime: must be one of auto, aot, tflm, not 'x'$"):
        choose_runtime(None, None, "x")
    assert choose_runtime(None, None, "auto").runtime == "auto"  # decided once the model is read
    with pytest.raises(ConfigError, match=r"^--tflm-kernels: must be one of"):
        choose_tflm_kernels(load_board("host"), "cmsis")


@pytest.mark.parametrize("board,kernels", [("qemu-m4", "cmsis_nn"), ("qemu-m0", "cmsis_nn"), ("host", "reference")])
def test_tflm_kernels_auto(board: str, kernels: str) -> None:
    assert choose_tflm_kernels(load_board(board), "auto") == kernels
    assert choose_tflm_kernels(load_board(board), "reference") == "reference"


def test_cmsis_nn_refuses_a_per_channel_int16_fully_connected() -> None:
    """16x8 models: CMSIS-NN's int16 FULLY_CONNECTED takes per-tensor weights only, so
    auto picks the reference kernels on a Cortex-M and says why; cmsis_nn is an error."""
    import dataclasses

    from tinydeploy.policy import cmsis_refusal, tflm_kernel_choice

    board = load_board("qemu-m4")
    model = read_model(mlperf_path("ad"))
    assert cmsis_refusal(model) is None  # int8: CMSIS-NN takes per-channel weights
    fc = next(op for op in model.ops if op.opcode == "FULLY_CONNECTED")
    model.tensors[fc.inputs[0]].dtype = "int16"
    w = model.tensors[fc.inputs[1]]
    assert w.quant is not None
    w.quant = dataclasses.replace(w.quant, scale=(0.01,))  # per tensor: accepted
    assert cmsis_refusal(model) is None
    assert tflm_kernel_choice(board, "auto", model)["kernels"] == "cmsis_nn"
    w.quant = dataclasses.replace(w.quant, scale=tuple([0.01] * w.shape[0]), zero_point=tuple([0] * w.shape[0]))
    why = cmsis_refusal(model)
    assert why is not None and why.startswith(f"op #{fc.index} FULLY_CONNECTED has int16 activations")
    choice = tflm_kernel_choice(board, "auto", model)
    assert choice["kernels"] == "reference" and choice["cmsis_refusal"] == why
    assert choice["reason"] == f"CMSIS-NN refuses the model: {why}"
    assert tflm_kernel_choice(load_board("host"), "auto", model)["cmsis_refusal"] is None
    with pytest.raises(ConfigError, match=r"^--tflm-kernels cmsis_nn: cmsis_nn cannot run this model: op #"):
        choose_tflm_kernels(board, "cmsis_nn", model=model)
