"""A hardware-in-the-loop test for your own model: the same file runs on QEMU, on a
board over USB serial, and on a labgrid farm (see README "Hardware-in-the-loop tests").

    pytest examples/hil --td-model=path/to/model.tflite
"""

from pathlib import Path

import numpy as np
import pytest

from tinydeploy.hil import assert_accuracy, assert_latency, assert_matches_reference, assert_memory


def test_bit_exact_with_tflite_micro(td_device):
    assert_matches_reference(td_device, count=5)  # or max_steps=1 for a tolerance


def test_fits_the_budget(td_device):
    assert_memory(td_device, max_flash_bytes=256_000, max_ram_bytes=64_000)
    # Each budget is checked where the board measures it: instructions on QEMU,
    # cycles and milliseconds on a real board.
    assert_latency(td_device, max_ms=50, max_instructions=100_000_000)


def test_accuracy_on_labelled_samples(td_device):
    # samples.npz beside this file: x = int8 inputs shaped like the model's, y = labels
    # (class indices or one-hot), e.g. np.savez("samples.npz", x=x_q, y=y) after quantizing.
    data = Path(__file__).with_name("samples.npz")
    if not data.is_file():
        pytest.skip(f"no labelled samples at {data}")
    samples = np.load(data)
    assert_accuracy(td_device, samples["x"][:20], samples["y"][:20], at_least=0.85)


def test_no_regression(td_device, td_baseline):
    # pytest ... --td-baseline=examples/hil/baseline.json --td-update-baseline  (record, commit)
    # pytest ... --td-baseline=examples/hil/baseline.json                       (CI: guard)
    td_baseline.check(td_device)


@pytest.mark.td_board("qemu-m4", "nano33ble")
def test_only_on_these_boards(td_device, td_board):
    assert td_device.info()["model"] == td_device.firmware.model.model.name
