"""tdlink protocol client: framing, per-command timeouts, resync, clear DeviceErrors.

The wire format is the MLPerf Tiny (EEMBC) runner's: a command is text ending in
'%', the device answers with lines and always ends with 'm-ready'. Lines starting
'e-' are errors. tinydeploy's extensions answer 'm-td-<what>-<payload>'.
"""

from __future__ import annotations

import errno
import json
import time
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Optional

import serial

from tinydeploy.errors import DeviceError

try:  # pyserial's POSIX port raises termios.error (not an OSError) from tcdrain/tcflush
    from termios import error as _TermiosError  # when the device node has gone
except ImportError:  # Windows

    class _TermiosError(Exception):  # type: ignore[no-redef]
        pass


READY = "m-ready"
DEFAULT_TIMEOUT_S = 5.0
HEX_CHUNK_BYTES = 32  # db <hex>% carries 64 hex digits per command
# The wait for `infer N W` is the link's timeout plus the time N + W inferences should
# take: RUN_TIME_MARGIN times the measured time of the last runs on this link, else the
# caller's prediction (expected_run_seconds, an upper bound), else DEFAULT_RUN_SECONDS each.
RUN_TIME_MARGIN = 3.0
DEFAULT_RUN_SECONDS = 0.5
WAIT_NOTICE_S = 5.0  # on_wait is told every this many seconds of a long wait


@dataclass(frozen=True)
class InferResult:
    runs: int
    warmup: int
    ticks: int  # ticks of the timed runs together (tick_hz per second)
    tick_hz: int
    timer: str
    lap_us: tuple[int, int]  # the two EEMBC m-lap-us timestamps
    results: list[float]  # m-results: dequantized outputs

    @property
    def ticks_per_inference(self) -> float:
        return self.ticks / self.runs


def open_serial(port: str, baud: int = 115200, timeout: float = 0.1) -> serial.SerialBase:
    """Open a port by name or pyserial URL (socket://host:port), exclusively where
    the OS allows it. A busy or missing port is a DeviceError."""
    try:
        if "://" in port:
            return serial.serial_for_url(port, baudrate=baud, timeout=timeout)
        return serial.Serial(port, baudrate=baud, timeout=timeout, exclusive=True)
    except serial.SerialException as exc:
        text = str(exc)
        err = getattr(exc, "errno", None)
        if err in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "No such file" in text:
            raise DeviceError(
                "no such port: is the board plugged in? `python -m serial.tools.list_ports` lists the ports", port=port
            ) from exc
        if err in (errno.EBUSY, errno.EAGAIN) or "exclusively lock" in text or "Device or resource busy" in text:
            raise DeviceError(
                "busy: another program (a serial monitor, another tinydeploy "
                "run) has the port open; close it and retry",
                port=port,
            ) from exc
        if err == errno.EACCES or "Permission denied" in text:
            raise DeviceError(
                "permission denied: add yourself to the 'dialout' group "
                "(sudo usermod -aG dialout $USER) and log in again",
                port=port,
            ) from exc
        if "Connection refused" in text:
            raise DeviceError("connection refused: the emulator is not listening (it exited?)", port=port) from exc
        raise DeviceError(f"cannot open: {text}", port=port) from exc


