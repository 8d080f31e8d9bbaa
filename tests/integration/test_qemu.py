"""The firmware on emulated boards: real arm-none-eabi-gcc, real qemu-system-arm."""

from __future__ import annotations

import time

import os
import shutil
from pathlib import Path

import pytest

from tinydeploy.boards import load_board
from tinydeploy.build import build
from tinydeploy.codegen import generate_project
from tinydeploy.targets import QemuTarget

from test_firmware_host import FIXTURE, echo_reference  # same folder (pytest rootdir import)

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(
        shutil.which("arm-none-eabi-gcc") is None,
        reason="arm-none-eabi-gcc is missing (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)",
    ),
    pytest.mark.skipif(
        shutil.which("qemu-system-arm") is None, reason="qemu-system-arm is missing (apt-get install qemu-system-arm)"
    ),
]

_ELFS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def fw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qemu-fw")


def firmware(board_id: str, root: Path) -> Path:
    if board_id not in _ELFS:
        board = load_board(board_id)
        _ELFS[board_id] = build(generate_project(board, [FIXTURE], root / board_id), board).elf
    return _ELFS[board_id]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_qemu_m4_info_infer_and_memory(fw_dir: Path) -> None:
    board = load_board("qemu-m4")
    with QemuTarget(board, firmware("qemu-m4", fw_dir)) as target:
        link = target.link
        info = link.info()
        assert (info["board"], info["cpu"], info["model"]) == ("qemu-m4", "cortex-m4", "fw_echo")
        assert info["tick_hz"] == 25_000_000 and info["timer"] == "systick"
        data = bytes([5, 250, 7, 128, 127, 1, 2, 3])
        link.load_input(data)
        result = link.infer(10, 2)
        assert link.output() == echo_reference(data)
        assert result.results[0] == pytest.approx(0.5 * (echo_reference(data)[0] + 1))
        mem = link.memory()
        assert mem["stack_bytes"] == board.stack_bytes
        assert 0 < mem["stack_used_bytes"] < 2048
        assert 1000 < mem["static_ram_bytes"] < 4096
        assert target.boot_seconds is not None and target.boot_seconds < 10


def test_instruction_counts_are_deterministic_and_calibrated(fw_dir: Path) -> None:
    counts = []
    for pause in (0.0, 0.2, 0.45, 0.7, 0.95):
        with QemuTarget(load_board("qemu-m4"), firmware("qemu-m4", fw_dir)) as target:
            link = target.link
            link.load_input(bytes(range(8)))
            # The firmware polls the UART while we wait, so the pause moves the
            # timed block to another phase of SysTick's 2^24-tick wrap period;
            # 1,250 runs (~15.6M instructions, ~1.5 wrap periods) hold one or two
            # wrap interrupts depending on that phase, unless it is aligned.
            time.sleep(pause)
            link.infer(1250, 1)
            counts.append(link.instructions())
            known, measured = link.spin_calibration(1_000_000)
            # A SysTick period (40 ns) is shorter than one instruction (64 ns at
            # -icount shift=6): the loop's count comes back to within a few
            # instructions of timer start/stop overhead (about 20).
            assert abs(measured - known) <= 32, (known, measured)
    # Same code, same count, whatever phase the timed block starts in (the server
    # restarts the SysTick period right before it).
    assert len(set(counts)) == 1, counts
    assert 5_000 < counts[0] < 50_000  # 100 rounds of a 15-element int8 loop


@pytest.mark.parametrize(
    "board_id,cpu",
    [
        ("qemu-m0", "cortex-m0"),
        ("qemu-m3", "cortex-m3"),
        ("qemu-m7", "cortex-m7"),
        ("qemu-m33", "cortex-m33"),
        ("qemu-m55", "cortex-m55"),
    ],
)
def test_other_qemu_boards_boot_and_infer(fw_dir: Path, board_id: str, cpu: str) -> None:
    with QemuTarget(load_board(board_id), firmware(board_id, fw_dir)) as target:
        info = target.link.info()
        assert info["board"] == board_id and info["cpu"] == cpu
        target.link.load_input(bytes(range(1, 9)))
        target.link.infer(2, 0)
        assert target.link.output() == echo_reference(bytes(range(1, 9)))
        known, measured = target.link.spin_calibration(100_000)
        assert abs(measured - known) <= 32, (known, measured)


def test_no_orphaned_qemu_after_error_or_close(fw_dir: Path) -> None:
    target = QemuTarget(load_board("qemu-m4"), firmware("qemu-m4", fw_dir))
    with pytest.raises(RuntimeError):
        with target:
            pid = target.pid
            assert pid is not None and not gone(pid)
            raise RuntimeError("boom inside the with block")
    assert gone(pid)
    target = QemuTarget(load_board("qemu-m4"), firmware("qemu-m4", fw_dir))
    target.start()
    pid = target.pid
    target.close()
    target.close()  # idempotent
    assert pid is not None and gone(pid)


def test_qemu_that_cannot_boot_is_reported_and_reaped(fw_dir: Path, tmp_path: Path) -> None:
    from tinydeploy.errors import DeviceError

    bogus = tmp_path / "not-an-elf.elf"
    bogus.write_bytes(b"\x7fELF garbage")
    target = QemuTarget(load_board("qemu-m4"), bogus, boot_timeout=3)
    with pytest.raises(DeviceError):
        with target:
            pass
    assert target.proc is not None and target.proc.poll() is not None
