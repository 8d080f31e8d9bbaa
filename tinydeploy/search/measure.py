"""A candidate's cost, measured: built with the kernels `--kernels auto` picks for the
board and run on it, so flash and RAM come from the firmware and the instructions
from the emulator's count (no per-MAC factor)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydeploy.boards import Board
from tinydeploy.errors import BoardError


@dataclass(frozen=True)
class Cost:
    flash_bytes: int  # the firmware image (report.json "flash_bytes")
    ram_bytes: int  # static RAM + stack high-water ("ram_bytes")
    model_flash_bytes: int  # weights + parameters of the compiled model
    arena_bytes: int
    instructions: float  # per inference, emulated (-icount / Renode's count)
    macs: int
    kernels: str | None  # the AOT kernel set the board got
    exact_match_rate: float | None  # the device against tflite-micro on `check` inputs


def check_measurable(board: Board) -> None:
    """A search runs every candidate: only emulated boards have no one to plug it in."""
    if not board.emulated:
        raise BoardError(
            f"board '{board.id}' is not emulated: the search measures every "
            "candidate on the board, so use an emulated board with the same core "
            "(e.g. qemu-m4 for a Cortex-M4 part; `tinydeploy boards`)",
            path=str(board.path),
        )


def measure(raw: bytes, board: Board, check: int = 2) -> Cost:
    """Flash ``raw`` (an int8 .tflite) to ``board`` through the pipeline and read its
    figures from the report; ``check`` inputs are compared with tflite-micro."""
    from tinydeploy.pipeline import flash

    with tempfile.TemporaryDirectory(prefix="td-search-") as tmp:
        model = Path(tmp) / "candidate.tflite"
        model.write_bytes(raw)
        out = Path(tmp) / "out"
        out.mkdir()
        r: dict[str, Any] = flash(model, board, out, runtime="aot", check=check, runs=1)
    flash_parts = r["flash"] or {}
    return Cost(
        flash_bytes=int(r["flash_bytes"]),
        ram_bytes=int(r["ram_bytes"]),
        model_flash_bytes=int(flash_parts.get("weights", 0)),
        arena_bytes=int(r["arena_bytes"] or 0),
        instructions=float(r["instructions_per_inference"]),
        macs=int(r["macs"]),
        kernels=r["kernels"],
        exact_match_rate=r["exact_match_rate"],
    )
