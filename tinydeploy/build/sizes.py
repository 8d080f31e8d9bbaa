"""Flash and RAM figures from the ELF (pyelftools), and the fit check against a board.

Definitions (docs/architecture.md, Measurements):
  flash  = bytes of allocated sections that occupy the image (read-only + initialised data)
           split into weights (.td_weights), runtime code (runtime/ + model/ .text,
           between __td_runtime_text_start/end) and the rest;
  static RAM = .data + .bss (includes the arena and activation buffers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Optional

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from tinydeploy.boards import Board
from tinydeploy.errors import BoardError

# Flash and RAM the application, HAL and libc need besides the model (measured
# on qemu-m4 with the fixture model: about 6 KB of code; 1 KB command buffer).
FIRMWARE_FLASH_RESERVE = 16 * 1024
FIRMWARE_RAM_RESERVE = 4 * 1024


@dataclass(frozen=True)
class FirmwareSizes:
    flash_bytes: int
    weights_bytes: int
    runtime_code_bytes: int
    other_flash_bytes: int
    data_bytes: int
    bss_bytes: int
    stack_bytes: int  # reserved by the board profile (0 on the host)

    @property
    def static_ram_bytes(self) -> int:
        return self.data_bytes + self.bss_bytes

    def as_dict(self) -> dict[str, int]:
        return dict(asdict(self), static_ram_bytes=self.static_ram_bytes)


def _symbol(elf: ELFFile, name: str) -> Optional[int]:
    symtab = elf.get_section_by_name(".symtab")
    if symtab is None:
        return None
    found = symtab.get_symbol_by_name(name)  # type: ignore[attr-defined]
    return int(found[0]["st_value"]) if found else None


def firmware_sizes(elf_path: Path, stack_bytes: int = 0) -> FirmwareSizes:
    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        flash = weights = data = bss = 0
        for sec in elf.iter_sections():
            flags, size, name = sec["sh_flags"], sec["sh_size"], sec.name
            if not flags & SH_FLAGS.SHF_ALLOC or size == 0:
                continue
            if sec["sh_type"] == "SHT_NOBITS":
                if name.startswith((".bss", ".tbss")) or name == "COMMON":
                    bss += size
                continue
            flash += size
            if name.startswith(".td_weights"):
                weights += size
            if name.startswith(".data") or name.startswith(".tdata"):
                data += size
        start = _symbol(elf, "__td_runtime_text_start")
        end = _symbol(elf, "__td_runtime_text_end")
        runtime = (end - start) if start is not None and end is not None else 0
    return FirmwareSizes(flash, weights, runtime, flash - weights - runtime, data, bss, stack_bytes)


def sizes_line(elf: Path, sizes: FirmwareSizes) -> str:
    """One line for the user: the built image's flash and static RAM."""
    return (
        f"built {elf}: flash {sizes.flash_bytes:,} B, static RAM {sizes.static_ram_bytes:,} B "
        f"(.data {sizes.data_bytes:,} + .bss {sizes.bss_bytes:,})"
    )


def object_sizes(objects: Iterable[Path]) -> dict[str, int]:
    """Sizes summed over relocatable objects (before linking): code, weights,
    other read-only data, and RAM (.data + .bss), for the fit check."""
    out = {"code": 0, "weights": 0, "rodata": 0, "ram": 0}
    for obj in objects:
        with open(obj, "rb") as fh:
            for sec in ELFFile(fh).iter_sections():
                if not sec["sh_flags"] & SH_FLAGS.SHF_ALLOC:
                    continue
                name, size = sec.name, sec["sh_size"]
                if name.startswith(".td_weights"):
                    out["weights"] += size
                elif name.startswith(".text"):
                    out["code"] += size
                elif name.startswith(".rodata"):
                    out["rodata"] += size
                elif name.startswith((".data", ".bss")) or sec["sh_type"] == "SHT_NOBITS":
                    out["ram"] += size
    return out


def check_fit(board: Board, flash_bytes: int, ram_bytes: int, what: str = "the model") -> None:
    """BoardError when flash_bytes (weights + code) or ram_bytes (arena + state)
    cannot fit the board beside the firmware's own needs and the stack."""
    flash_room = board.flash_bytes - FIRMWARE_FLASH_RESERVE
    ram_room = board.ram_bytes - board.stack_bytes - FIRMWARE_RAM_RESERVE
    problems = []
    if flash_bytes > flash_room:
        problems.append(
            f"flash: {flash_bytes:,} bytes needed, {flash_room:,} available "
            f"({board.flash_bytes:,} minus {FIRMWARE_FLASH_RESERVE:,} for the firmware)"
        )
    if ram_bytes > ram_room:
        problems.append(
            f"RAM: {ram_bytes:,} bytes needed, {ram_room:,} available "
            f"({board.ram_bytes:,} minus {board.stack_bytes:,} stack and "
            f"{FIRMWARE_RAM_RESERVE:,} for the firmware)"
        )
    if problems:
        raise BoardError(
            f"{what} does not fit board '{board.id}': "
            + "; ".join(problems)
            + ". Choose a board with more memory or a smaller model",
            path=str(board.path or board.id),
        )
