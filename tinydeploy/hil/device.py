"""A board running the model under test, seen from a test: one small object.

    with Device(firmware, port=None, timeout=10) as dev:
        y = dev.infer(x)                 # raw int8 output, shaped like the model's
        dev.reference.run(x)             # what tflite-micro computes for x
        dev.benchmark(runs=10)           # instructions (QEMU) / cycles + ms (board)
        dev.memory(), dev.cycles(), dev.info(), dev.reset()

It owns the target (tinydeploy.targets: QEMU, host program or serial port) and
its Link. Every device failure is a DeviceError naming the port; after one,
ensure_ready() resynchronises the link or restarts the target so the next test
starts clean.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Callable, Optional, TypeVar

import numpy as np

from tinydeploy.errors import DataError, DeviceError
from tinydeploy.hil.firmware import Firmware
from tinydeploy.link import Link
from tinydeploy.model.inputs import random_inputs
from tinydeploy.model.reference import Reference
from tinydeploy.targets import Target, target_for

T = TypeVar("T")
KINDS = {"qemu": "emulated", "renode": "emulated", "host": "host"}  # else real hardware


class Device:
    def __init__(
        self,
        firmware: Firmware,
        *,
        port: Optional[str] = None,
        timeout: float = 10.0,
        boot_timeout: float = 20.0,
        check_model: bool = True,
    ):
        self.firmware = firmware
        self.board = firmware.board
        self.port = port
        self.timeout, self.boot_timeout = timeout, boot_timeout
        self.check_model = check_model
        self.reference = Reference(firmware.model.raw, firmware.model.model)
        self.target: Optional[Target] = None
        self.faulted = False  # a DeviceError happened since the last clean state
        self.broken: Optional[str] = None  # why the last reset failed
        self._input_loaded = False
        self._paused = False

    # -- lifecycle ---------------------------------------------------------
    def open(self) -> "Device":
        if self.target is not None:
            return self
        if self.board.platform in ("qemu", "host", "renode") and self.firmware.elf is None:
            raise DeviceError("no firmware to run: it was not built", port=self.board.id)
        target = target_for(
            self.board, self.firmware.elf, self.port, boot_timeout=self.boot_timeout, timeout=self.timeout
        )
        try:
            target.start()
            self.target = target
            self._check_firmware()
        except BaseException:
            target.close()
            self.target = None
            raise
        self.faulted, self._input_loaded = False, False
        return self

    def close(self) -> None:
        self._resume()  # a stopped process holds SIGTERM until it runs again
        target, self.target = self.target, None
        if target is not None:
            target.close()

    def reset(self) -> None:
        """Start the firmware again: a fresh emulator or host process; on a serial
        board the port is reopened (boards that reset on DTR do reset) and resynced."""
        self.close()
        self.open()

    def ensure_ready(self) -> None:
        """After a failure: resync the link, or reset when it does not answer. A board
        that did not come back from a reset fails at once from then on, rather than
        making every later test wait for its boot timeout again."""
        if self.broken is not None:
            raise DeviceError(
                "the board stopped answering earlier in this session and did "
                f"not come back after a reset ({self.broken})",
                port=self.port or self.board.id,
            )
        if self.target is not None and not self.faulted:
            return
        try:
            if self.target is None:
                self.open()
                return
            try:
                self.link.resync(attempts=2, timeout=min(2.0, self.timeout))
                self.faulted = False
            except DeviceError:
                self.reset()
        except DeviceError as exc:
            self.broken = str(exc)
            raise

    def pause(self) -> None:
        """Stop the emulator (SIGSTOP) until the device is next used. The firmware polls
        its UART while it waits for a command, so an idle QEMU keeps a host core busy; a
        test session holding the device between tests would burn that core throughout.
        The next use of the link resumes it; emulated time does not move meanwhile."""
        pid = self.pid
        if self.board.platform != "qemu" or pid is None or self._paused:
            return
        try:
            os.kill(pid, signal.SIGSTOP)
            self._paused = True
        except ProcessLookupError:  # it already died: the next use reports that
            pass

    def _resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        pid = self.pid
        if pid is not None:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def __enter__(self) -> "Device":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def link(self) -> Link:
        self._resume()
        if self.target is None or self.target.link is None:
            raise DeviceError("the device is not open", port=self.port or self.board.id)
        return self.target.link

    @property
    def pid(self) -> Optional[int]:
        """The emulator's or host program's process id (None on a serial board)."""
        return getattr(self.target, "pid", None)

    @property
    def kind(self) -> str:
        return KINDS.get(self.board.platform, "hardware")

    def _call(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        try:
            return fn(*args, **kw)
        except DeviceError:
            self.faulted = True
            raise

    def _check_firmware(self) -> None:
        info = self._call(self.link.info)
        want = self.firmware.model
        if not info.get("init_ok", True) or "input" not in info:
            raise DeviceError(
                "the model failed to initialise on the device (td_model_init); "
                "is the arena large enough for this board?",
                port=self.link.name,
            )
        if self.check_model and info.get("hash") != want.model.sha256[:16]:
            raise DeviceError(
                f"the device runs model '{info.get('model')}' (hash {info.get('hash')}), not "
                f"'{want.model.name}' (hash {want.model.sha256[:16]}) from {want.source}; "
                "flash it (drop --td-no-flash) or pass the matching --td-model",
                port=self.link.name,
            )
        expected = int(np.prod(self.reference.input_shape)) * self.reference.input_dtype.itemsize
        if int(info["input"]["bytes"]) != expected:
            raise DeviceError(
                f"the device's input tensor is {info['input']['bytes']} bytes, the model's {expected}",
                port=self.link.name,
            )

    # -- model I/O ---------------------------------------------------------
    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.reference.output_details["shape"])

    @property
    def output_dtype(self) -> np.dtype:
        return np.dtype(self.reference.output_details["dtype"])

    def random_inputs(self, count: int, seed: int = 0) -> np.ndarray:
        """Inputs drawn uniformly over the input type's range (as `tinydeploy flash --check`)."""
        return random_inputs(self.reference, count, seed)

    def _as_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        want = self.reference.input_shape
        if x.dtype != self.reference.input_dtype:
            raise DataError(
                f"input has dtype {x.dtype}, the model expects {self.reference.input_dtype} (quantize it first)",
                path="<input>",
            )
        if x.size != int(np.prod(want)):
            raise DataError(f"input has shape {list(x.shape)}, the model expects {list(want)}", path="<input>")
        return np.ascontiguousarray(x.reshape(want))

    def load(self, x: np.ndarray, binary: bool = True) -> None:
        """Put one input into the device's input tensor (td-load, or EEMBC db chunks)."""
        self._call(self.link.load_input, self._as_input(x).tobytes(), binary)
        self._input_loaded = True

    def infer(self, x: np.ndarray) -> np.ndarray:
        """Run one input on the device; its raw output, shaped like the model's output."""
        self.load(x)
        self._call(self.link.infer, 1, 0)
        raw = self._call(self.link.output)
        out = np.frombuffer(raw, dtype=self.output_dtype)
        if out.size != int(np.prod(self.output_shape)):
            self.faulted = True
            raise DeviceError(
                f"the device returned {out.size} output values, the model has {int(np.prod(self.output_shape))}",
                port=self.link.name,
            )
        return out.reshape(self.output_shape)

    def infer_batch(self, xs: np.ndarray) -> np.ndarray:
        return np.stack([self.infer(x) for x in xs])

    # -- measurements ------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return self._call(self.link.info)

    def memory(self) -> dict[str, Any]:
        return self._call(self.link.memory)

    def cycles(self) -> dict[str, Any]:
        return self._call(self.link.cycles)

    def instructions(self) -> float:
        return self._call(self.link.instructions)

    def command(self, cmd: str, timeout: Optional[float] = None, check: bool = True) -> list[str]:
        """One raw protocol command; its reply lines without the final m-ready."""
        return self._call(self.link.command, cmd, timeout, check)

    def benchmark(self, runs: int = 10, warmup: int = 1, x: Optional[np.ndarray] = None) -> dict[str, Any]:
        """measure.latency on ``x``, else on the loaded input (a random one when none is)."""
        from tinydeploy.measure import latency

        if x is not None or not self._input_loaded:
            self.load(self.random_inputs(1)[0] if x is None else x)
        return self._call(latency, self.link, runs, warmup, self.kind)

    def measurements(self, runs: int = 3) -> dict[str, Any]:
        """flash, RAM (static + stack high-water) and time per inference, as `tinydeploy
        flash` reports them, on one fixed input (the first of random_inputs, seed 0) so
        that the figures repeat. Flash is None when the firmware was not built here."""
        timing = self.benchmark(runs, warmup=1, x=self.random_inputs(1)[0])
        mem = self.memory()
        sizes = self.firmware.sizes
        static_ram = sizes.static_ram_bytes if sizes else (mem.get("static_ram_bytes") or 0)
        out: dict[str, Any] = {
            "board": self.board.id,
            "runtime": self.firmware.runtime,
            "model": self.firmware.model.model.name,
            "flash_bytes": sizes.flash_bytes if sizes else None,
            "ram_bytes": static_ram + (mem.get("stack_used_bytes") or 0),
            "static_ram_bytes": static_ram,
            "arena_bytes": mem.get("arena_bytes"),
            "stack_used_bytes": mem.get("stack_used_bytes"),
        }
        for key in ("instructions_per_inference", "cycles_per_inference", "latency_ms"):
            if key in timing:
                out[key] = timing[key]
        return out

    def __repr__(self) -> str:
        where = self.target.link.name if self.target and self.target.link else "closed"
        return f"<Device {self.board.id} {self.firmware.runtime} {where}>"
