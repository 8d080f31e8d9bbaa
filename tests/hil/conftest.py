"""tests/hil: the plugin's fixtures on the default board (qemu-m4) or on the boards and
ports given with --td-board / --td-port. The model defaults to the MLPerf Tiny KWS model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import mlperf_path, renode_launcher, renode_missing

ARM_TOOLS = ("arm-none-eabi-gcc", "qemu-system-arm")
ARM_REASON = (
    "arm-none-eabi-gcc and qemu-system-arm are needed (apt-get install "
    "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)"
)
needs_arm = pytest.mark.skipif(any(shutil.which(t) is None for t in ARM_TOOLS), reason=ARM_REASON)


@pytest.fixture(scope="session")
def td_model_path(td_config) -> Path:
    """--td-model, else the MLPerf Tiny KWS model from ../shared (skips when absent)."""
    return td_config.model or mlperf_path("kws")


def _board_of(item: pytest.Item) -> object:
    return getattr(getattr(item, "callspec", None), "params", {}).get("td_board")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on an emulated (qemu-*) board skips with the install line when its tools are
    missing. Renode boards use $TINYDEPLOY_RENODE or renode on PATH, else ../shared's
    Renode (extracted once), else skip with the reason."""
    renode_items = [i for i in items if str(_board_of(i)).startswith("renode-")]
    if renode_items and not os.environ.get("TINYDEPLOY_RENODE") and not shutil.which("renode"):
        reason = renode_missing()
        if reason:
            for item in renode_items:
                item.add_marker(pytest.mark.skip(reason=reason))
        else:
            os.environ["TINYDEPLOY_RENODE"] = str(renode_launcher())
    if all(shutil.which(t) for t in ARM_TOOLS):
        return
    for item in items:
        board = getattr(getattr(item, "callspec", None), "params", {}).get("td_board")
        if isinstance(board, str) and board.startswith("qemu-"):
            item.add_marker(pytest.mark.skip(reason=ARM_REASON))
