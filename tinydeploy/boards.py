"""Board profiles: ``boards/<id>.toml`` loaded into a frozen, validated dataclass.

Boards are data. This module only knows the schema: which keys exist, their
types, and which values are allowed. Every mistake in a profile is a BoardError
that names the file and the key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Optional, Union, get_args, get_origin

from tinydeploy.errors import BoardError
from tinydeploy.resources import boards_dir

CPUS = ("cortex-m0", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55", "host", "xtensa-lx7")
MVE_CPUS = ("cortex-m55",)  # the cpus that may have Helium (key 'mve')
PLATFORMS = ("qemu", "renode", "platformio", "host")
BUILDS = ("make", "platformio")
TIMERS = ("systick", "dwt", "clock_gettime", "ccount", "timer0")
DEFAULT_BOARD = "qemu-m4"


@dataclass(frozen=True)
class Board:
    """One board profile. Optional fields are None when the board has no such thing."""

    id: str
    name: str
    cpu: str  # one of CPUS
    fpu: bool  # single-precision (or better) FPU present and used
    dsp: bool  # Armv7E-M / Armv8-M DSP extension
    clock_hz: int  # core clock; the rate of the cycle/tick counter
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int
    stack_bytes: int  # stack reserved at the top of RAM, painted at boot
    platform: str  # one of PLATFORMS: where the firmware runs
    build: str  # one of BUILDS
    hal: str  # folder under firmware/hal/
    timer: str  # one of TIMERS: what the firmware counts time with
    baud: int
    uart_base: Optional[int] = None  # console UART base address (bare-metal HALs)
    uart_clock_hz: Optional[int] = None  # UART PCLK when it differs from clock_hz
    tick_hz: Optional[int] = None  # tick counter rate when it differs from clock_hz
    qemu_machine: Optional[str] = None
    qemu_cpu: Optional[str] = None
    # more qemu-system-arm arguments; {flash_bytes}/{ram_bytes} are the profile's values
    qemu_args: Optional[str] = None
    qemu_icount_shift: Optional[int] = None  # -icount shift (targets.qemu's default if absent)
    renode_platform: Optional[str] = None  # .repl file, relative to the Renode folder
    renode_uart: Optional[str] = None  # the console UART's name there (sysbus.uart0)
    pio_platform: Optional[str] = None
    pio_board: Optional[str] = None
    pio_framework: Optional[str] = None
    tflm_lib_dep: Optional[str] = None  # PlatformIO library for TFLite Micro off Cortex-M (Cortex-M: generated)
    tflm_header: Optional[str] = None  # header that library wants included first
    usb_vid: Optional[int] = None
    usb_pid: Optional[int] = None
    microphone: Optional[str] = None  # "pdm": a PDM microphone (the keyword-spotting sketch's)
    # Armv8.1-M M-profile vector extension (Helium, integer at least): --kernels auto
    # takes the mve kernels (compile/mve.py)
    mve: bool = False
    path: Optional[Path] = dataclasses.field(default=None, compare=False)

    @property
    def emulated(self) -> bool:
        return self.platform in ("qemu", "renode")


_CHOICES = {"cpu": CPUS, "platform": PLATFORMS, "build": BUILDS, "timer": TIMERS}
_SCHEMA = {f.name: f for f in fields(Board) if f.name != "path"}


def _base_type(annotation: object) -> tuple[type, bool]:
    """(type, optional) from an annotation string such as 'Optional[int]'."""
    ann = eval(annotation, {"Optional": Optional}) if isinstance(annotation, str) else annotation
    if get_origin(ann) is Union:
        (inner,) = [a for a in get_args(ann) if a is not type(None)]
        return inner, True
    return ann, False  # type: ignore[return-value]


def _check(data: dict[str, object], path: Path) -> dict[str, object]:
    unknown = sorted(set(data) - set(_SCHEMA))
    if unknown:
        raise BoardError(f"unknown key '{unknown[0]}' (known keys: {', '.join(_SCHEMA)})", path=str(path))
    out: dict[str, object] = {}
    for name, field in _SCHEMA.items():
        kind, optional = _base_type(field.type)
        if name not in data:
            if optional or field.default is not dataclasses.MISSING:
                continue
            raise BoardError(f"missing key '{name}' ({kind.__name__})", path=str(path))
        value = data[name]
        # bool is an int in Python: reject it where an int is wanted, and vice versa.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise BoardError(
                f"key '{name}' must be {kind.__name__}, not {type(value).__name__} ({value!r})", path=str(path)
            )
        if name in _CHOICES and value not in _CHOICES[name]:
            raise BoardError(f"key '{name}' = {value!r} is not one of: {', '.join(_CHOICES[name])}", path=str(path))
        if kind is int and value < 0:  # type: ignore[operator]
            raise BoardError(f"key '{name}' must not be negative ({value})", path=str(path))
        out[name] = value
    for key in ("clock_hz", "flash_bytes", "ram_bytes", "baud", "tick_hz"):
        if out.get(key) == 0:
            raise BoardError(f"key '{key}' must be > 0", path=str(path))
    if out["stack_bytes"] >= out["ram_bytes"]:  # type: ignore[operator]
        raise BoardError(
            f"key 'stack_bytes' ({out['stack_bytes']}) must be smaller than 'ram_bytes' ({out['ram_bytes']})",
            path=str(path),
        )
    if out.get("mve") and out["cpu"] not in MVE_CPUS:
        raise BoardError(
            f"key 'mve' = true needs an Armv8.1-M cpu ({', '.join(MVE_CPUS)}), not {out['cpu']!r}", path=str(path)
        )
    if out["id"] != path.stem:
        raise BoardError(f"key 'id' = {out['id']!r} must match the file name '{path.stem}'", path=str(path))
    if "qemu_args" in out:
        try:
            str(out["qemu_args"]).format(**out)
        except (KeyError, IndexError, ValueError) as exc:
            raise BoardError(
                f"key 'qemu_args' = {out['qemu_args']!r}: bad placeholder {exc} "
                "(use profile keys such as {flash_bytes})",
                path=str(path),
            )
    needs = {
        "qemu": ("qemu_machine", "uart_base"),
        "renode": ("renode_platform", "renode_uart", "uart_base"),
        "platformio": ("pio_platform", "pio_board", "pio_framework"),
    }
    for key in needs.get(str(out["platform"]), ()):
        if key not in out:
            raise BoardError(f"missing key '{key}' (required for platform '{out['platform']}')", path=str(path))
    return out


def load_board_file(path: Path) -> Board:
    """Load and validate one profile file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BoardError(f"cannot read board profile: {exc.strerror}", path=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"not valid TOML: {exc}", path=str(path)) from exc
    return Board(**_check(data, path), path=path)  # type: ignore[arg-type]


def list_boards(directory: Optional[Path] = None) -> list[Board]:
    """Every profile in the boards folder, sorted by id."""
    folder = Path(directory) if directory else boards_dir()
    return [load_board_file(p) for p in sorted(folder.glob("*.toml"))]


def load_board(board_id: str = DEFAULT_BOARD, directory: Optional[Path] = None) -> Board:
    """The profile with this id; BoardError listing the known ids if there is none."""
    folder = Path(directory) if directory else boards_dir()
    path = folder / f"{board_id}.toml"
    if "/" in board_id or not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.toml")))
        raise BoardError(f"unknown board '{board_id}'; known boards: {known}", path=str(folder))
    return load_board_file(path)
