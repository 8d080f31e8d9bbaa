"""Keyword-spotting firmware on a make board (qemu-m4 by default) and its commands.

The firmware is tinydeploy's generic one (tdlink server, AOT-compiled model) plus
firmware/features/ (td_mfcc.c and the td_kws_ext.c server extension), built with
the library's own stages:

    fw = build_firmware(Path("out/kws.tflite"), "qemu-m4", Path("out/firmware"))
    with target_for(fw.board, fw.elf) as t:
        kws = KwsLink(t.link)
        kws.load_audio(clip)            # int16 [<= 16000]
        r = kws.detect()                # {"class", "score", "out", feature/infer ticks, ...}
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy.boards import Board, load_board
from tinydeploy.build import BuildResult, build
from tinydeploy.codegen import generate_project
from tinydeploy.compile import compile_model
from tinydeploy.errors import DeviceError
from tinydeploy.link import Link
from tinydeploy.pipeline import prepare_model
from tinydeploy.resources import firmware_dir


def feature_sources() -> list[Path]:
    """firmware/features/: the MFCC front end and the tdlink extension."""
    src = firmware_dir() / "features"
    return sorted(p for p in src.iterdir() if p.suffix in (".c", ".h"))


@dataclass
class Firmware:
    board: Board
    elf: Path
    build: BuildResult
    compiled: Any


def build_firmware(tflite: Path, board_id: str, out_dir: Path) -> Firmware:
    """Compile the int8 model, render the project with the KWS extension, build it.
    out_dir/compiled and out_dir/project are refreshed (make rebuilds what changed)."""
    board = load_board(board_id)
    prepared = prepare_model(Path(tflite))
    compiled = compile_model(prepared.model, out_dir / "compiled", force=True, dsp=board.dsp)
    project = generate_project(
        board, [compiled.model_c, *compiled.headers], out_dir / "project", extra_sources=feature_sources()
    )
    result = build(project, board)
    return Firmware(board, result.elf, result, compiled)


class KwsLink:
    """The td-audio-load / td-kws / td-kws-feat commands over a tinydeploy Link."""

    def __init__(self, link: Link) -> None:
        self.link = link

    def load_audio(self, samples: np.ndarray) -> None:
        data = np.asarray(samples, "<i2").tobytes()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        link = self.link
        # Like Link.load_input: a binary upload sits between the command and m-ready.
        link._write(f"td-audio-load {len(data)} {crc:08x}%".encode())
        first = link._readline(time.monotonic() + link.timeout)
        if first != "m-td-audio-ready":
            rest = link._reply("td-audio-load", link.timeout) if first is not None else []
            raise DeviceError(f"td-audio-load refused: {first} {' '.join(rest)}".strip(), port=link.name)
        link._write(data)
        lines = link._reply("td-audio-load data", link.timeout + len(data) / 2000)
        if "m-audio-done" not in lines:
            raise DeviceError(f"td-audio-load failed: {' | '.join(lines)}", port=link.name)

    def detect(self) -> dict[str, Any]:
        """Features + inference on the device: class, score, raw int8 outputs, ticks
        (and instructions under QEMU -icount)."""
        lines = self.link.command("td-kws", timeout=self.link.timeout + 30)
        r = json.loads(self.link._payload(lines, "m-td-kws-"))
        r["out"] = np.frombuffer(bytes.fromhex(r["out"]), np.int8)
        if self.link.ns_per_insn:
            per = 1e9 / r["tick_hz"] / self.link.ns_per_insn
            r["feature_instructions"] = round(r["feature_ticks"] * per)
            r["infer_instructions"] = round(r["infer_ticks"] * per)
        return r

    def features(self) -> np.ndarray:
        """The device's int8 features of the loaded clip [490]."""
        lines = self.link.command("td-kws-feat", timeout=self.link.timeout + 30)
        return np.frombuffer(bytes.fromhex(self.link._payload(lines, "m-td-kws-feat-")), np.int8)
