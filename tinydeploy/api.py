"""The public Python API: one function per command, typed results, the same output
folders as the CLI (tinydeploy.outdir: a manifest, staging, ``force`` replaces only
what tinydeploy wrote).

Every heavy import (TensorFlow, numpy, the compilers) happens inside the function
that needs it, so ``import tinydeploy`` stays cheap. Every user mistake raises a
subclass of :class:`tinydeploy.errors.TinyDeployError` with one actionable line.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tinydeploy.errors import DataError, InputFileError, ModelFormatError, TinyDeployError, UnsupportedOpError
from tinydeploy.results import (
    CompileResult,
    CompressResult,
    ExportResult,
    FlashReport,
    FpgaReport,
    ModelReport,
    ProfileReport,
    ProjectResult,
)

PathLike = str | Path
Progress = Callable[[str], None]

__all__ = ["convert", "inspect", "compile", "generate", "export", "flash", "profile", "compress", "fpga"]


# the command line of the CLI run (set by tinydeploy.cli); reports of Python calls name
# the call instead
command_line = ""


def _made_by(report: dict[str, Any], call: str) -> None:
    """The report's provenance: the command (or call), the date, the tool versions."""
    from tinydeploy.report.figures import provenance

    report["provenance"] = provenance(command_line or f"python: tinydeploy.{call}")


def _quiet(text: str) -> None:
    """The default progress and note callback: say nothing."""


@contextlib.contextmanager
def _as_files(model: Any, data: Any, suffix: str = ".keras") -> Iterator[tuple[Path, Path | None]]:
    """Paths for a model and samples given as paths, or in memory: a Keras model is
    saved as a .keras file and a numpy array as a .npy file, in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="td-api-") as tmp:
        if isinstance(model, (str, Path)):
            model_path = Path(model)
        elif hasattr(model, "save") and hasattr(model, "inputs"):  # a keras.Model
            model_path = Path(tmp) / f"{getattr(model, 'name', None) or 'model'}{suffix}"
            model.save(model_path)
        else:
            raise InputFileError(
                "pass a path (.keras, .h5, SavedModel folder, .tflite) or a keras.Model",
                path=f"<{type(model).__name__}>",
            )
        yield model_path, _array_file(data, Path(tmp) / "data.npy")


def _array_file(value: Any, path: Path) -> Path | None:
    """A path as is; a numpy array (or a list) saved as the .npy file ``path``."""
    if value is None or isinstance(value, (str, Path)):
        return None if value is None else Path(value)
    import numpy as np

    arr = np.asarray(value)
    if arr.dtype == object or arr.ndim < 1:
        raise DataError("must be a numeric array with one row per sample", path=f"<{path.stem}>")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, arr)
    return path


def _check_samples(model_path: Path, data_path: Path | None) -> None:
    """Samples that cannot be read, or whose shape a .keras model cannot take, are
    refused before TensorFlow loads (seconds sooner)."""
    if data_path is None:
        return
    from tinydeploy.model.data import fit_to_input, load_samples
    from tinydeploy.model.keras_file import keras_input_shape

    samples = load_samples(data_path)
    shape = keras_input_shape(model_path)
    if shape is not None and all(d is not None for d in shape[1:]):
        fit_to_input(samples, tuple(d or 1 for d in shape), str(data_path))


def _shown(model: Any) -> str:
    return repr(str(model)) if isinstance(model, (str, Path)) else f"<{type(model).__name__}>"


def _inputs(*items: Any) -> tuple[Path | None, ...]:
    """The paths among a command's inputs (an output folder may not hold them)."""
    return tuple(Path(i) if isinstance(i, (str, Path)) else None for i in items)


@contextlib.contextmanager
def _output(out_dir: PathLike | None, force: bool) -> Iterator[Path]:
    """The folder a run writes into: staged (outdir.staged_output_dir) when the caller
    named one, else a temporary folder that goes away afterwards."""
    from tinydeploy.outdir import staged_output_dir

    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="td-run-") as tmp:
            yield Path(tmp)
        return
    with staged_output_dir(out_dir, force) as staging:
        yield staging


def _check_out(out_dir: PathLike | None, force: bool, inputs: tuple[Path | None, ...]) -> None:
    """Refuse a bad output folder before any work (outdir.check_output_dir)."""
    from tinydeploy.outdir import check_output_dir

    if out_dir is not None:
        check_output_dir(out_dir, force, inputs)


