"""The report of `tinydeploy flash` (report.json), built from the stages' results."""

from __future__ import annotations

import json
from typing import Any

from tinydeploy import __version__
from tinydeploy.boards import Board
from tinydeploy.build.sizes import FirmwareSizes
from tinydeploy.model.analysis import op_stats
from tinydeploy.model.ir import Model


def _kernel_mode(compiled: Any) -> str | None:
    if compiled is None:
        return None
    return json.loads(compiled.metadata.read_text()).get("kernel_mode")


def flash_report(
    *,
    board: Board,
    runtime: str,
    model: Model,
    model_path: str,
    converted: bool,
    compiled: Any,
    kernel_choice: dict[str, Any] | None,
    sizes: FirmwareSizes | None,
    memory: dict[str, Any],
    info: dict[str, Any],
    checked: dict[str, Any],
    timing: dict[str, Any],
    tflm_arena_bytes: int,
    input_copy_bytes: int,
    boot_seconds: float | None,
    seconds: float,
    runtime_choice: dict[str, Any] | None = None,
    tflm_kernels: str | None = None,
    tflm_kernel_choice: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One dict: board, model, flash (ELF), RAM (static + stack high-water measured on
    the device), arena, the check against tflite-micro, the timing figures and the ops
    (report.figures defines each figure).

    ``sizes``: None when the firmware was not built by make (PlatformIO): the RAM
    figure then comes from the device; ``compiled``: None for the TFLM runtime;
    ``runtime_choice``: policy.RuntimeChoice.as_dict() (the runtime asked for and why
    this one runs); ``tflm_kernels``: TFLite Micro's kernel set (reference, cmsis_nn);
    ``tflm_kernel_choice``: policy.tflm_kernel_choice (the set and why, e.g. a CMSIS-NN refusal)."""
    stats = op_stats(model)
    macs = sum(r.macs for r in stats)
    kernels = {o["index"]: o.get("kernel") for o in compiled.ops} if compiled is not None else {}
    stack_used = memory.get("stack_used_bytes") or 0
    static_ram = sizes.static_ram_bytes if sizes else (memory.get("static_ram_bytes") or 0)
    report: dict[str, Any] = {
        "tinydeploy": __version__,
        "board": board.id,
        "board_name": board.name,
        "cpu": board.cpu,
        "runtime": runtime,
        "runtime_choice": runtime_choice,
        "tflm_kernels": tflm_kernels,
        "tflm_kernel_choice": tflm_kernel_choice,
        "kernels": _kernel_mode(compiled),
        "kernel_choice": kernel_choice,
        "board_flash_bytes": board.flash_bytes,
        "board_ram_bytes": board.ram_bytes,
        "model": {"name": model.name, "path": model_path, "sha256": model.sha256, "converted": converted},
        "macs": macs,
        "flash_bytes": sizes.flash_bytes if sizes else None,
        "flash": (
            {"weights": sizes.weights_bytes, "runtime": sizes.runtime_code_bytes, "other": sizes.other_flash_bytes}
            if sizes
            else None
        ),
        "ram_bytes": static_ram + stack_used,
        "static_ram_bytes": static_ram,
        # part of static RAM: td_server's copy of the loaded input for `infer N W`
        "input_copy_bytes": input_copy_bytes,
        "arena_bytes": memory.get("arena_bytes"),
        "tflm_arena_bytes": tflm_arena_bytes,
        "stack_high_water_bytes": stack_used,
        "stack_bytes": stack_used,  # the same figure, under the name earlier reports used
        "stack_reserved_bytes": memory.get("stack_bytes"),
        "exact_match_rate": checked["exact_match_rate"],
        "max_abs_diff": checked["max_abs_diff"],
        "check": checked,
        "latency": timing,
        "device_info": info,
        "ops": [
            {"index": r.index, "op": r.op, "kernel": kernels.get(r.index), "macs": r.macs, "params": r.params}
            for r in stats
        ],
        "boot_seconds": boot_seconds,
        "seconds": seconds,
    }
    if "instructions_per_inference" in timing:
        ipi = timing["instructions_per_inference"]
        report["instructions_per_inference"] = ipi
        report["instructions_per_mac"] = round(ipi / macs, 3) if macs else None
    if "cycles_per_inference" in timing:
        report["cycles_per_inference"] = timing["cycles_per_inference"]
    if "latency_ms" in timing:
        report["latency_ms"] = timing["latency_ms"]
    return report
