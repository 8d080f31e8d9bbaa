"""The firmware on the Renode boards: real arm-none-eabi-gcc, real Renode 1.14 on Mono.

Renode comes from ../shared/thirdparty (extracted once, see tests/conftest.py);
these tests skip with the reason when it or Mono is absent. Costs on 2 cores: a
Renode start is 3-8 s, a KWS flash --check 5 about 10-17 s.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tinydeploy.boards import load_board
from tinydeploy.build import build
from tinydeploy.codegen import generate_project
from tinydeploy.errors import DeviceError, ToolchainError
from tinydeploy.targets import RenodeTarget
from tinydeploy.targets.renode import find_renode

from tests.conftest import mlperf_path
from test_firmware_host import FIXTURE, echo_reference  # same folder (pytest rootdir import)

BOARDS = ("renode-nano33ble", "renode-nucleo_f746zg")
pytest_plugins = ["pytester"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("arm-none-eabi-gcc") is None,
        reason="arm-none-eabi-gcc is missing (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)",
    ),
]

_ELFS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def fw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("renode-fw")


def firmware(board_id: str, root: Path) -> Path:
    """The echo-model firmware (tests/fixtures) for a board: a fast build."""
    if board_id not in _ELFS:
        board = load_board(board_id)
        _ELFS[board_id] = build(generate_project(board, [FIXTURE], root / board_id), board).elf
    return _ELFS[board_id]


def group_gone(pgid: int) -> bool:
    """No process is left in the emulator's process group (Renode's Mono, threads and all)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


# -- finding Renode: one clear line when it or Mono is missing (no emulator run) ------


def test_missing_renode_names_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINYDEPLOY_RENODE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        ToolchainError,
        match=r"renode: not found\. pass --renode PATH or set "
        r"TINYDEPLOY_RENODE",
    ):
        find_renode()
    with pytest.raises(
        ToolchainError,
        match=rf"--renode/TINYDEPLOY_RENODE = {tmp_path}/nope: "
        "no Renode launcher there",
    ):
        find_renode(str(tmp_path / "nope"))
    monkeypatch.setenv("TINYDEPLOY_RENODE", str(tmp_path / "gone"))
    with pytest.raises(ToolchainError, match=r"TINYDEPLOY_RENODE = .*/gone: no Renode launcher"):
        find_renode()


