"""`tinydeploy flash`, composed of the stages: model -> compile -> project -> build -> run -> report.

Each stage is a plain function call on plain data; this module only strings
them together, so the CLI and the pytest plugin share one path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydeploy import __version__
from tinydeploy.boards import Board, load_board, load_board_file
from tinydeploy.model.ir import Model, parse_model

Progress = Callable[[str], None]
RUNTIMES = ("aot", "tflm")

# --kernels auto on a core with the DSP extension uses "dsp" (conv/FC weights widened
# to 16 bit: fastest, about twice the weight flash) when the model's data takes at most
# this share of the flash left beside the firmware (sizes.FIRMWARE_FLASH_RESERVE); the
# other 10% are headroom for the kernels' code and the application. Else "dsp-small"
# (int8 weights in flash, widened at run time).
DSP_FLASH_SHARE = 0.9


def resolve_board(board: str | Board) -> Board:
    """A Board as is; a path to a profile file (``*.toml``: a board of your own) loaded
    and checked; else a board id from the boards folder."""
    if isinstance(board, Board):
        return board
    if board.endswith(".toml"):
        return load_board_file(Path(board))
    return load_board(board)


def dsp_flash_budget(board: Board) -> int:
    """Bytes of flash the model's data may take for --kernels auto to pick "dsp"."""
    from tinydeploy.build.sizes import FIRMWARE_FLASH_RESERVE

    return int((board.flash_bytes - FIRMWARE_FLASH_RESERVE) * DSP_FLASH_SHARE)


def kernel_note(choice: dict[str, Any] | None, board: Board) -> str | None:
    """One line for the user when --kernels auto fell back from dsp to dsp-small."""
    if not choice or choice.get("requested") != "auto" or choice.get("kernels") != "dsp-small":
        return None
    from tinydeploy.build.sizes import FIRMWARE_FLASH_RESERVE

    sizes = choice["model_data_bytes"]
    return (f"note: --kernels auto picked dsp-small for board '{board.id}': dsp needs "
            f"{sizes['dsp']:,} B of model data, over the {choice['flash_budget_bytes']:,} B budget "
            f"({DSP_FLASH_SHARE:.0%} of {board.flash_bytes:,} B flash less {FIRMWARE_FLASH_RESERVE:,} B "
            f"for the firmware); dsp-small needs {sizes['dsp-small']:,} B (int8 weights, slower "
            "conv/FC)")


@dataclass
class PreparedModel:
    raw: bytes
    model: Model
    source: Path
    converted: bool


def prepare_model(path: Path, data: Path | None = None, calibrate: str | None = None) -> PreparedModel:
    """A .tflite is checked to be fully int8; a Keras/SavedModel model is converted."""
    from tinydeploy.model.convert import check_fully_int8, convert, source_kind

    if source_kind(path) == "tflite":
        raw = path.read_bytes()
        model = parse_model(raw, path)
        check_fully_int8(model, str(path))
        return PreparedModel(raw, model, path, converted=False)
    result = convert(path, data, calibrate=calibrate)
    return PreparedModel(result.tflite, result.model, path, converted=True)


def _input_store(model: Model) -> dict[str, int]:
    """td_server keeps a copy of the loaded input so every run of `infer N W` sees it."""
    return {"TD_INPUT_STORE_BYTES": model.input_tensors[0].nbytes}


def generate(prepared: PreparedModel, board: Board, runtime: str, out_dir: Path,
             tflm_root: Path | None = None, tflm_lib: Path | None = None,
             kernels: str = "auto", profile: bool = False,
             note: Progress = lambda text: None) -> dict[str, Any]:
    """Compile the model for ``runtime`` and render the board's project into out_dir/project.

    ``tflm_root``/``tflm_lib``: the user's TFLite Micro tree and library, needed for
    ``runtime="tflm"`` on make boards (PlatformIO boards fetch TFLM as a library).
    ``kernels``: "auto" (SIMD kernels when the board's cpu has the DSP extension: "dsp"
    when its model data fits dsp_flash_budget(board), else "dsp-small"), "reference",
    "dsp" or "dsp-small" (see compile_model); ``profile``: per-op tick counters in
    model.c, read with the td-prof command. ``note`` gets one line when auto fell back
    to dsp-small (kernel_note). The result's "kernel_choice" says which kernels and why
    (None for the TFLite Micro runtime).
    """
    from tinydeploy.build import generate_project
    from tinydeploy.compile import compile_model

    if runtime == "tflm" and board.build == "make":
        from tinydeploy.build.tflm import find_tflm
        from tinydeploy.codegen.tflm import write_tflm_model

        tflm = find_tflm(board, tflm_root, tflm_lib)
        model_dir = out_dir / "tflm"
        model_dir.mkdir(parents=True)
        sources = write_tflm_model(prepared.model, prepared.raw, model_dir)
        project = generate_project(board, sources.files, out_dir / "project", tflm=tflm,
                                   defines=_input_store(prepared.model))
        return {"project": project, "compiled": None, "kernel_choice": None}
    if runtime == "tflm":
        from tinydeploy.codegen.platformio import generate_platformio_project

        project = generate_platformio_project(prepared.model, prepared.raw, board,
                                              out_dir / "project")
        return {"project": project, "compiled": None, "kernel_choice": None}
    compiled = compile_model(prepared.model, out_dir / "compiled", kernels=kernels,
                             dsp=board.dsp, profile=profile,
                             flash_budget=dsp_flash_budget(board) if board.dsp else None)
    line = kernel_note(compiled.kernel_choice, board)
    if line:
        note(line)
    if board.build == "platformio":
        from tinydeploy.codegen.platformio import generate_platformio_project

        project = generate_platformio_project(prepared.model, prepared.raw, board,
                                              out_dir / "project", compiled=compiled)
    else:
        project = generate_project(board, [compiled.model_c, *compiled.headers],
                                   out_dir / "project",
                                   defines=_input_store(prepared.model))
    return {"project": project, "compiled": compiled, "kernel_choice": compiled.kernel_choice}


