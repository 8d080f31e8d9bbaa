"""What each figure of a report means: one definition, used by the reports of flash,
profile and bench (JSON keys, and the labels of the Markdown, HTML and CLI tables)."""

from __future__ import annotations

import datetime
import platform
import sys
from typing import Any

# key in report.json -> (label in tables and plots, definition)
FIGURES: dict[str, tuple[str, str]] = {
    "flash_bytes": (
        "flash",
        "bytes of the ELF's loadable read-only and initialised sections: model weights + runtime code + the rest",
    ),
    "ram_bytes": (
        "RAM",
        "static RAM (.data + .bss, the arena included) + the stack high-water mark measured on the device",
    ),
    "static_ram_bytes": ("static RAM", ".data + .bss of the ELF, the arena included"),
    "arena_bytes": ("arena", "the activation buffers of the model on the device"),
    "tflm_arena_bytes": (
        "TFLite Micro arena",
        "what tflite-micro's RecordingMicroAllocator needs for the model on a 64-bit host",
    ),
    "stack_high_water_bytes": (
        "stack high-water",
        "the deepest the stack went, measured on the device by painting the stack at boot",
    ),
    "stack_reserved_bytes": (
        "stack reserved",
        "the stack the board profile reserves at the top of RAM (the linker's figure, not a measurement)",
    ),
    "instructions_per_inference": (
        "instructions / inference (emulated)",
        "executed instructions counted by the emulator (QEMU -icount), exact; not time on a real chip",
    ),
    "cycles_per_inference": ("cycles / inference", "CPU cycles (DWT CYCCNT, SysTick on M0) on a real board"),
    "latency_ms": ("latency", "milliseconds per inference at the board's clock (real boards, the host)"),
    "exact_match_rate": ("exact match", "share of checked inputs whose outputs equal tflite-micro's"),
    "max_abs_diff": ("max abs diff", "largest output difference from tflite-micro, in output units (int8 steps)"),
}
"""Key in report.json -> (label in tables and plots, definition). ``stack_bytes`` in older
reports is ``stack_high_water_bytes``."""


def label(key: str) -> str:
    return FIGURES[key][0]


def provenance(command: str) -> dict[str, Any]:
    """Who made a report: the command line (or Python call), the date, the versions."""
    from importlib import metadata

    from tinydeploy import __version__

    versions = {"tinydeploy": __version__, "python": platform.python_version()}
    for dist in ("tflite-micro", "tensorflow-cpu", "tensorflow"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return {
        "command": command or " ".join(sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": versions,
    }
