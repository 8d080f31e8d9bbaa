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

from tinydeploy.boards import Board, load_board, load_board_file
from tinydeploy.model.ir import Model, parse_model
from tinydeploy.policy import check_model_fits, choose_runtime, kernel_note, kernel_options, tflm_kernel_choice

Progress = Callable[[str], None]


def resolve_board(board: str | Board) -> Board:
    """A Board as is; a path to a profile file (``*.toml``: a board of your own) loaded
    and checked; else a board id from the boards folder."""
    if isinstance(board, Board):
        return board
    if board.endswith(".toml"):
        return load_board_file(Path(board))
    return load_board(board)


@dataclass
class PreparedModel:
    raw: bytes
    model: Model
    source: Path
    converted: bool
    # samples of --data in the source model's layout -> the int8 model's (ONNX/PyTorch
    # models are NCHW, the converted model NHWC); None: the same layout
    to_model_layout: Callable[[Any], Any] | None = None
    source_input_shape: tuple[int, ...] | None = None


def prepare_model(
    path: Path, data: Path | None = None, calibrate: str | None = None, activations: str = "int8"
) -> PreparedModel:
    """A .tflite is checked to be fully int8 (or 16x8); a Keras/SavedModel/ONNX model is
    converted (``activations="int16"``: the 16x8 mode)."""
    from tinydeploy.model.convert import check_fully_int8, convert, source_kind

    if source_kind(path) == "tflite":
        raw = path.read_bytes()
        model = parse_model(raw, path)
        check_fully_int8(model, str(path))
        return PreparedModel(raw, model, path, converted=False)
    result = convert(path, data, calibrate=calibrate, activations=activations)
    permuted = result.input_permutation is not None
    return PreparedModel(
        result.tflite,
        result.model,
        path,
        converted=True,
        to_model_layout=result.to_model_layout if permuted else None,
        source_input_shape=result.source_input_shape if permuted else None,
    )


def _input_store(model: Model) -> dict[str, int]:
    """td_server keeps a copy of the loaded input so every run of `infer N W` sees it."""
    return {"TD_INPUT_STORE_BYTES": model.input_tensors[0].nbytes}


def _firmware_defines(model: Model, mlperf_id: str | None = None) -> dict[str, int | str]:
    """td_board.h defines: the input copy, and the MLPerf Tiny id `profile%` reports
    (the requested one, else the reference model's, recognised by hash)."""
    from tinydeploy.model.mlperf import mlperf_id as resolve_id

    defines: dict[str, int | str] = dict(_input_store(model))
    found = resolve_id(model.sha256, mlperf_id)
    if found:
        defines["TD_MLPERF_ID"] = found
    return defines


