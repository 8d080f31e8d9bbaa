"""The firmware built natively (board 'host') and driven over a real pty: the
protocol server's answers, and its robustness to garbage, oversized and
out-of-order input."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tinydeploy.boards import load_board
from tinydeploy.build import build, check_fit
from tinydeploy.codegen import generate_project
from tinydeploy.errors import BoardError, DeviceError, ToolchainError
from tinydeploy.targets import HostTarget

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fw_echo_model.c"
BIAS = [1, -2, 3, -4, 5, -6, 127]

pytestmark = pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler (cc) and make"
)


def echo_reference(data: bytes) -> bytes:
    """What fw_echo_model.c computes, in Python."""
    x = [b - 256 if b > 127 else b for b in data]
    out = [max(-128, min(127, x[i] + BIAS[i])) for i in range(7)]
    out.append(sum(v * (i + 1) for i, v in enumerate(x)) & 0xFF)
    return bytes(v & 0xFF for v in out)


@pytest.fixture(scope="module")
def host_fw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    board = load_board("host")
    project = generate_project(board, [FIXTURE], tmp_path_factory.mktemp("fw") / "host")
    return build(project, board).elf


@pytest.fixture
def link(host_fw: Path):
    with HostTarget(load_board("host"), host_fw) as target:
        yield target.link


def test_info_and_inference_match_reference(link) -> None:
    info = link.info()
    assert info["model"] == "fw_echo" and info["runtime"] == "fixture" and info["board"] == "host"
    assert info["input"]["shape"] == [1, 8] and info["output"]["zero_point"] == -1
    assert info["output"]["scale"] == 0.5
    for data in (bytes(range(1, 9)), bytes([0x80, 0x7F, 0, 0xFF, 10, 20, 30, 40])):
        link.load_input(data)
        result = link.infer(3, 1)
        assert link.output() == echo_reference(data)
        expected = [0.5 * ((b - 256 if b > 127 else b) + 1) for b in echo_reference(data)]
        assert result.results == pytest.approx(expected, abs=1e-3)
        assert result.runs == 3 and result.ticks > 0


def test_eembc_db_load_and_runner_lines(link) -> None:
    assert link.command("name") == ["m-name-dut-[tinydeploy]"]
    assert link.command("db load 8") == ["m-[Expecting 8 bytes]"]
    assert link.command("db 01020304") == []
    assert link.command("db 0506070809") == ["m-load-done"]  # extra digits ignored
    lines = link.command("infer 2 1")
    assert [ln.split("-")[1] for ln in lines[:3]] == ["warmup", "warmup", "infer"]
    assert lines[3].startswith("m-lap-us-") and lines[4].startswith("m-lap-us-")
    assert lines[5] == "m-infer-done" and lines[6].startswith("m-results-[")
    assert link.output() == echo_reference(bytes(range(1, 9)))


def test_out_of_order_commands_get_errors(link) -> None:
    for cmd, msg in [
        ("infer 1", "no input loaded"),
        ("results", "no results"),
        ("td-out", "no output"),
        ("db 0102", "before 'db load N'"),
        ("infer 0", "must be >0"),
        ("infer x", "whole number"),
        ("db load 9", "exceeds the input tensor size of 8"),
        ("db load -1", "requires the number of bytes"),
        ("db", "requires a subcommand"),
        ("frobnicate", "Unknown command: frobnicate"),
        ("td-load 8", "usage"),
        ("td-load 7 00000000", "must equal the input tensor size"),
        ("infer 1 2 3 4", "too many arguments"),
    ]:
        lines = link.command(cmd, check=False)
        assert len(lines) == 1 and lines[0].startswith("e-["), (cmd, lines)
        assert msg in lines[0], (cmd, lines)
    assert link.command("name") == ["m-name-dut-[tinydeploy]"]


def test_bad_hex_does_not_touch_the_buffer(link) -> None:
    link.command("db load 4")
    assert "Invalid hex digit" in link.command("db 01zz", check=False)[0]
    assert "Insufficent number of hex digits" in link.command("db 012", check=False)[0]
    assert link.command("db 01020304") == ["m-load-done"]


def test_oversized_command_and_garbage_then_still_answers(link) -> None:
    link._write(b"x" * 5000 + b"%")
    lines = link._reply("long", 5)
    assert lines == ["e-[command too long (more than 1024 characters); ignored]"]
    link._write(bytes(range(256)) * 4)  # binary junk, contains '%' (0x25) several times
    link.resync()
    assert link.command("name") == ["m-name-dut-[tinydeploy]"]


def test_td_load_crc_mismatch_and_recovery(link) -> None:
    link._write(b"td-load 8 deadbeef%")
    assert link._readline(time.monotonic() + 5) == "m-td-load-ready"
    link._write(bytes(8))
    lines = link._reply("td-load", 5)
    assert lines[0].startswith("e-[td-load crc32 mismatch")
    with pytest.raises(DeviceError, match="no input loaded"):
        link.command("infer 1")
    link.load_input(bytes(8))
    link.infer(1)
    assert link.output() == echo_reference(bytes(8))


def test_td_load_timeout_when_data_stops(link) -> None:
    link._write(b"td-load 8 00000000%")
    assert link._readline(time.monotonic() + 5) == "m-td-load-ready"
    link._write(b"\x01\x02")
    lines = link._reply("td-load", 10)
    assert "timed out after 2 of 8 bytes" in lines[0]
    assert link.command("name") == ["m-name-dut-[tinydeploy]"]


def test_process_gone_after_close(host_fw: Path) -> None:
    target = HostTarget(load_board("host"), host_fw)
    with target:
        pid = target.pid
        assert pid is not None
        os.kill(pid, 0)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_vanished_device_is_a_device_error(host_fw: Path) -> None:
    with HostTarget(load_board("host"), host_fw) as target:
        os.kill(target.pid, 9)
        target.proc.wait()
        with pytest.raises(DeviceError, match="disappeared|no answer"):
            target.link.command("name", timeout=1)


def test_sizes_and_fit_check(tmp_path: Path) -> None:
    board = load_board("nano33ble")
    check_fit(board, 200_000, 100_000)
    with pytest.raises(BoardError) as err:
        check_fit(board, 2_000_000, 300_000, what="model kws")
    text = str(err.value)
    assert "model kws does not fit board 'nano33ble'" in text
    assert "flash: 2,000,000 bytes needed" in text and "RAM: 300,000 bytes needed" in text


def test_missing_toolchain_names_apt_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    board = load_board("qemu-m4")
    project = generate_project(board, [FIXTURE], tmp_path / "p")
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "arm-none-eabi-gcc" else "/bin/true")
    with pytest.raises(ToolchainError) as err:
        build(project, board)
    assert "sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi" in str(err.value)


def test_project_is_self_contained(tmp_path: Path) -> None:
    project = generate_project(load_board("qemu-m4"), [FIXTURE], tmp_path / "p")
    for rel in (
        "Makefile",
        "linker.ld",
        "td_board.h",
        "app/td_server.c",
        "hal/startup.c",
        "runtime/td_model.h",
        "model/fw_echo_model.c",
    ):
        assert (project / rel).is_file(), rel
    from tinydeploy.resources import firmware_dir

    makefile = (project / "Makefile").read_text()
    assert str(firmware_dir()) not in makefile and "python" not in makefile
    assert "ORIGIN = 0x00000000, LENGTH = 0x00400000" in (project / "linker.ld").read_text()