def convert(
    model: Any,
    data: Any = None,
    *,
    out_dir: PathLike | None = None,
    io: str = "int8",
    activations: str = "int8",
    calibrate: str | None = None,
    force: bool = False,
    example_input: Any = None,
    progress: Progress = _quiet,
) -> ModelReport:
    """Convert a Keras / SavedModel / .tflite model to a fully int8 .tflite
    (``activations="int16"``: the 16x8 mode, int16 activations and int8 weights).

    ``model``: a path or an in-memory ``keras.Model``; ``data``: representative samples,
    a path (.npy, .npz, folder of .npy) or a numpy array shaped ``[N, *input_shape]``.
    ``out_dir``: write model.tflite, model_data.h/.c and report.json/md/html there
    (nothing is written when None; the flatbuffer is in the result's ``tflite``).
    ``calibrate="random"`` calibrates on random data (smoke tests only). A
    ``torch.nn.Module`` (the ``[torch]`` extra) is exported with ``example_input``.
    When TFLite Micro refuses the converted model (e.g. a softmax input scale its Prepare
    aborts on), the files are still written and the error names the op and why.
    """
    from tinydeploy.model.agreement import agreement
    from tinydeploy.model.carray import write_c_array
    from tinydeploy.model.convert import convert as convert_model
    from tinydeploy.model.data import fit_to_input, load_samples
    from tinydeploy.model.inspect import model_report

    if calibrate not in (None, "random"):
        raise DataError(f"calibrate accepts only 'random', not {calibrate!r}", path=str(model))
    _check_out(out_dir, force, _inputs(model, data))  # before the conversion, not after it
    extra: dict[str, Any] = {}
    agree = None
    # TFLite Micro refusing the converted model (the agreement and the arena run it) is
    # raised after the model is written: the user still gets the file to look at.
    refused: TinyDeployError | None = None
    source = model if _is_torch(model) else None
    with _as_files(model if source is None else "<torch.nn.Module>", data) as (model_path, data_path):
        if source is None:
            _check_samples(model_path, data_path)
        progress(f"converting {model_path.name}")
        result = convert_model(
            model_path if source is None else source,
            data_path,
            io=io,
            calibrate=calibrate,
            example_input=example_input,
            activations=activations,
        )
        extra = {
            "conversion": {
                "source_kind": result.source_kind,
                "calibration": result.calibration,
                "samples": result.calibration_samples,
                "io": io,
                "quantization": result.quantization,
                "warnings": result.warnings,
            }
        }
        try:
            if result.float_tflite is not None and data_path is not None:
                progress(f"comparing float and {result.quantization} outputs")
                samples = result.to_model_layout(
                    fit_to_input(
                        load_samples(data_path),
                        result.source_input_shape,
                        str(data if isinstance(data, (str, Path)) else "<data>"),
                    )
                )
                agree = agreement(result.float_tflite, result.tflite, samples, result.model)
            progress("measuring the TFLite Micro arena")
            report = model_report(result.model, result.tflite, agree, extra=extra)
        except (ModelFormatError, UnsupportedOpError) as exc:
            refused = exc
            report = model_report(result.model, result.tflite, agree, extra=extra, tflm_error=str(exc))
    _made_by(report, f"convert({_shown(model)}, ...)")
    written = None
    if out_dir is not None:
        # the file as written, not the name the model came with
        report["model"]["path"] = str(Path(out_dir) / "model.tflite")
        with _output(out_dir, force) as staging:
            (staging / "model.tflite").write_bytes(result.tflite)
            write_c_array(result.tflite, result.model.name, staging)
            _write_reports(staging, ModelReport.of(report))
        written = Path(out_dir)
    if refused is not None:
        raise refused
    return ModelReport.of(report, result.tflite, written)