def generate(
    prepared: PreparedModel,
    board: Board,
    runtime: str,
    out_dir: Path,
    tflm_source: Path | None = None,
    tflm_kernels: str = "auto",
    kernels: str = "auto",
    profile: bool = False,
    note: Progress = lambda text: None,
    mlperf_id: str | None = None,
) -> dict[str, Any]:
    """Compile the model for ``runtime`` and render the board's project into out_dir/project.

    ``tflm_source``: where the pinned TFLite Micro source is (tinydeploy.tflm.find_source;
    None: $TINYDEPLOY_TFLM_SOURCE, the cache, else a download), for ``runtime="tflm"``;
    ``tflm_kernels``: "auto" (policy.choose_tflm_kernels), "reference" or "cmsis_nn".
    ``kernels``: "auto" (SIMD kernels when the board's cpu has the DSP extension: "dsp"
    when its model data fits dsp_flash_budget(board), else "dsp-small"), "reference",
    "dsp" or "dsp-small" (see compile_model); ``profile``: per-op tick counters in
    model.c, read with the td-prof command. ``note`` gets one line when auto fell back
    to dsp-small (kernel_note). The result's "kernel_choice" says which kernels and why
    (None for the TFLite Micro runtime). ``mlperf_id``: the model id for the MLPerf Tiny
    runner (kws01, vww01, ic01, ad01); the four reference models get theirs by default.
    """
    from tinydeploy.codegen import generate_platformio_project, generate_project, write_tflm_model
    from tinydeploy.compile import compile_model

    defines = _firmware_defines(prepared.model, mlperf_id)
    what = f"model '{prepared.model.name}'"
    if runtime == "tflm":
        # the flatbuffer goes to flash as a C array: too big is known before anything else
        check_model_fits(board, len(prepared.raw), 0, what=what)
    tflm_choice = tflm_kernel_choice(board, tflm_kernels, prepared.model) if runtime == "tflm" else None
    if tflm_choice and tflm_choice["requested"] == "auto" and tflm_choice["cmsis_refusal"]:
        note(f"note: --tflm-kernels auto picked reference: {tflm_choice['reason']}")
    if runtime == "tflm" and board.build == "make":
        from tinydeploy.codegen.flags import cpu_flags
        from tinydeploy.codegen.tflm import resolver_methods
        from tinydeploy.tflm import build_library

        assert tflm_choice is not None
        tflm = build_library(
            board.cpu,
            cpu_flags(board),
            tflm_choice["kernels"],
            tflm_source,
            methods=resolver_methods(prepared.model),
        )
        model_dir = out_dir / "tflm"
        model_dir.mkdir(parents=True)
        sources = write_tflm_model(prepared.model, prepared.raw, model_dir, layout=tflm.layout, defines=tflm.defines)
        project = generate_project(board, sources.files, out_dir / "project", tflm=tflm, defines=defines)
        return {
            "project": project,
            "compiled": None,
            "kernel_choice": None,
            "tflm_kernels": tflm.kernels,
            "tflm_kernel_choice": tflm_choice,
        }
    if runtime == "tflm":
        assert tflm_choice is not None
        kernels_set = tflm_choice["kernels"]
        project = generate_platformio_project(
            prepared.model,
            prepared.raw,
            board,
            out_dir / "project",
            extra_context={"defines": defines},
            tflm_source=tflm_source,
            tflm_kernels=kernels_set,
        )
        return {
            "project": project,
            "compiled": None,
            "kernel_choice": None,
            "tflm_kernels": kernels_set,
            "tflm_kernel_choice": tflm_choice,
        }
    compiled = compile_model(prepared.model, out_dir / "compiled", profile=profile, **kernel_options(board, kernels))
    line = kernel_note(compiled.kernel_choice, board)
    if line:
        note(line)
    # weights + parameters in flash, the arena in RAM: a lower bound of what the build
    # needs, so a model that cannot fit fails here, before a project is written or built
    check_model_fits(board, compiled.weights_bytes + compiled.params_bytes, compiled.arena_bytes, what=what)
    if board.build == "platformio":
        project = generate_platformio_project(
            prepared.model,
            prepared.raw,
            board,
            out_dir / "project",
            compiled=compiled,
            extra_context={"defines": defines},
        )
    else:
        project = generate_project(board, [compiled.model_c, *compiled.headers], out_dir / "project", defines=defines)
    return {"project": project, "compiled": compiled, "kernel_choice": compiled.kernel_choice}


def generate_example(
    prepared: PreparedModel, board: Board, example: str, out_dir: Path, note: Progress = lambda text: None
) -> Path:
    """Compile the model (AOT) and render out_dir/project for an application in
    codegen.EXAMPLES (its board, sources and labels are checked first; ``note`` gets a
    line when the example's default class names are used)."""
    from tinydeploy.codegen import example_sources, render_example
    from tinydeploy.compile import compile_model

    sources, labels = example_sources(prepared, board, example, note)
    compiled = compile_model(prepared.model, out_dir / "compiled", dsp=board.dsp, cpu=board.cpu, mve=board.mve)
    check_model_fits(
        board,
        compiled.weights_bytes + compiled.params_bytes,
        compiled.arena_bytes,
        what=f"model '{prepared.model.name}'",
    )
    return render_example(prepared.model, prepared.raw, compiled, board, example, sources, labels, out_dir / "project")


def _check_inputs(reference: Any, samples: Any, check: int, seed: int, where: str) -> Any:
    """The inputs of the check: the first ``check`` of the user's samples, quantized as
    the model's input; seeded random ones when there are none (or for --check 0, whose
    one input only feeds the timing)."""
    from tinydeploy.model.inputs import random_inputs, sample_inputs

    if samples is None or not check:
        return random_inputs(reference, max(check, 1), seed)
    q = reference.input_details.get("quantization_parameters") or {}
    scales, zeros = q.get("scales", []), q.get("zero_points", [])
    quant = (float(scales[0]), int(zeros[0])) if len(scales) else None
    return sample_inputs(reference, samples, check, where, quant)