def _kernel_mode(compiled: Any) -> str | None:
    if compiled is None:
        return None
    import json

    return json.loads(compiled.metadata.read_text()).get("kernel_mode")


def flash(
    model_path: Path,
    board_id: str | Board,
    out_dir: Path,
    *,
    runtime: str = "aot",
    check: int = 20,
    runs: int = 10,
    data: Path | None = None,
    calibrate: str | None = None,
    port: str | None = None,
    tflm_root: Path | None = None,
    tflm_lib: Path | None = None,
    seed: int = 0,
    kernels: str = "auto",
    progress: Progress = lambda stage: None,
    note: Progress = lambda text: None,
) -> dict[str, Any]:
    """Model to measured firmware; writes into ``out_dir`` (a fresh folder) and returns the report.

    ``board_id``: a board id, a profile file (``*.toml``) or a Board. ``note`` gets
    one-line notices for the user (the kernels auto picked, see generate)."""
    from tinydeploy.build import build
    from tinydeploy.measure import latency, validate
    from tinydeploy.model.analysis import op_stats
    from tinydeploy.model.reference import Reference, random_inputs
    from tinydeploy.targets import target_for

    started = time.monotonic()
    board = resolve_board(board_id)
    progress("model")
    prepared = prepare_model(model_path, data, calibrate)
    (out_dir / "model.tflite").write_bytes(prepared.raw)
    reference = Reference(prepared.raw, prepared.model)
    tflm_arena = reference.arena().total

    progress("compile")
    generated = generate(prepared, board, runtime, out_dir, tflm_root, tflm_lib, kernels=kernels,
                         note=note)
    progress("build")
    if board.build == "platformio":
        from tinydeploy.build.platformio import pio_build

        firmware = pio_build(generated["project"], board)
        sizes = None
    else:
        result = build(generated["project"], board)
        firmware, sizes = result.elf, result.sizes

    progress("run")
    kind = "emulated" if board.emulated else {"host": "host"}.get(board.platform, "hardware")
    with target_for(board, firmware, port) as target:
        link = target.link
        info = link.info()
        progress("check")
        inputs = random_inputs(reference, max(check, 1), seed)
        checked = validate(link, reference, inputs[:check])
        progress("measure")
        link.load_input(inputs[0].tobytes())  # timing needs an input even with --check 0
        timing = latency(link, runs, warmup=1, kind=kind)
        memory = link.memory()

    macs = sum(r.macs for r in op_stats(prepared.model))
    stack_used = memory.get("stack_used_bytes") or 0
    static_ram = sizes.static_ram_bytes if sizes else (memory.get("static_ram_bytes") or 0)
    report: dict[str, Any] = {
        "tinydeploy": __version__,
        "board": board.id,
        "board_name": board.name,
        "cpu": board.cpu,
        "runtime": runtime,
        "kernels": _kernel_mode(generated.get("compiled")),
        "kernel_choice": generated["kernel_choice"],
        "board_flash_bytes": board.flash_bytes,
        "board_ram_bytes": board.ram_bytes,
        "model": {"name": prepared.model.name, "path": str(model_path),
                  "sha256": prepared.model.sha256, "converted": prepared.converted},
        "macs": macs,
        "flash_bytes": sizes.flash_bytes if sizes else None,
        "flash": ({"weights": sizes.weights_bytes, "runtime": sizes.runtime_code_bytes,
                   "other": sizes.other_flash_bytes} if sizes else None),
        "ram_bytes": static_ram + stack_used,
        "static_ram_bytes": static_ram,
        # part of static RAM: td_server's copy of the loaded input for `infer N W`
        "input_copy_bytes": _input_store(prepared.model)["TD_INPUT_STORE_BYTES"],
        "arena_bytes": memory.get("arena_bytes"),
        "tflm_arena_bytes": tflm_arena,
        "stack_bytes": stack_used,
        "stack_reserved_bytes": memory.get("stack_bytes"),
        "exact_match_rate": checked["exact_match_rate"],
        "max_abs_diff": checked["max_abs_diff"],
        "check": checked,
        "latency": timing,
        "device_info": info,
        "boot_seconds": getattr(target, "boot_seconds", None),
        "seconds": round(time.monotonic() - started, 2),
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
