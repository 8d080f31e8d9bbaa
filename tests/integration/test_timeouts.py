"""Waits that follow the work: a slow model on real QEMU is waited for as long as its
runs take (predicted before the first, measured after it), and a device that stops
answering mid-inference is still caught in that time."""

from __future__ import annotations

import math
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import mlperf_path
from tinydeploy.boards import load_board
from tinydeploy.build import build
from tinydeploy.errors import DeviceError
from tinydeploy.link.client import RUN_TIME_MARGIN
from tinydeploy.measure import expect_work
from tinydeploy.model.analysis import op_stats
from tinydeploy.pipeline import generate, prepare_model
from tinydeploy.targets import QemuTarget

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
        reason="needs arm-none-eabi-gcc and qemu-system-arm",
    ),
]

TIMEOUT_S = 0.5  # the link's own timeout: shorter than one run of the model below


def test_slow_runs_are_waited_for_and_a_hung_device_is_caught(tmp_path: Path) -> None:
    board = load_board("qemu-m4")
    prepared = prepare_model(mlperf_path("vww"))
    # VWW with the reference kernels: about 155M instructions, several 100 ms a run
    generated = generate(prepared, board, "aot", tmp_path, kernels="reference")
    elf = build(generated["project"], board).elf
    macs = sum(r.macs for r in op_stats(prepared.model))
    x = np.zeros(prepared.model.input_tensors[0].shape, np.int8).tobytes()
    with QemuTarget(board, elf, timeout=TIMEOUT_S) as target:
        link = target.link
        link.info()
        predicted = expect_work(link, macs, "emulated")
        link.load_input(x)
        link.infer(1, 0)
        measured = link.measured_run_seconds
        assert measured and predicted >= measured  # the prediction is an upper bound
        runs = math.ceil(2 * TIMEOUT_S / measured) + 1
        result = link.infer(runs, 0)  # takes well over the link's timeout
        assert result.runs == runs and link.measured_run_seconds > 0

        # The emulator stops mid-inference (SIGSTOP: a hung board): caught within the wait.
        wait, _ = link.infer_timeout(2, 0)
        assert wait == pytest.approx(TIMEOUT_S + RUN_TIME_MARGIN * 2 * link.measured_run_seconds)
        stopper = threading.Timer(0.05, os.kill, (target.pid, signal.SIGSTOP))
        stopper.start()
        started = time.monotonic()
        try:
            with pytest.raises(DeviceError, match="no answer to 'infer 2 0'"):
                link.infer(2, 0)
            assert time.monotonic() - started < wait + 1.0
        finally:
            stopper.join()
            os.kill(target.pid, signal.SIGCONT)