def flash(
    model_path: Path,
    board_id: str | Board,
    out_dir: Path,
    *,
    runtime: str = "auto",
    check: int = 20,
    runs: int = 10,
    data: Path | None = None,
    labels: Path | None = None,
    calibrate: str | None = None,
    activations: str = "int8",
    port: str | None = None,
    tflm_source: Path | None = None,
    tflm_kernels: str = "auto",
    seed: int = 0,
    kernels: str = "auto",
    mlperf_id: str | None = None,
    progress: Progress = lambda stage: None,
    note: Progress = lambda text: None,
) -> dict[str, Any]:
    """Model to measured firmware; writes into ``out_dir`` (a fresh folder) and returns the report.

    ``board_id``: a board id, a profile file (``*.toml``) or a Board. ``note`` gets
    one-line notices for the user (the kernels auto picked, see generate).
    The check runs the first ``check`` samples of ``data`` (random inputs only without
    data); ``labels`` (one per sample) add the top-1 accuracy of the device's outputs."""
    import numpy as np

    from tinydeploy.build import build_project
    from tinydeploy.measure import compare, expect_work, latency, on_link
    from tinydeploy.model.analysis import op_stats
    from tinydeploy.model.reference import Reference
    from tinydeploy.report.flash import flash_report
    from tinydeploy.targets import check_port, target_for

    from tinydeploy.model.data import load_samples

    started = time.monotonic()
    if labels is not None and data is None:
        from tinydeploy.errors import DataError

        raise DataError("labels need the samples they label: pass --data too", path=str(labels))
    # the user's files are read (and their errors known) before any conversion or build
    samples = load_samples(data) if data is not None else None
    label_values = load_samples(labels) if labels is not None else None
    board = resolve_board(board_id)
    check_port(board, port)  # a missing or busy port is known before anything is built
    progress("model")
    prepared = prepare_model(model_path, data, calibrate, activations)
    choice = choose_runtime(prepared.model, board, runtime)
    runtime = choice.runtime
    if choice.note():
        note(choice.note())
    (out_dir / "model.tflite").write_bytes(prepared.raw)
    reference = Reference(prepared.raw, prepared.model)
    tflm_arena = reference.arena().total

    progress("compile")
    generated = generate(
        prepared, board, runtime, out_dir, tflm_source, tflm_kernels, kernels=kernels, note=note, mlperf_id=mlperf_id
    )
    progress("build")
    built = build_project(generated["project"], board)
    if board.platform == "platformio":  # a real board: flashed over USB
        from tinydeploy.build import upload_project
        from tinydeploy.build.sizes import sizes_line
        from tinydeploy.targets import find_port

        note(sizes_line(built.elf.relative_to(out_dir), built.sizes))
        # looked for after the build, so that its sizes are known without a board
        port = port or find_port(board)
        progress("upload")
        upload_project(generated["project"], board, port)

    progress("run")
    kind = "emulated" if board.emulated else {"host": "host"}.get(board.platform, "hardware")
    with target_for(board, built.elf, port) as target:
        link = target.link
        link.on_wait = progress
        info = link.info()
        expect_work(link, sum(r.macs for r in op_stats(prepared.model)), kind, board.clock_hz)
        progress("check")
        if samples is not None and prepared.to_model_layout is not None:
            from tinydeploy.model.data import fit_to_input

            samples = prepared.to_model_layout(fit_to_input(samples, prepared.source_input_shape or (), str(data)))
        inputs = _check_inputs(reference, samples, check, seed, str(data))
        reference.reset()  # stateful models (SVDF, LSTM): the oracle starts where the fresh device does
        device = on_link(link, np.dtype(reference.output_details["dtype"]))
        outputs: list[Any] = []

        def recorded(x: Any) -> Any:
            outputs.append(device(x))
            return outputs[-1]

        checked = (
            compare(reference, recorded, inputs[:check], where=link.name).as_dict()
            if check
            else {"inputs": 0, "exact_match_rate": None, "max_abs_diff": None}
        )
        checked["source"] = "data" if samples is not None and check else "random"
        if label_values is not None and check:
            from tinydeploy.measure.compare import top1_accuracy

            checked["accuracy"] = top1_accuracy(outputs, label_values, str(labels))
            checked["reference_accuracy"] = top1_accuracy(
                [reference.run(x) for x in inputs[:check]], label_values, str(labels)
            )
        progress("measure")
        link.load_input(inputs[0].tobytes())  # timing needs an input even with --check 0
        timing = latency(link, runs, warmup=1, kind=kind)
        memory = link.memory()

    return flash_report(
        board=board,
        runtime=runtime,
        model=prepared.model,
        model_path=str(model_path),
        converted=prepared.converted,
        compiled=generated["compiled"],
        kernel_choice=generated["kernel_choice"],
        sizes=built.sizes,
        memory=memory,
        info=info,
        checked=checked,
        timing=timing,
        tflm_arena_bytes=tflm_arena,
        input_copy_bytes=_input_store(prepared.model)["TD_INPUT_STORE_BYTES"],
        boot_seconds=getattr(target, "boot_seconds", None),
        runtime_choice=choice.as_dict(),
        tflm_kernels=generated.get("tflm_kernels"),
        tflm_kernel_choice=generated.get("tflm_kernel_choice"),
        seconds=round(time.monotonic() - started, 2),
    )