def _is_torch(model: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") for c in type(model).__mro__)


def _write_reports(folder: Path, result: Any) -> None:
    (folder / "report.json").write_text(result.to_json(2) + "\n")
    (folder / "report.md").write_text(result.markdown())
    (folder / "report.html").write_text(result.html())


def inspect(model: PathLike, *, float_model: PathLike | None = None, data: Any = None) -> ModelReport:
    """Ops, shapes, params, MACs and the TFLite Micro arena of a .tflite model; with the
    float source model and samples, the float-vs-int8 agreement too."""
    from tinydeploy.model.agreement import agreement
    from tinydeploy.model.convert import float_tflite, source_kind
    from tinydeploy.model.data import fit_to_input, load_samples
    from tinydeploy.model.inspect import model_report
    from tinydeploy.model.ir import read_model

    model = Path(model)
    if source_kind(model) != "tflite":
        raise InputFileError(
            "is a Keras/SavedModel model; inspect reads a .tflite: run "
            f"`tinydeploy convert {model} --data SAMPLES` first",
            path=str(model),
        )
    ir = read_model(model)
    raw = model.read_bytes()
    if (float_model is None) != (data is None):
        raise DataError(
            "agreement needs both float_model (--float-model) and data (--data)", path=str(float_model or "<data>")
        )
    agree = None
    if float_model is not None:
        with _as_files(float_model, data) as (_, data_path):
            assert data_path is not None
            samples = fit_to_input(load_samples(data_path), ir.input_tensors[0].shape, str(data_path))
        agree = agreement(float_tflite(float_model), raw, samples)
    report = model_report(ir, raw, agree)
    _made_by(report, f"inspect({str(model)!r})")
    return ModelReport.of(report, raw)


def compile(
    model: PathLike,
    out_dir: PathLike,
    *,
    check: int = 0,
    kernels: str = "auto",
    board: str | None = None,
    remat: bool = True,
    force: bool = False,
) -> CompileResult:
    """Compile an int8 .tflite ahead of time to C (model.c, model.h, compiled.json,
    runtime/, report.json/md/html) with a static memory plan. ``kernels="auto"`` picks
    them for ``board``'s core (SIMD on a DSP core), else the portable reference kernels.
    ``check=N`` builds the C on the host with gcc and compares N random inputs with
    tflite-micro."""
    from tinydeploy.compile import check as check_compiled
    from tinydeploy.compile import compile_model, tflm_arena_bytes
    from tinydeploy.model.ir import read_model
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.policy import choose_kernels, kernel_options

    if check < 0:
        raise DataError(f"check must be >= 0, not {check}", path=str(model))
    choose_kernels(kernels)
    target = resolve_board(board) if board is not None else None  # BoardError lists the ids
    m = read_model(model)
    raw = Path(model).read_bytes()
    _check_out(out_dir, force, (Path(model),))
    options = kernel_options(target, kernels) if target is not None else {"kernels": kernels}
    with _output(out_dir, force) as staging:
        staged = compile_model(m, staging, force=True, remat=remat, **options)
        tflm = tflm_arena_bytes(raw)
        checked = check_compiled(staged, raw, inputs=check) if check > 0 else None
        final = Path(out_dir)

        def moved(path: Path) -> str:  # a staged file where it will live
            return str(final / path.relative_to(staging)) if path.is_relative_to(staging) else str(path)

        report = _compiled_report(m.name, m.sha256, staged, tflm, final)
        report.update(
            {
                "files": [moved(p) for p in (staged.model_c, *staged.headers, staged.metadata)],
                "sources": [moved(p) for p in staged.sources],
                "include_dirs": [moved(p) for p in staged.include_dirs],
            }
        )
        if checked is not None:
            report["check"] = checked
        _made_by(report, f"compile({str(model)!r}, {str(out_dir)!r}, ...)")
        result = CompileResult(
            report=report,
            out_dir=final,
            name=m.name,
            arena_bytes=staged.arena_bytes,
            tflm_arena_bytes=tflm,
            weights_bytes=staged.weights_bytes,
            exact_match_rate=checked["exact_match_rate"] if checked else None,
            max_abs_diff=checked["max_abs_diff"] if checked else None,
        )
        _write_reports(staging, result)
    return result


def _compiled_report(name: str, sha256: str, compiled: Any, tflm_arena: int | None, out_dir: Path) -> dict[str, Any]:
    """What compile and export both report of the compiled model: the memory plan's
    sizes, the kernel set and why, and each op's kernel."""
    return {
        "model": name,
        "sha256": sha256,
        "runtime": "aot",
        "out_dir": str(out_dir),
        "arena_bytes": compiled.arena_bytes,
        "tflm_arena_bytes": tflm_arena,
        "arena_ratio": round(compiled.arena_bytes / tflm_arena, 4) if tflm_arena else None,
        "weights_bytes": compiled.weights_bytes,
        "params_bytes": compiled.params_bytes,
        "ops": len(compiled.ops),
        "kernels": compiled.kernels,
        "kernel_choice": compiled.kernel_choice,
        "input": compiled.input,
        "output": compiled.output,
        "op_kernels": [_op_kernel(o) for o in compiled.ops],
    }


def _op_kernel(entry: dict[str, Any]) -> dict[str, Any]:
    """compiled.json's op entry as the report's row: the kernel, and why it is not the
    fast one or what it recomputes."""
    notes = []
    if entry.get("alias"):
        notes.append("alias: no code")
    if entry.get("dsp_skipped"):
        notes.append(f"no SIMD kernel: {entry['dsp_skipped']}")
    if entry.get("recomputes"):
        r = entry["recomputes"]
        notes.append(f"recomputes {r['tensor']} from op #{r['from_op']} ({r['line_buffer_bytes']:,} B line buffer)")
    return {"index": entry["index"], "op": entry["op"], "kernel": entry["kernel"], "note": "; ".join(notes)}


def generate(
    model: Any,
    out_dir: PathLike,
    *,
    board: str = "qemu-m4",
    data: Any = None,
    runtime: str = "auto",
    example: str | None = None,
    mlperf_id: str | None = None,
    force: bool = False,
    note: Progress = _quiet,
    **runtime_options: Any,
) -> ProjectResult:
    """Write a complete firmware project for ``board`` into out_dir/project (no build):
    a Makefile project (QEMU, host) or a PlatformIO + Arduino project.

    ``example="keyword_spotting"``: the keyword-spotting application instead of the
    tdlink server. ``runtime_options``: the TFLite Micro options of
    ``tinydeploy.pipeline.generate``, passed on unchanged."""
    from tinydeploy.pipeline import generate as generate_project
    from tinydeploy.pipeline import generate_example, prepare_model, resolve_board
    from tinydeploy.policy import choose_runtime

    choose_runtime(None, None, runtime)
    target = resolve_board(board)
    if example and runtime == "tflm":
        raise DataError("example builds on the AOT runtime; drop runtime", path=str(model))
    _check_out(out_dir, force, _inputs(model, data))
    with _as_files(model, data) as (model_path, data_path):
        _check_samples(model_path, data_path)
        prepared = prepare_model(model_path, data_path)
    how = "pio run -t upload" if target.build == "platformio" else "make"
    project = Path(out_dir) / "project"
    report: dict[str, Any] = {"board": target.id, "model": prepared.model.name, "project": str(project), "build": how}
    with _output(out_dir, force) as staging:
        if example:
            generate_example(prepared, target, example, staging, note=note)
            report["runtime"], report["example"] = "aot", example
        else:
            choice = choose_runtime(prepared.model, target, runtime)
            line = choice.note()
            if line:
                note(line)
            report["runtime"], report["runtime_choice"] = choice.runtime, choice.as_dict()
            generate_project(
                prepared, target, choice.runtime, staging, note=note, mlperf_id=mlperf_id, **runtime_options
            )
        report["files"] = sorted(
            str(f.relative_to(staging / "project")) for f in (staging / "project").rglob("*") if f.is_file()
        )
        _made_by(report, f"generate({_shown(model)}, {str(out_dir)!r}, board={board!r}, ...)")
        result = ProjectResult(
            report=report,
            out_dir=Path(out_dir),
            board=target.id,
            runtime=report["runtime"],
            project_dir=project,
            build_command=how,
        )
        _write_reports(staging, result)
    return result


def export(
    model: Any,
    out_dir: PathLike,
    *,
    format: str,
    board: str | None = None,
    name: str | None = None,
    kernels: str = "auto",
    data: Any = None,
    force: bool = False,
    seed: int = 0,
) -> ExportResult:
    """Compile ``model`` (AOT) and write it as a library for your own application:
    ``format="arduino"`` (an Arduino / PlatformIO library) or ``"c"`` (CMakeLists.txt +
    tinydeploy_model.mk). ``board``: choose the kernels for its core (SIMD on a DSP
    core) and refuse a model whose data and arena cannot fit it."""
    import numpy as np

    from tinydeploy.codegen.export import FORMATS, SampleInput, export_library, library_name
    from tinydeploy.compile import compile_model, tflm_arena_bytes
    from tinydeploy.model.inputs import random_inputs
    from tinydeploy.model.reference import Reference
    from tinydeploy.pipeline import prepare_model, resolve_board
    from tinydeploy.policy import check_model_fits, choose_kernels, kernel_options

    if format not in FORMATS:
        raise DataError(f"--format must be one of {', '.join(FORMATS)}, not {format!r}", path=str(model))
    choose_kernels(kernels)
    target = resolve_board(board) if board is not None else None  # BoardError lists the ids
    _check_out(out_dir, force, _inputs(model, data))
    with _as_files(model, data) as (model_path, data_path):
        _check_samples(model_path, data_path)
        prepared = prepare_model(model_path, data_path)
    library_name(prepared.model.name, name)  # a bad name fails before compiling
    options = kernel_options(target, kernels) if target is not None else {"kernels": kernels}
    with tempfile.TemporaryDirectory(prefix="td-export-") as tmp:
        compiled = compile_model(prepared.model, Path(tmp) / "compiled", **options)
        if target is not None:
            check_model_fits(
                target,
                compiled.weights_bytes + compiled.params_bytes,
                compiled.arena_bytes,
                what="the model's data and arena",
            )
        ref = Reference(prepared.raw, prepared.model)
        x = random_inputs(ref, 1, seed)[0]
        out = ref.run(x).reshape(-1)
        quantized = x.dtype in (np.int8, np.int16)  # the sample goes through td_quantize/td_quantize16
        real = _dequantized(x, compiled.input) if quantized else x.astype(np.float32)
        sample = SampleInput(real=real, top_class=int(np.argmax(out)), output=out)
        dest = Path(out_dir)
        report = _compiled_report(
            prepared.model.name, prepared.model.sha256, compiled, tflm_arena_bytes(prepared.raw), dest
        )
        with _output(out_dir, force) as staging:
            lib = export_library(compiled, format, staging, name=name, board=target, sample=sample)

            def moved(p: Path) -> Path:
                return dest / p.relative_to(lib.out_dir)

            report.update(
                {
                    "name": lib.name,
                    "format": format,
                    "board": target.id if target is not None else None,
                    "header": str(moved(lib.header)),
                    "sources": [str(moved(p)) for p in lib.sources],
                }
            )
            _made_by(report, f"export({_shown(model)}, {str(out_dir)!r}, format={format!r}, ...)")
            result = ExportResult(
                report=report,
                out_dir=dest,
                name=lib.name,
                format=format,
                header=moved(lib.header),
                sources=tuple(moved(p) for p in lib.sources),
            )
            _write_reports(staging, result)
    return result


def _dequantized(q: Any, io: dict[str, Any]) -> Any:
    """Real values (float32) that td_quantize() (int8) or td_quantize16() (int16) maps back
    to exactly ``q``."""
    import numpy as np

    return np.float32(io["scale"]) * (q.astype(np.float32) - np.float32(io["zero_point"]))


def flash(
    model: Any,
    board: str = "qemu-m4",
    *,
    out_dir: PathLike | None = None,
    data: Any = None,
    labels: Any = None,
    check: int = 20,
    runs: int = 10,
    runtime: str = "auto",
    kernels: str = "auto",
    calibrate: str | None = None,
    activations: str = "int8",
    port: str | None = None,
    mlperf_id: str | None = None,
    force: bool = False,
    progress: Progress = _quiet,
    note: Progress = _quiet,
    **runtime_options: Any,
) -> FlashReport:
    """The whole pipeline on a board: convert (a Keras / SavedModel model, with ``data``),
    compile, build, run, check ``check`` inputs against tflite-micro, measure ``runs``
    timed inferences.

    ``data``: samples (a path or a numpy array), the calibration data of a Keras model
    and the inputs of the check (its first ``check`` samples; random inputs only without
    data). ``labels``: one class index (or one-hot row) per sample: the report then
    holds the device's top-1 ``accuracy`` (and the reference's).

    ``activations="int16"``: a Keras / SavedModel model is converted in the 16x8 mode (int16
    activations, int8 weights; see ``convert``).
    ``board``: a board id (``tinydeploy boards``) or a profile file (.toml).
    ``out_dir``: keep the project, the firmware and report.json/md/html there (a
    temporary folder is used and removed when None). ``runtime_options``: the TFLite
    Micro options of ``tinydeploy.pipeline.flash``, passed on unchanged.
    """
    from tinydeploy.model.mlperf import mlperf_id as check_mlperf_id
    from tinydeploy.pipeline import flash as run_pipeline
    from tinydeploy.policy import choose_kernels, choose_runtime

    choose_runtime(None, None, runtime)  # the option's value, before any work
    choose_kernels(kernels)
    if check < 0 or runs < 1:
        raise DataError("check must be >= 0 and runs >= 1", path=str(model))
    check_mlperf_id("", mlperf_id)  # a bad id fails before the model is read
    _check_out(out_dir, force, _inputs(model, data, labels))
    with (
        _as_files(model, data) as (model_path, data_path),
        tempfile.TemporaryDirectory(prefix="td-labels-") as tmp,
        _output(out_dir, force) as staging,
    ):
        _check_samples(model_path, data_path)
        report = run_pipeline(
            model_path,
            board,
            staging,
            runtime=runtime,
            check=check,
            runs=runs,
            data=data_path,
            labels=_array_file(labels, Path(tmp) / "labels.npy"),
            calibrate=calibrate,
            activations=activations,
            port=port,
            kernels=kernels,
            mlperf_id=mlperf_id,
            progress=progress,
            note=note,
            **runtime_options,
        )
        if not isinstance(model, (str, Path)):
            report["model"]["path"] = f"<{type(model).__name__}>"
        report["out_dir"] = None if out_dir is None else str(out_dir)
        _made_by(report, f"flash({_shown(model)}, {board!r}, ...)")
        result = FlashReport.of(report, None if out_dir is None else Path(out_dir))
        _write_reports(staging, result)
    return result


def profile(
    model: Any,
    board: str = "qemu-m4",
    *,
    out_dir: PathLike | None = None,
    data: Any = None,
    kernels: str = "auto",
    force: bool = False,
    progress: Progress = _quiet,
    note: Progress = _quiet,
) -> ProfileReport:
    """Exact emulated instructions (or timer ticks) per op: the firmware built with
    per-op counters, one inference, the table with MACs and instructions per MAC."""
    import json

    from tinydeploy.compile import METADATA_NAME
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.policy import choose_kernels, kernel_note
    from tinydeploy.profile import run_profile

    choose_kernels(kernels)
    target = resolve_board(board)
    _check_out(out_dir, force, _inputs(model, data))
    with _as_files(model, data) as (model_path, data_path), _output(out_dir, force) as staging:
        report = run_profile(model_path, target.id, staging, kernels=kernels, data=data_path, progress=progress)
        meta = staging / "compiled" / METADATA_NAME
        report["kernel_choice"] = json.loads(meta.read_text()).get("kernel_choice") if meta.is_file() else None
        line = kernel_note(report["kernel_choice"], target)
        if line:
            note(line)
        if not isinstance(model, (str, Path)):
            report["model"]["path"] = f"<{type(model).__name__}>"
        report["out_dir"] = None if out_dir is None else str(out_dir)
        _made_by(report, f"profile({_shown(model)}, {board!r}, ...)")
        result = ProfileReport.of(report, None if out_dir is None else Path(out_dir))
        _write_reports(staging, result)
    return result


def compress(
    model: Any,
    data: PathLike,
    *,
    out_dir: PathLike | None = None,
    force: bool = False,
    progress: Progress = _quiet,
    **options: Any,
) -> CompressResult:
    """Fine-tune a float Keras model (a path or a ``keras.Model``) into a smaller one and
    write an int8 .tflite whose weights ``flash`` stores packed.

    ``data``: an .npz with x_train, y_train, x_val, y_val (x_test, y_test optional).
    ``options``: the fields of ``tinydeploy.compress.Options`` (prune=0.75, bits=4,
    clusters=16, structured=0.45, distill=True, epochs=4, student=a keras.Model or a
    path, ...). ``out_dir``: write
    compressed.keras, model.tflite and compress.json there."""
    import json

    from tinydeploy.compress import Options
    from tinydeploy.compress import compress as run_compress
    from tinydeploy.compress import load_dataset
    from tinydeploy.compress.errors import CompressSettingError

    known = set(Options.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise CompressSettingError(
            f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}", setting=unknown[0]
        )
    student = options.pop("student", None)
    opts = Options(**options)
    opts.validate()
    ds = load_dataset(data)
    keras_model = _keras(model)
    opts.student = None if student is None else _keras(student)
    _check_out(out_dir, force, _inputs(model, data, student))  # before minutes of training
    result = run_compress(keras_model, ds, opts, progress=progress)
    summary = dict(
        result.summary(),
        model=str(model) if isinstance(model, (str, Path)) else getattr(model, "name", "<keras.Model>"),
        out_dir=None if out_dir is None else str(out_dir),
    )
    if out_dir is not None:
        with _output(out_dir, force) as staging:
            result.model.save(staging / "compressed.keras")
            (staging / "model.tflite").write_bytes(result.tflite)
            (staging / "compress.json").write_text(json.dumps(summary, indent=2) + "\n")
    return CompressResult(
        report=summary,
        out_dir=None if out_dir is None else Path(out_dir),
        tflite=result.tflite,
        keras_model=result.model,
        float_accuracy=result.float_accuracy,
        int8_accuracy=result.int8_accuracy,
        steps=tuple(result.steps),
    )


def _keras(model: Any) -> Any:
    """A keras.Model as is; a .keras/.h5 path loaded (one-line errors for unreadable files)."""
    if not isinstance(model, (str, Path)):
        return model
    from tinydeploy.model.convert import _load_converter, _quiet_tf, source_kind

    source_kind(Path(model))
    tf = _quiet_tf()
    _load_converter(tf, Path(model), "keras")
    return tf.keras.models.load_model(model, compile=False)


def fpga(
    model: Any,
    out_dir: PathLike,
    *,
    data: Any = None,
    config: PathLike | None = None,
    layer_precision: list[str] | None = None,
    samples: int = 200,
    synth: bool = False,
    force: bool = False,
    input_shape: Any = None,
    example_input: Any = None,
    progress: Progress = _quiet,
    **settings: Any,
) -> FpgaReport:
    """Convert a Keras or PyTorch model to a Vivado/Vitis HLS project with hls4ml,
    C-simulate it against the float model and estimate its resources (an estimate, not
    synthesis).

    ``model``: a .keras/.h5 path or a ``keras.Model``; or a ``torch.nn.Module`` (the
    ``[torch]`` extra) or a .pt file of one saved whole (``torch.save(model)``, torch.nn
    layers only), with ``input_shape`` (batch axis first: ``(1, 16)``) or
    ``example_input`` (a tensor or array). PyTorch samples in ``data`` are in PyTorch's
    layout (channels first).
    ``settings``: precision, reuse_factor, strategy, io_type, backend, part,
    clock_period (hls4ml's defaults otherwise; a ``config`` TOML file may hold them).
    ``layer_precision``: ``["fc1=ap_fixed<18,8>", ...]``."""
    from tinydeploy.errors import ConfigError
    from tinydeploy.fpga import torch_in
    from tinydeploy.fpga.config import load_config
    from tinydeploy.fpga.export import export as run_fpga

    cfg = load_config(config, settings, layer_precision)
    if samples < 1:
        raise ConfigError(f"must be at least 1, not {samples}", where="samples")
    module = model if torch_in.is_module(model) else None
    torch_file = isinstance(model, (str, Path)) and Path(model).suffix.lower() in torch_in.TORCH_SUFFIXES
    shape = None
    if module is not None or torch_file:
        shape = torch_in.input_shape_of(input_shape, example_input)  # before any work
    _check_out(out_dir, force, _inputs(model, data, config))
    shown = "<torch.nn.Module>" if module is not None else model
    with _as_files(shown, data) as (model_path, data_path), _output(out_dir, force) as staging:
        progress(f"converting {model_path.name} with hls4ml and C-simulating")
        report = run_fpga(
            None if module is not None else model_path,
            cfg,
            staging,
            data=data_path,
            samples=samples,
            synth=synth,
            module=module,
            input_shape=shape,
        )
        result = FpgaReport.of(report, Path(out_dir))
        _write_reports(staging, result)
        _repoint(staging, Path(out_dir))
    return result


def _repoint(staging: Path, final: Path) -> None:
    """hls4ml writes absolute paths (hls4ml_config.yml's OutputDir): make the text files
    name the folder they will live in, not the staging folder."""
    old, new = str(staging.resolve()), str(final.resolve())
    for path in staging.rglob("*"):
        if path.suffix in (".yml", ".yaml", ".tcl", ".json", ".toml", ".cfg") and path.is_file():
            text = path.read_text(errors="surrogateescape")
            if old in text:
                path.write_text(text.replace(old, new), errors="surrogateescape")
