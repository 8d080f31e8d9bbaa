"""The plugin's device on a board: what a user's HIL test does, and the helpers'
failure messages. Runs on qemu-m4 by default; on a real board with
`--td-board nano33ble --td-port /dev/ttyACM0` (and several boards with -n)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tinydeploy.hil import (
    HilAssertionError,
    assert_accuracy,
    assert_latency,
    assert_matches_reference,
    assert_memory,
    check_baseline,
)


def test_outputs_are_bit_exact_with_the_reference(td_device) -> None:
    stats = assert_matches_reference(td_device, count=4)
    assert stats == {"inputs": 4, "exact_match_rate": 1.0, "max_abs_diff": 0}


def test_info_memory_and_timing(td_device, td_board) -> None:
    info = td_device.info()
    assert info["board"] in (td_board.id, "host") and info["init_ok"] is True
    assert info["hash"] == td_device.firmware.model.model.sha256[:16]
    mem = td_device.memory()
    assert 0 < mem["arena_bytes"] and 0 < mem["stack_used_bytes"] < mem["stack_bytes"]
    timing = td_device.benchmark(runs=2)
    assert td_device.cycles()["runs"] == 2
    if td_device.kind == "emulated":
        assert timing["instructions_per_inference"] == td_device.instructions() > 0
    else:
        assert timing["latency_ms"] > 0


def test_one_output_differs_in_the_message(td_device, monkeypatch) -> None:
    x = td_device.random_inputs(1, seed=3)
    real = td_device.reference.run

    def off_by_two(inp):
        out = real(inp).copy()
        out.flat[1] = np.clip(int(out.flat[1]) + 2, -128, 127)
        return out

    monkeypatch.setattr(td_device.reference, "run", off_by_two)
    with pytest.raises(
        HilAssertionError,
        match=r"1 of 1 outputs are not bit-exact .* worst: "
        r"input #0, output index 1: .* \(2 steps\)",
    ):
        assert_matches_reference(td_device, x)
    assert assert_matches_reference(td_device, x, max_steps=2)["max_abs_diff"] == 2


def test_accuracy_on_labelled_samples(td_device) -> None:
    x = td_device.random_inputs(3, seed=5)
    labels = np.array([int(td_device.reference.run(s).argmax()) for s in x])
    assert assert_accuracy(td_device, x, labels, at_least=1.0)["accuracy"] == 1.0
    onehot = np.eye(int(np.prod(td_device.output_shape)))[labels]
    assert assert_accuracy(td_device, x, onehot, at_least=1.0)["agreement_with_reference"] == 1.0
    wrong = (labels + 1) % onehot.shape[1]
    wrong[:1] = labels[:1]
    with pytest.raises(
        HilAssertionError,
        match=r"accuracy 0\.333 on 3 samples is below 0\.500 "
        r"\(tflite-micro reference on the same samples: "
        r"0\.333\); misclassified: #1 \(label",
    ):
        assert_accuracy(td_device, x, wrong, at_least=0.5)


def test_budgets_pass_and_fail_with_figures(td_device) -> None:
    m = assert_memory(td_device, max_flash_bytes=10_000_000, max_ram_bytes=10_000_000)
    if td_device.kind == "emulated":
        assert_latency(td_device, max_instructions=1e12, max_ms=0.001, runs=1)  # ms: not measured
        with pytest.raises(
            HilAssertionError,
            match=r"instructions per inference exceeds the "
            r"budget of 1,000 instructions by .*emulated",
        ):
            assert_latency(td_device, max_instructions=1000, runs=1)
        with pytest.raises(pytest.skip.Exception, match="measures instructions"):
            assert_latency(td_device, max_ms=10, runs=1)
    else:
        with pytest.raises(HilAssertionError, match="ms per inference exceeds"):
            assert_latency(td_device, max_ms=1e-6, runs=1)
    if m["flash_bytes"] is not None:
        with pytest.raises(
            HilAssertionError,
            match=r"flash [\d,]+ bytes exceeds the budget of "
            r"1,000 bytes .*\(weights [\d,]+, runtime code",
        ):
            assert_memory(td_device, max_flash_bytes=1000)
    with pytest.raises(
        HilAssertionError,
        match=r"RAM \(static \+ stack high-water\) [\d,]+ bytes "
        r"exceeds the budget of 100 bytes",
    ):
        assert_memory(td_device, max_ram_bytes=100)


def test_baseline_guards_growth(td_device, tmp_path) -> None:
    path = tmp_path / "baseline.json"
    with pytest.raises(HilAssertionError, match="no baseline for .* --td-update-baseline"):
        check_baseline(td_device, path)
    recorded = check_baseline(td_device, path, update=True)["measured"]
    data = json.loads(path.read_text())
    key = f"{td_device.board.id}/{td_device.firmware.model.model.name}/{td_device.firmware.runtime}"
    assert data["format"] == 1 and data["entries"][key] == recorded
    assert check_baseline(td_device, path)["changes"]  # same firmware: passes
    metric = "instructions_per_inference" if "instructions_per_inference" in recorded else "ram_bytes"
    data["entries"][key][metric] = recorded[metric] * 0.9  # the firmware "grew" 11%
    path.write_text(json.dumps(data))
    with pytest.raises(
        HilAssertionError,
        match=re.escape(metric) + r" grew \+11\.\d\d% .* more "
        r"than the allowed 5%",
    ):
        check_baseline(td_device, path)
    assert check_baseline(td_device, path, max_growth_pct={metric: 12.0})


def test_baseline_fixture(td_device, td_baseline, tmp_path) -> None:
    td_baseline.path = tmp_path / "b.json"  # normally --td-baseline / ini td_baseline
    td_baseline.update = True
    td_baseline.check(td_device)
    td_baseline.update = False
    assert td_baseline.check(td_device)["key"].startswith(td_device.board.id + "/")


def test_reset_restarts_the_firmware(td_device) -> None:
    before = td_device.pid
    td_device.reset()
    assert td_device.command("name") == ["m-name-dut-[tinydeploy]"]
    if before is not None:
        assert td_device.pid != before
    assert_matches_reference(td_device, count=1)


def _cpu_ticks(pid: int) -> tuple[str, int]:
    """The process's state letter and its user + system CPU time in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0], int(fields[11]) + int(fields[12])


def test_an_idle_emulator_is_paused_between_uses(td_device) -> None:
    """An idle firmware polls its UART, so a running QEMU spins a host core for the whole
    session; the plugin pauses it after each test and the next use resumes it."""
    if td_device.board.platform != "qemu":
        pytest.skip("pausing applies to QEMU boards")
    import time

    td_device.info()  # in use: running (an earlier test's teardown paused it)
    pid = td_device.pid
    state, ticks = _cpu_ticks(pid)
    time.sleep(0.5)
    assert state in "RS" and _cpu_ticks(pid)[1] > ticks  # running, it burns CPU while idle
    td_device.pause()
    deadline = time.monotonic() + 2.0  # SIGSTOP takes effect asynchronously
    while _cpu_ticks(pid)[0] != "T" and time.monotonic() < deadline:
        time.sleep(0.01)
    state, ticks = _cpu_ticks(pid)
    time.sleep(0.5)
    assert state == "T" and _cpu_ticks(pid)[1] == ticks
    assert_matches_reference(td_device, count=1)  # the link resumed it
    assert td_device.pid == pid and _cpu_ticks(pid)[0] in "RS"