class Link:
    """One conversation with a device. Not thread-safe; one command at a time."""

    def __init__(
        self,
        port: serial.SerialBase,
        name: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        ns_per_insn: Optional[float] = None,
        counted_by: Optional[str] = None,
    ):
        self.port = port
        self.name = name or str(getattr(port, "port", None) or getattr(port, "name", "device"))
        self.timeout = timeout
        # Set by the emulator targets: virtual nanoseconds per instruction (QEMU -icount,
        # Renode at a fixed MIPS), and who counts them, for the reports' notes.
        self.ns_per_insn = ns_per_insn
        self.counted_by = counted_by
        self.log: list[str] = []  # last command's reply lines, for diagnostics
        # Wall seconds per inference: a prediction before any run (set by the caller, e.g.
        # from the model's MACs), then measured on every `infer`.
        self.expected_run_seconds: Optional[float] = None
        self.measured_run_seconds: Optional[float] = None
        # Told "<elapsed> of about <expected> s" while a long command is answered.
        self.on_wait: Optional[Callable[[str], None]] = None
        self._buf = bytearray()
        self._info: Optional[dict[str, Any]] = None

    # -- transport ---------------------------------------------------------
    def _err(self, detail: str) -> DeviceError:
        return DeviceError(detail, port=self.name)

    def _write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError, _TermiosError) as exc:
            raise self._err(
                f"the device disappeared while writing ({exc}); was it unplugged or did the emulator exit?"
            ) from exc

    def _readline(self, deadline: float) -> Optional[str]:
        """One line without its ending, or None at the deadline."""
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return raw.decode("ascii", "replace").strip("\r\x00 ")
            if time.monotonic() >= deadline:
                return None
            try:
                chunk = self.port.read(max(1, self.port.in_waiting or 1))
            except (serial.SerialException, OSError) as exc:
                raise self._err(
                    f"the device disappeared while reading ({exc}); was it unplugged or did the emulator exit?"
                ) from exc
            if chunk:
                self._buf += chunk
            elif getattr(self.port, "timeout", None) == 0:
                time.sleep(0.005)

    def _reply(self, what: str, timeout: float, expected: Optional[float] = None) -> list[str]:
        start = time.monotonic()
        deadline = start + timeout
        notice = start + WAIT_NOTICE_S
        lines: list[str] = []
        while True:
            line = self._readline(min(deadline, notice) if self.on_wait else deadline)
            now = time.monotonic()
            if line is None and now < deadline:  # only the notice is due
                notice = now + WAIT_NOTICE_S
                if self.on_wait:
                    self.on_wait(
                        f"waiting for '{what}': {now - start:.0f} s"
                        + (f" of about {expected:.0f} s" if expected else "")
                    )
                continue
            if line == READY:
                self.log = lines
                return lines
            if line:
                lines.append(line)
            # Also when lines keep coming: a device flooding junk must not hold us forever.
            if line is None or time.monotonic() >= deadline:
                self.log = lines
                raise self._err(
                    f"no answer to '{what}' within {timeout:g} s"
                    + (f" (got: {' | '.join(lines[-3:])})" if lines else "")
                )

    def command(
        self, cmd: str, timeout: Optional[float] = None, check: bool = True, expected: Optional[float] = None
    ) -> list[str]:
        """Send one command, return its reply lines (without m-ready). With check,
        an e- line raises DeviceError carrying the device's message. ``expected``:
        seconds the work should take, for the waiting notices (on_wait)."""
        if "%" in cmd:
            raise ValueError(f"a command must not contain '%': {cmd!r}")
        self._write(cmd.encode("ascii") + b"%")
        lines = self._reply(cmd[:40], timeout or self.timeout, expected)
        if check:
            for line in lines:
                if line.startswith("e-"):
                    raise self._err(f"'{cmd[:40]}' refused: {line[2:].strip('[]')}")
        return lines

    def resync(self, attempts: int = 5, timeout: float = 1.0) -> None:
        """Get back in step after garbage or a half-read reply: drop what is buffered,
        send a bare '%' until an m-ready arrives and nothing more follows."""
        for _ in range(attempts):
            self._drain(0.05)
            self._write(b"%")
            try:
                self._reply("%", timeout)
            except DeviceError:
                continue
            self._drain(0.05)
            return
        raise self._err(
            f"no answer after {attempts} resync attempts; is the firmware "
            "running? (reset the board, or check the baud rate)"
        )

    def _drain(self, quiet: float) -> None:
        end = time.monotonic() + quiet
        while time.monotonic() < end:
            try:
                waiting = self.port.in_waiting
                chunk = self.port.read(waiting) if waiting else b""
            except (serial.SerialException, OSError) as exc:
                raise self._err(f"the device disappeared ({exc})") from exc
            if chunk:
                end = time.monotonic() + quiet
            else:
                time.sleep(0.01)
        self._buf.clear()
        try:
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError, _TermiosError, NotImplementedError, AttributeError):
            pass

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Wait for the device to answer (after boot): resync until m-ready."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.resync(attempts=1, timeout=min(1.0, max(0.05, deadline - time.monotonic())))
                return
            except DeviceError:
                if time.monotonic() >= deadline:
                    raise self._err(f"the firmware did not answer within {timeout:g} s of starting") from None

    def close(self) -> None:
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            pass

    # -- protocol ----------------------------------------------------------
    def _payload(self, lines: list[str], prefix: str) -> str:
        for line in lines:
            if line.startswith(prefix):
                return line[len(prefix) :]
        raise self._err(f"expected a '{prefix}' line, got: {' | '.join(lines) or 'nothing'}")

    def _json(self, cmd: str) -> dict[str, Any]:
        text = self._payload(self.command(cmd), f"m-{cmd.split()[0]}-")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise self._err(f"garbled '{cmd}' reply: {text[:80]}") from exc

    def name_of_device(self) -> str:
        return self._payload(self.command("name"), "m-name-")

    def info(self) -> dict[str, Any]:
        """Model, runtime, board, and input/output tensor descriptions (one JSON object)."""
        info = self._json("td-info")
        for key in ("input", "output"):
            if key in info and "scale_bits" in info[key]:
                import struct

                bits = int(info[key]["scale_bits"], 16)
                info[key]["scale"] = struct.unpack("<f", bits.to_bytes(4, "little"))[0]
        self._info = info
        return info

    def _input_bytes(self) -> int:
        info = self._info or self.info()
        if "input" not in info:
            raise self._err("the model failed to initialise on the device (td_model_init)")
        return int(info["input"]["bytes"])

    def load_input(self, data: bytes, binary: bool = True) -> None:
        """Fill the input tensor: binary td-load with a CRC-32, or EEMBC db hex chunks."""
        data = bytes(data)
        size = self._input_bytes()
        if len(data) != size:
            raise self._err(f"input is {len(data)} bytes; the model's input tensor is {size} bytes")
        if binary:
            crc = zlib.crc32(data) & 0xFFFFFFFF
            self._write(f"td-load {len(data)} {crc:08x}%".encode())
            first = self._readline(time.monotonic() + self.timeout)
            if first != "m-td-load-ready":
                rest = self._reply("td-load", self.timeout) if first is not None else []
                raise self._err(f"td-load refused: {first} {' '.join(rest)}".strip())
            self._write(data)
            lines = self._reply("td-load data", self.timeout + len(data) / 1000)
            if "m-load-done" not in lines:
                raise self._err(f"td-load failed: {' | '.join(lines)}")
            return
        self.command(f"db load {len(data)}")
        lines: list[str] = []
        for off in range(0, len(data), HEX_CHUNK_BYTES):
            lines = self.command("db " + data[off : off + HEX_CHUNK_BYTES].hex())
        if "m-load-done" not in lines:
            raise self._err(f"db load did not complete: {' | '.join(lines)}")

    def infer_timeout(self, n: int = 1, warmup: int = 0) -> tuple[float, float]:
        """(seconds to wait for `infer n warmup`, seconds it should take): the link's
        timeout plus a margin over the expected time, so a slow model is waited for
        and a device that stopped answering is still caught."""
        if self.measured_run_seconds:
            expected = self.measured_run_seconds * (n + warmup)
            return self.timeout + RUN_TIME_MARGIN * expected, expected
        expected = (self.expected_run_seconds or DEFAULT_RUN_SECONDS) * (n + warmup)
        return self.timeout + expected, expected

    def infer(self, n: int = 1, warmup: int = 0, timeout: Optional[float] = None) -> InferResult:
        wait, expected = self.infer_timeout(n, warmup)
        started = time.monotonic()
        lines = self.command(f"infer {int(n)} {int(warmup)}", timeout=timeout or wait, expected=expected)
        # wall time, reply included: what the next wait must allow for
        self.measured_run_seconds = (time.monotonic() - started) / (n + warmup)
        laps = [int(line[len("m-lap-us-") :]) for line in lines if line.startswith("m-lap-us-")]
        results = self._payload(lines, "m-results-[").rstrip("]")
        cyc = self.cycles()
        return InferResult(
            n,
            warmup,
            int(cyc["ticks"]),
            int(cyc["tick_hz"]),
            str(cyc["timer"]),
            (laps[0], laps[-1]) if laps else (0, 0),
            [float(v) for v in results.split(",") if v],
        )

    def output(self) -> bytes:
        """The raw output tensor of the last inference."""
        return bytes.fromhex(self._payload(self.command("td-out"), "m-td-out-"))

    def memory(self) -> dict[str, Any]:
        """arena_bytes, model_static_bytes, static_ram_bytes, stack_bytes, stack_used_bytes."""
        return self._json("td-mem")

    def cycles(self) -> dict[str, Any]:
        """Ticks of the last timed block of inferences: ticks, runs, tick_hz, timer."""
        return self._json("td-cycles")

    def instructions(self) -> float:
        """Instructions per inference of the last `infer`, counted by the emulator
        (QEMU -icount, Renode): not the cycles of a real chip."""
        if self.ns_per_insn is None:
            raise self._err(
                "instruction counts exist only on an emulated board (QEMU with "
                "-icount, Renode); on a real board use cycles()"
            )
        cyc = self.cycles()
        if not cyc["runs"]:
            raise self._err("no inference has run yet")
        ns = cyc["ticks"] * 1e9 / cyc["tick_hz"]
        # A tick is shorter than an instruction (see targets.qemu), so the nearest
        # integer is the exact count of the whole timed block.
        return round(ns / self.ns_per_insn) / cyc["runs"]

    def spin_calibration(self, n: int = 1_000_000) -> tuple[int, float]:
        """(known instruction count of a firmware loop, instructions measured via the
        timer): a cross-check of the -icount conversion."""
        data = self._json(f"td-spin {int(n)}")
        if self.ns_per_insn is None:
            raise self._err("spin calibration needs an emulated target (QEMU -icount, Renode)")
        return int(data["loop_instructions"]), data["ticks"] * 1e9 / data["tick_hz"] / self.ns_per_insn
