"""A fake device on the far end of a pseudo-terminal: it stands for the USB cable of a
real board. It speaks the tdlink protocol for one model (outputs from the tflite-micro
reference) and misbehaves on `infer` as told:

    ok       answer like the firmware
    silent   start answering, then never again (a hung board)
    garbage  an endless stream of junk lines, never m-ready
    reset    reboot mid-inference: the boot banner "m-init-done" "m-ready", input lost
    vanish   the port disappears (the cable is pulled)

`once=True` misbehaves on the first `infer` only, then answers normally.
"""

from __future__ import annotations

import json
import os
import select
import threading
import time
import tty
import zlib

import numpy as np


class FakePeer:
    def __init__(self, reference, model, mode: str = "ok", once: bool = False):
        self.reference, self.model, self.mode, self.once = reference, model, mode, once
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self.commands: list[str] = []
        self._input: bytes | None = None
        self._output: bytes | None = None
        self._dead = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "FakePeer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._close()

    def _close(self) -> None:
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = self._slave = -1

    # -- wire --------------------------------------------------------------
    def _send(self, *lines: str) -> None:
        data = "".join(line + "\r\n" for line in lines).encode()
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def _read(self, timeout: float = 0.05) -> bytes:
        if self.master < 0:
            return b""
        try:
            ready, _, _ = select.select([self.master], [], [], timeout)
        except (OSError, ValueError):  # closed meanwhile
            return b""
        if not ready:
            return b""
        try:
            return os.read(self.master, 4096)
        except OSError:  # nobody has the port open (EIO): wait for the client
            time.sleep(0.02)
            return b""

    def _serve(self) -> None:
        buf = b""
        while not self._stop.is_set() and self.master >= 0:
            buf += self._read()
            while b"%" in buf and not self._dead:
                cmd, _, buf = buf.partition(b"%")
                buf = self._dispatch(cmd.decode(errors="replace").strip(), buf)
                if self.master < 0:
                    return
            if self._dead:
                buf = b""

    # -- protocol ----------------------------------------------------------
    def _tensor(self, details) -> dict:
        q = details["quantization_parameters"]
        shape = [int(d) for d in details["shape"]]
        return {
            "dtype": "int8",
            "shape": shape,
            "bytes": int(np.prod(shape)),
            "scale": float(q["scales"][0]),
            "zero_point": int(q["zero_points"][0]),
        }

    def _dispatch(self, cmd: str, rest: bytes) -> bytes:
        self.commands.append(cmd)
        words = cmd.split()
        if not words:
            pass
        elif words[0] == "name":
            self._send("m-name-dut-[fakepeer]")
        elif words[0] == "td-info":
            info = {
                "fw": "fakepeer",
                "board": "fake",
                "cpu": "cortex-m4",
                "clock_hz": 64000000,
                "timer": "dwt",
                "tick_hz": 64000000,
                "model": self.model.name,
                "hash": self.model.sha256[:16],
                "runtime": "aot",
                "init_ok": True,
                "input": self._tensor(self.reference.input_details),
                "output": self._tensor(self.reference.output_details),
            }
            self._send("m-td-info-" + json.dumps(info))
        elif words[0] == "td-load":
            size, crc = int(words[1]), int(words[2], 16)
            self._send("m-td-load-ready")
            deadline = time.monotonic() + 5
            while len(rest) < size and time.monotonic() < deadline:
                rest += self._read()
            data, rest = rest[:size], rest[size:]
            if zlib.crc32(data) & 0xFFFFFFFF != crc:
                self._send("e-[td-load crc32 mismatch]")
            else:
                self._input = data
                self._send("m-load-done")
        elif words[0] == "infer":
            if self.mode != "ok":
                mode = self.mode
                if self.once:
                    self.mode = "ok"
                return self._misbehave(mode, rest)
            x = np.frombuffer(self._input, np.int8).reshape(self.reference.input_shape)
            self._output = self.reference.run(x).astype(np.int8).tobytes()
            self._send(
                "m-warmup-start-0",
                "m-warmup-done",
                "m-infer-start-1",
                "m-lap-us-10",
                "m-lap-us-510",
                "m-infer-done",
                "m-results-[" + ",".join("0.000" for _ in self._output) + "]",
            )
        elif words[0] == "td-out":
            self._send("m-td-out-" + self._output.hex())
        elif words[0] == "td-cycles":
            self._send('m-td-cycles-{"ticks":32000,"runs":1,"tick_hz":64000000,"timer":"dwt"}')
        elif words[0] == "td-mem":
            self._send(
                'm-td-mem-{"arena_bytes":9000,"model_static_bytes":0,"static_ram_bytes":'
                '12000,"stack_bytes":8192,"stack_used_bytes":400}'
            )
        else:
            self._send(f"e-[Unknown command: {words[0][:32]}]")
        self._send("m-ready")
        return rest

    def _misbehave(self, mode: str, rest: bytes) -> bytes:
        self._send("m-warmup-start-0")
        if mode == "silent":
            self._dead = True
        elif mode == "garbage":
            rng = np.random.default_rng(0)
            while not self._stop.is_set() and self.master >= 0:
                junk = bytes(rng.integers(0x21, 0x7F, 40, dtype=np.uint8))  # no "%": a line
                self._send("m-" + junk.decode())
                self._read(0.0)  # keep draining what the host sends; no pause: a flood
        elif mode == "reset":
            self._input = self._output = None
            self._send("m-init-done", "m-ready")
        elif mode == "vanish":
            self._close()
        return b""
