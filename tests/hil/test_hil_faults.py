"""Faults on the device side, each a clear error within the timeout, never a hang:
the device stops answering mid-inference, floods garbage, resets, or its port
disappears. With QEMU (the emulator stopped or killed mid-inference: always reaped)
and with a fake serial peer on a pty standing for a real board's USB cable."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from tinydeploy.boards import load_board
from tinydeploy.errors import DeviceError
from tinydeploy.hil import Device, load_model, prebuilt
from tinydeploy.hil.locks import FileLock, port_lock
from tinydeploy.link import Link
from tinydeploy.model.reference import Reference

sys.path.insert(0, str(Path(__file__).parent))
from fakepeer import FakePeer  # noqa: E402

from tests.conftest import mlperf_path  # noqa: E402

pytest_plugins = ["pytester"]
TIMEOUT = 1.5
SLACK = 2.5  # seconds a failure may take beyond the link timeout


@pytest.fixture(scope="module")
def kws():
    model = load_model(mlperf_path("kws"))
    return model, Reference(model.raw, model.model)


def serial_device(kws, port: str) -> Device:
    """The device a real board profile gets: SerialTarget on a port, firmware already on it."""
    return Device(prebuilt(kws[0], load_board("nano33ble"), "aot"), port=port, timeout=TIMEOUT)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# -- a fake peer on a pty -------------------------------------------------------


@pytest.mark.parametrize(
    "mode,message",
    [
        ("silent", r"no answer to 'infer 1 0' within 2 s \(got: m-warmup-start-0\)"),
        ("garbage", r"no answer to 'infer 1 0' within 2 s \(got: m-"),
        ("reset", r"expected a 'm-results-\[' line, got: m-warmup-start-0 \| m-init-done"),
        # the peer vanishes mid-command: the client notices on its next read or write
        ("vanish", r"the device disappeared while (reading|writing)"),
    ],
    ids=["silent", "garbage", "reset", "vanish"],
)
def test_serial_fault_is_a_clear_error_in_time(kws, mode: str, message: str) -> None:
    with FakePeer(kws[1], kws[0].model, mode) as peer, serial_device(kws, peer.port) as dev:
        x = dev.random_inputs(1)[0]
        started = time.monotonic()
        with pytest.raises(DeviceError, match=message) as err:
            dev.infer(x)
        assert time.monotonic() - started < TIMEOUT + SLACK
        assert str(err.value).startswith(peer.port + ": ")
        assert dev.faulted


def test_fake_peer_answers_like_the_firmware(kws) -> None:
    with FakePeer(kws[1], kws[0].model) as peer, serial_device(kws, peer.port) as dev:
        x = dev.random_inputs(1, seed=2)[0]
        assert (dev.infer(x) == kws[1].run(x)).all()


def test_after_a_reset_the_next_use_recovers(kws) -> None:
    with FakePeer(kws[1], kws[0].model, "reset", once=True) as peer, serial_device(kws, peer.port) as dev:
        x = dev.random_inputs(1)[0]
        with pytest.raises(DeviceError, match="m-init-done"):
            dev.infer(x)
        dev.ensure_ready()  # what td_device does before the next test
        assert not dev.faulted and (dev.infer(x) == kws[1].run(x)).all()


def test_port_gone_then_reopen_names_the_port(kws) -> None:
    with FakePeer(kws[1], kws[0].model, "vanish") as peer:
        dev = serial_device(kws, peer.port)
        dev.open()
        with pytest.raises(DeviceError, match="disappeared"):
            dev.infer(dev.random_inputs(1)[0])
        started = time.monotonic()
        with pytest.raises(DeviceError, match=r"(no such port|did not answer|disappeared)"):
            dev.ensure_ready()  # resync fails -> reset -> reopen fails
        assert time.monotonic() - started < 2 * TIMEOUT + 10 + SLACK
        dev.close()


def test_a_device_flooding_lines_cannot_hold_the_link() -> None:
    class Flood:  # always has another junk line ready
        timeout, in_waiting = 0.0, 64

        def read(self, n: int) -> bytes:
            return b"m-junk\r\n" * 8

        def write(self, data: bytes) -> int:
            return len(data)

        def flush(self) -> None:
            pass

    started = time.monotonic()
    with pytest.raises(DeviceError, match=r"no answer to 'name' within 0.5 s \(got: m-junk"):
        Link(Flood(), name="flood", timeout=0.5).command("name")  # type: ignore[arg-type]
    assert time.monotonic() - started < 1.5


def test_a_port_is_never_opened_twice(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TD_LOCK_DIR", str(tmp_path))
    real = tmp_path / "ttyACM7"
    real.write_text("")
    alias = tmp_path / "by-id-board"
    alias.symlink_to(real)
    with port_lock(str(real)):
        started = time.monotonic()
        with pytest.raises(
            DeviceError,
            match=rf"port {alias}: in use by another test process "
            rf"\(pid {os.getpid()}\) for more than 0.3 s",
        ):
            port_lock(str(alias), timeout=0.3).acquire()
        assert time.monotonic() - started < 1.5
    with port_lock(str(alias), timeout=0.3):  # released: free again
        pass
    lock = FileLock(tmp_path / "x.lock", timeout=5)
    holder = threading.Thread(target=lambda: (lock.acquire(), time.sleep(0.3), lock.release()))
    holder.start()
    time.sleep(0.05)
    with FileLock(tmp_path / "x.lock", timeout=5):  # waits for the holder, then gets it
        assert not lock.held
    holder.join()


# -- QEMU, Renode: the emulator stops or dies mid-inference -------------------------


@pytest.mark.td_board("qemu-m4", "renode-nano33ble", "renode-nucleo_f746zg")
@pytest.mark.parametrize(
    "sig,message",
    [
        (signal.SIGSTOP, r"no answer to 'infer 200 0' within 3 s \(got: .*m-infer-start-200"),
        (signal.SIGKILL, r"disappeared while (reading|writing)"),
    ],
    ids=["stopped", "killed"],
)
def test_emulator_fault_mid_inference_is_reported_and_reaped(td_session_device, sig, message) -> None:
    dev = Device(td_session_device.firmware, timeout=1)
    with dev:
        dev.load(dev.random_inputs(1)[0])
        pid = dev.pid
        assert pid is not None and not gone(pid)
        threading.Timer(0.5, os.kill, (pid, sig)).start()
        started = time.monotonic()
        with pytest.raises(DeviceError, match=message):
            dev.command("infer 200 0", timeout=3)
        assert time.monotonic() - started < 3 + SLACK
        dev.ensure_ready()  # a fresh emulator answers again
        assert dev.pid != pid and gone(pid)  # the old one was killed and reaped
        assert dev.command("name") == ["m-name-dut-[tinydeploy]"]
        new_pid = dev.pid
    assert gone(new_pid)


# -- the plugin end to end: a failing board gives a failing test, in time ------------


def test_plugin_reports_a_silent_board_as_a_failure(kws, pytester) -> None:
    pytester.makepyfile(
        test_user="""
        def test_first(td_device):
            td_device.infer(td_device.random_inputs(1)[0])

        def test_second(td_device):
            x = td_device.random_inputs(1, seed=1)[0]
            assert (td_device.infer(x) == td_device.reference.run(x)).all()
    """
    )
    with FakePeer(kws[1], kws[0].model, "reset", once=True) as peer:
        started = time.monotonic()
        result = pytester.runpytest(
            "--td-board",
            "nano33ble",
            "--td-port=" + peer.port,
            "--td-no-flash",
            "--td-model=" + str(mlperf_path("kws")),
            "--td-timeout",
            "1",
            "--td-boot-timeout",
            "2",
            "-p",
            "no:cacheprovider",
        )
        assert time.monotonic() - started < 30
    result.assert_outcomes(passed=1, failed=1)
    # one line, as the plugin reports every TinyDeployError (no traceback)
    result.stdout.fnmatch_lines(["error: *: expected a 'm-results-[' line, got: m-warmup-start-0 | m-init-done"])
    pytester.makepyfile(
        test_zlast="""
        def test_third(td_device):
            td_device.info()
    """
    )
    with FakePeer(kws[1], kws[0].model, "silent") as peer:
        started = time.monotonic()
        result = pytester.runpytest(
            "--td-board",
            "nano33ble",
            "--td-port=" + peer.port,
            "--td-no-flash",
            "--td-model=" + str(mlperf_path("kws")),
            "--td-timeout",
            "1",
            "--td-boot-timeout",
            "2",
            "-p",
            "no:cacheprovider",
        )
        assert time.monotonic() - started < 30
    # test_first: the silence; test_second: the reset finds no answer; test_third: said at once
    result.assert_outcomes(failed=1, errors=2)
    out = result.stdout.str()
    assert "no answer to 'infer 1 0' within 1.5 s (got: m-warmup-start-0)" in out
    assert "the firmware did not answer within 2 s of starting" in out
    assert "stopped answering earlier in this session and did not come back after a reset" in out