def test_missing_mono_names_the_packages(renode_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no mono on it
    with pytest.raises(
        ToolchainError,
        match=r"runs on Mono, which is not installed: sudo "
        r"apt-get install mono-runtime .*\(or mono-complete\)",
    ):
        find_renode(str(renode_path))
    monkeypatch.undo()
    argv, root = find_renode(str(renode_path.parent))  # the folder works too
    assert argv[1].endswith("output/bin/Release/Renode.exe") and root == renode_path.parent


# -- the target: link, exact counts, faults, cleanup -----------------------------------


@pytest.mark.parametrize("board_id", BOARDS)
def test_echo_firmware_info_memory_and_exact_counts(board_id: str, fw_dir: Path, renode_path: Path) -> None:
    board = load_board(board_id)
    started = time.monotonic()
    with RenodeTarget(board, firmware(board_id, fw_dir), renode=str(renode_path)) as target:
        boot = time.monotonic() - started
        link = target.link
        assert link.name.startswith(f"renode:{board_id}@")
        info = link.info()
        assert (info["board"], info["cpu"], info["timer"], info["tick_hz"]) == (board_id, board.cpu, "dwt", 1_000_000)
        data = bytes([5, 250, 7, 128, 127, 1, 2, 3])
        link.load_input(data)
        link.infer(3, 1)
        assert link.output() == echo_reference(data)
        mem = link.memory()
        assert mem["stack_bytes"] == board.stack_bytes and 0 < mem["stack_used_bytes"] < 2048
        # td-spin runs a loop of exactly 2N instructions: the DWT count is that plus the
        # same few instructions of the timer reads, whatever N is (exact to one instruction).
        extra = set()
        for n in (1000, 4321, 250_000):
            loop, measured = link.spin_calibration(n)
            assert loop == 2 * n
            extra.add(measured - loop)
        assert len(extra) == 1 and 0 <= extra.pop() < 64
        assert target.boot_seconds is not None
    print(f"{board_id}: Renode start to first answer {boot:.1f} s")
    assert group_gone(target.pid)


def test_counts_are_identical_run_after_run(fw_dir: Path, renode_path: Path) -> None:
    counts = []
    for pause in (0.0, 0.6):
        with RenodeTarget(load_board(BOARDS[0]), firmware(BOARDS[0], fw_dir), renode=str(renode_path)) as target:
            target.link.load_input(bytes(range(8)))
            time.sleep(pause)  # the firmware polls the UART meanwhile
            target.link.infer(50, 1)
            counts.append((target.link.cycles()["ticks"], target.link.instructions()))
    assert counts[0] == counts[1] and counts[0][0] > 0


@pytest.mark.parametrize(
    "sig,message",
    [
        (signal.SIGSTOP, r"no answer to 'infer 1000000 0' within 2 s"),
        (signal.SIGKILL, r"disappeared while (reading|writing)"),
    ],
    ids=["stopped", "killed"],
)
def test_renode_stopped_or_killed_is_a_clear_error_and_reaped(
    sig: int, message: str, fw_dir: Path, renode_path: Path
) -> None:
    target = RenodeTarget(load_board(BOARDS[0]), firmware(BOARDS[0], fw_dir), timeout=1, renode=str(renode_path))
    with target:
        link = target.link
        link.load_input(bytes(8))
        pid = target.pid
        assert pid is not None and not group_gone(pid)
        threading.Timer(0.3, os.kill, (pid, sig)).start()
        started = time.monotonic()
        with pytest.raises(DeviceError, match=message):
            link.command("infer 1000000 0", timeout=2)  # about 10^8 instructions
        assert time.monotonic() - started < 2 + 2.5
    assert group_gone(pid)  # close() killed (a stopped one too) and reaped it


def test_socket_closed_by_the_host_then_a_new_start_answers(fw_dir: Path, renode_path: Path) -> None:
    board, elf = load_board(BOARDS[0]), firmware(BOARDS[0], fw_dir)
    with RenodeTarget(board, elf, timeout=1, renode=str(renode_path)) as target:
        target.link.port.close()
        with pytest.raises(DeviceError, match="disappeared|no answer"):
            target.link.command("name")
        pid = target.pid
    assert group_gone(pid)
    with RenodeTarget(board, elf, renode=str(renode_path)) as again:
        assert again.link.command("name") == ["m-name-dut-[tinydeploy]"]


def test_ctrl_c_leaves_no_renode_behind(fw_dir: Path, renode_path: Path, tmp_path: Path) -> None:
    """A real SIGINT to a Python process that holds a running Renode."""
    script = tmp_path / "hold.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from tinydeploy.boards import load_board\n"
        "from tinydeploy.targets import RenodeTarget\n"
        f"with RenodeTarget(load_board({BOARDS[0]!r}), Path({str(firmware(BOARDS[0], fw_dir))!r}),"
        f" renode={str(renode_path)!r}) as t:\n"
        "    print(t.pid, flush=True)\n"
        "    time.sleep(120)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env, text=True)
    try:
        pid = int(child.stdout.readline())  # type: ignore[union-attr]
        assert not group_gone(pid)
        child.send_signal(signal.SIGINT)
        child.wait(timeout=20)
        assert child.returncode != 0
        assert group_gone(pid)
    finally:
        child.kill()
        child.wait()


# -- the product end to end: flash --check bit-exact, profile ---------------------------


@pytest.mark.parametrize("board_id", BOARDS)
def test_flash_kws_is_bit_exact_with_instruction_counts(board_id: str, tmp_path: Path, renode_env: Path) -> None:
    model = mlperf_path("kws")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    found_by: list[str] = []
    if board_id == BOARDS[1]:  # one board finds Renode by --renode, one by the variable
        del env["TINYDEPLOY_RENODE"]
        found_by = ["--renode", str(renode_env)]
    started = time.monotonic()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tinydeploy.cli",
            "flash",
            str(model),
            "--board",
            board_id,
            "--check",
            "5",
            "--runs",
            "3",
            "--json",
            "-o",
            str(tmp_path / "out"),
            *found_by,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["board"] == board_id and report["exact_match_rate"] == 1.0
    assert report["check"]["inputs"] == 5
    lat = report["latency"]
    assert lat["timer"] == "dwt" and "Renode" in lat["note"]
    # KWS with the DSP kernels: about 1 instruction per MAC on both cores
    assert 0.5 < report["instructions_per_mac"] < 2.0
    assert 0 < report["flash_bytes"] < load_board(board_id).flash_bytes
    assert 0 < report["ram_bytes"] < load_board(board_id).ram_bytes
    print(
        f"{board_id}: KWS flash --check 5 in {time.monotonic() - started:.1f} s, "
        f"{report['instructions_per_inference']:,.0f} instructions/inference"
    )


def test_profile_kws_on_renode(tmp_path: Path, renode_env: Path) -> None:
    from tinydeploy.profile import run_profile

    report = run_profile(mlperf_path("kws"), BOARDS[0], tmp_path / "prof")
    assert "Renode" in report["note"]
    ops = report["ops"]
    assert len(ops) > 3 and all(r["instructions"] > 0 for r in ops)
    # the ops account for nearly all of the inference (the rest: the invoke wrapper)
    assert 0.95 < report["instructions_in_ops"] / report["instructions_per_inference"] <= 1.0


def test_hil_plugin_on_renode(pytester: pytest.Pytester, renode_env: Path) -> None:
    """`pytest --td-board renode-nano33ble`: the plugin builds, starts Renode, checks, stops it."""
    pytester.makepyfile(
        test_user="""
        def test_bit_exact(td_device, td_board):
            assert td_board.platform == "renode"
            for x in td_device.random_inputs(2):
                assert (td_device.infer(x) == td_device.reference.run(x)).all()

        def test_timing_is_counted(td_device):
            timing = td_device.benchmark(runs=2)
            assert timing["instructions_per_inference"] > 10**6
    """
    )
    result = pytester.runpytest(
        "--td-board", BOARDS[0], "--td-model", str(mlperf_path("kws")), "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)
