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
