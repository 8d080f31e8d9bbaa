"""tdlink client framing, errors and resync, against a scripted fake port."""

from __future__ import annotations

import pytest

from tinydeploy.errors import DeviceError
from tinydeploy.link import Link


class FakePort:
    """Answers commands from a table; can start with garbage or stay silent."""

    def __init__(self, answers: dict[bytes, bytes], garbage: bytes = b"", silent: bool = False):
        self.answers, self.silent = answers, silent
        self.rx = bytearray(garbage)
        self.sent = bytearray()
        self.timeout = 0.01
        self.port = "fake0"

    @property
    def in_waiting(self) -> int:
        return len(self.rx)

    def write(self, data: bytes) -> int:
        self.sent += data
        while b"%" in self.sent:
            cmd, _, rest = bytes(self.sent).partition(b"%")
            self.sent = bytearray(rest)
            if not self.silent:
                self.rx += self.answers.get(cmd, b"e-[Unknown command: " + cmd + b"]\r\n")
                self.rx += b"m-ready\r\n"
        return len(data)

    def flush(self) -> None:
        pass

    def read(self, n: int) -> bytes:
        out = bytes(self.rx[:n])
        del self.rx[:n]
        return out

    def reset_input_buffer(self) -> None:
        self.rx.clear()

    def close(self) -> None:
        pass


def test_command_returns_lines_until_ready() -> None:
    port = FakePort({b"name": b"m-name-dut-[tinydeploy]\r\n"})
    assert Link(port).command("name") == ["m-name-dut-[tinydeploy]"]


def test_error_line_raises_with_device_message() -> None:
    port = FakePort({})
    with pytest.raises(DeviceError) as err:
        Link(port, name="fake0").command("bogus")
    assert "fake0" in str(err.value) and "Unknown command: bogus" in str(err.value)
    assert Link(FakePort({})).command("bogus", check=False)[0].startswith("e-")


def test_silence_is_a_clear_timeout() -> None:
    link = Link(FakePort({}, silent=True), name="fake0", timeout=0.2)
    with pytest.raises(DeviceError, match=r"fake0: no answer to 'name' within 0.2 s"):
        link.command("name")
    with pytest.raises(DeviceError, match="no answer after 2 resync attempts"):
        link.resync(attempts=2, timeout=0.1)


def test_resync_drops_garbage() -> None:
    port = FakePort({b"name": b"m-name-dut-[x]\r\n"}, garbage=b"\x00\xffjunk m-ready\r\npartial")
    link = Link(port)
    link.resync()
    assert link.command("name") == ["m-name-dut-[x]"]


def test_json_replies_and_instructions() -> None:
    port = FakePort(
        {
            b"td-cycles": b'm-td-cycles-{"ticks":1000,"runs":4,"tick_hz":25000000,"timer":"systick"}\r\n',
            b"td-mem": b'm-td-mem-{"arena_bytes":10,"stack_used_bytes":null}\r\n',
        }
    )
    link = Link(port, ns_per_insn=1.0)
    assert link.memory() == {"arena_bytes": 10, "stack_used_bytes": None}
    assert link.instructions() == 1000 * 40 / 4
    with pytest.raises(DeviceError, match="only on an emulated board"):
        Link(port).instructions()


def test_garbled_json_is_a_device_error() -> None:
    link = Link(FakePort({b"td-mem": b"m-td-mem-{oops\r\n"}))
    with pytest.raises(DeviceError, match="garbled 'td-mem' reply"):
        link.memory()


def test_busy_and_missing_ports(tmp_path) -> None:
    import os
    import pty

    from tinydeploy.link import open_serial

    with pytest.raises(DeviceError, match="no such port"):
        open_serial(str(tmp_path / "ttyNOPE"))
    master, slave = pty.openpty()
    try:
        path = os.ttyname(slave)
        first = open_serial(path)
        try:
            with pytest.raises(DeviceError, match="busy"):
                open_serial(path)
        finally:
            first.close()
    finally:
        os.close(master)
        os.close(slave)


def test_the_wait_for_infer_follows_the_work() -> None:
    """The wait is the link's timeout plus a margin over the expected runs: predicted
    before the first run, measured after it; a silent device is caught in that time."""
    import time

    from tinydeploy.link.client import DEFAULT_RUN_SECONDS, RUN_TIME_MARGIN

    link = Link(FakePort({}, silent=True), timeout=0.2)
    wait, expected = link.infer_timeout(10, 1)
    assert expected == pytest.approx(11 * DEFAULT_RUN_SECONDS)
    assert wait == pytest.approx(0.2 + 11 * DEFAULT_RUN_SECONDS)
    link.expected_run_seconds = 0.01  # a prediction from the MACs
    wait, expected = link.infer_timeout(10, 0)
    assert wait == pytest.approx(0.2 + 0.1)
    link.measured_run_seconds = 2.0  # a slow model, measured
    assert link.infer_timeout(10, 1)[0] == pytest.approx(0.2 + RUN_TIME_MARGIN * 22)
    link.measured_run_seconds = None
    started = time.monotonic()
    with pytest.raises(DeviceError, match=r"no answer to 'infer 10 0' within 0.3 s"):
        link.infer(10, 0)
    assert time.monotonic() - started < 2.0


def test_long_waits_are_reported() -> None:
    seen: list[str] = []
    link = Link(FakePort({}, silent=True), timeout=0.3)
    link.on_wait = seen.append
    import tinydeploy.link.client as client

    old, client.WAIT_NOTICE_S = client.WAIT_NOTICE_S, 0.1
    try:
        with pytest.raises(DeviceError):
            link.command("infer 1 0", expected=4.0)
    finally:
        client.WAIT_NOTICE_S = old
    assert seen and all(s.startswith("waiting for 'infer 1 0': ") and s.endswith("of about 4 s") for s in seen)
