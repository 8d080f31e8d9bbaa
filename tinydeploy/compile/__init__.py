"""The ahead-of-time compiler (``--runtime aot``): model IR -> C with no interpreter.

Public API::

    compile_model(model, out_dir, force=False, remat=True, kernels="auto", dsp=False,
                  profile=False, flash_budget=None)
        -> CompiledModel
    load_compiled(out_dir) -> CompiledModel
    check(compiled, raw, inputs=50, seed=0) -> {"inputs", "exact_match_rate", "max_abs_diff"}
    tflm_arena_bytes(raw) -> int
    unsupported_ops(model) -> [{"index", "op", "tensor", "reason"}]  (empty: aot runs it)
    random_inputs(compiled, count, seed) -> np.ndarray   (model.inputs, the one generator)

Stages: :mod:`.lower` (TFLite Micro's Prepare, in Python), :mod:`.plan` (static
memory plan), :mod:`.emit` + :mod:`.cgen` (C text from templates), :mod:`.host`
(gcc on the host, ctypes), :mod:`.tflm` (the oracle), :mod:`.dsp` (SIMD kernel
selection and their weight layouts).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy import __version__
from tinydeploy.compile.dsp import WIDEN_FREE_WEIGHTS, WIDEN_MIN_REUSE
from tinydeploy.compile.dsp import select as select_dsp
from tinydeploy.compile.emit import features_header, render, runtime_files
from tinydeploy.compile.lower import PACKED_MARKER, lower, pack_weights, unsupported_ops
from tinydeploy.compile.mac import select as select_mac
from tinydeploy.compile.mve import select as select_mve
from tinydeploy.compile.packed_simd import pack_simd
from tinydeploy.compile.plan import plan as plan_memory
from tinydeploy.compile.tflm import TflmRunner, tflm_arena_bytes
from tinydeploy.errors import ConfigError, InputFileError
from tinydeploy.measure.compare import compare
from tinydeploy.model.inputs import random_inputs
from tinydeploy.model.ir import Model, Tensor
from tinydeploy.outdir import prepare_output_dir
from tinydeploy.resources import firmware_dir

METADATA_NAME = "compiled.json"
FEATURES_NAME = "td_features.h"
METADATA_FORMAT = "tinydeploy-compiled-model"
METADATA_VERSION = 1
KERNEL_MODES = ("auto", "reference", "dsp", "dsp-small", "v7m", "v6m", "mve")
# --kernels auto on a core without the DSP extension: the MAC kernels of its architecture
# (tinydeploy/compile/mac.py); other cores (the host) keep the reference kernels
MAC_MODE_OF_CPU = {
    "cortex-m3": "v7m",
    "cortex-m0": "v6m",
    "cortex-m0plus": "v6m",
    "cortex-m0+": "v6m",
    "cortex-m1": "v6m",
}

__all__ = [
    "CompiledModel",
    "compile_model",
    "load_compiled",
    "check",
    "tflm_arena_bytes",
    "unsupported_ops",
    "random_inputs",
    "METADATA_NAME",
]


@dataclass
class CompiledModel:
    """What the compiler wrote, and how to build it (the artifact codegen consumes)."""

    name: str
    sha256: str
    out_dir: Path
    model_c: Path
    model_h: Path
    metadata: Path
    sources: list[Path]  # every .c to compile: model.c + the runtime kernels it calls
    include_dirs: list[Path]  # out_dir (model.h) and out_dir/runtime (td_*.h)
    arena_bytes: int
    weights_bytes: int
    params_bytes: int
    ops: list[dict[str, Any]]
    input: dict[str, Any]
    output: dict[str, Any]
    kernels: list[str] = field(default_factory=list)
    # which kernel mode was used and why: requested, kernels, reason (+ the sizes that
    # decided it when "auto" weighed dsp against the flash budget)
    kernel_choice: dict[str, Any] = field(default_factory=dict)
    # td_features.h: the optional kernel code paths the model uses (beside model.h)
    features_h: Path | None = None

    @property
    def headers(self) -> list[Path]:
        """The generated files a firmware project copies next to model.c."""
        return [self.model_h] + ([self.features_h] if self.features_h else [])

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.input["shape"])

    @property
    def input_dtype(self) -> np.dtype:
        return np.dtype(self.input["dtype"])

    @property
    def output_dtype(self) -> np.dtype:
        return np.dtype(self.output["dtype"])


def _io(t: Tensor, offset: int) -> dict[str, Any]:
    q = t.quant
    return {
        "name": t.name,
        "dtype": t.dtype,
        "shape": list(t.shape),
        "bytes": t.nbytes,
        "scale": float(q.scale[0]) if q and q.scale else None,
        "zero_point": int(q.zero_point[0]) if q and q.zero_point else None,
        "arena_offset": offset,
    }


def _requested_mode(kernels: str, dsp: bool, cpu: str | None = None, mve: bool = False) -> tuple[str, str]:
    """(kernel mode, why) before any flash budget is considered."""
    if kernels == "mve" and cpu is not None and not mve:
        raise ConfigError(
            f"needs a core with Helium (MVE); {cpu} has none (boards set mve = true): use auto, dsp or reference",
            where="--kernels mve",
        )
    if kernels != "auto":
        return kernels, f"requested ({kernels})"
    if mve:
        return "mve", "auto: the cpu has Helium (MVE)"
    if dsp:
        return "dsp", "auto: the cpu has the DSP extension"
    if cpu in MAC_MODE_OF_CPU:
        mode = MAC_MODE_OF_CPU[cpu]
        return mode, f"auto: {cpu} has no DSP extension, the {mode} MAC kernels"
    if cpu is None and not dsp:
        return "reference", "auto without a board: the portable reference kernels"
    return "reference", "auto: the cpu has no DSP extension"


def compile_model(
    model: Model,
    out_dir: str | Path,
    force: bool = False,
    remat: bool = True,
    kernels: str = "auto",
    dsp: bool = False,
    profile: bool = False,
    weights: str = "auto",
    flash_budget: int | None = None,
    cpu: str | None = None,
    mve: bool = False,
) -> CompiledModel:
    """Compile ``model`` into ``out_dir``: model.c, model.h, compiled.json, runtime/.

    kernels: "reference" (plain C loops everywhere), "dsp" (SIMD kernels where an op
    is eligible; they run as portable C on cores without the DSP extension),
    "dsp-small" (the same, but convolution and fully-connected weights stay int8 in
    flash and are widened with SXTB16 at run time: about half the weight flash of
    "dsp" for roughly a third more instructions in those layers) or
    "auto" (= "dsp" when ``dsp`` is true - the target core has the DSP extension -,
    its weights widened only where each serves at least dsp.WIDEN_MIN_REUSE MACs or the
    convolution is small (dsp.keeps_int8) and int8 as in "dsp-small" elsewhere; else the
    MAC kernels of ``cpu``'s architecture, else "reference"). "v7m" and "v6m":
    32-bit multiply-accumulate kernels for cores without the DSP extension (Cortex-M3;
    Cortex-M0/M0+), see compile/mac.py; portable C, exact on every core. "mve": the
    Helium kernels (compile/mve.py; "auto" on a core with ``mve``), the dsp kernels for
    the layers they do not take; a plain-C twin runs them elsewhere (the host check).
    With ``cpu`` given, "mve" on a core without ``mve`` is a ConfigError.
    flash_budget: bytes of flash the model's data (weights and
    parameters) may take; with "auto" on a DSP core, "dsp" is used when its data fits
    the budget, else "dsp-small" (whose data may still be too big: the build's size
    check reports that). ``kernel_choice`` of the result (and compiled.json) says
    which mode was used and why. profile: model.c times every op with hal_ticks()
    and exports td_model_profile() (the firmware's td-prof command).

    Raises UnsupportedOpError (naming the op, its index and tensor) for anything the
    AOT runtime cannot run, and OutputExistsError when ``out_dir`` holds files and
    ``force`` is false.
    """
    if kernels not in KERNEL_MODES:
        raise ValueError(f"kernels must be one of {', '.join(KERNEL_MODES)}, not {kernels!r}")
    # weights: "int8", "packed" (4-bit / lookup-table / sparse storage where it saves
    # flash, decoded by the kernels bit-exactly) or "auto" (packed when the model
    # carries PACKED_MARKER in its description, as `tinydeploy compress` writes it)
    packed = weights == "packed" or (weights == "auto" and PACKED_MARKER in (model.description or ""))

    def lowered(
        mode: str, int8_below: int = 0
    ) -> tuple[list[Any], dict[int, str], Any, tuple[str, str, dict[str, Any]]]:
        steps = lower(model)
        skipped: dict[int, str] = {}
        if packed and mode in ("dsp", "dsp-small"):
            # the SIMD records rebuilt in scratch from packed weights (dsp-small: int8
            # records, half the scratch, slower conv)
            simd, skipped = select_dsp(steps, small=mode == "dsp-small", int8_below=int8_below)
            steps = pack_simd(steps, simd, skipped)
        elif packed:
            steps = pack_weights(steps)
        if mode in ("v7m", "v6m"):
            steps, skipped = select_mac(steps, mode)
        elif mode == "mve":
            # packed layers keep their reference packed kernels (pack_weights above);
            # the others get Helium kernels, else the dsp ones
            steps, skipped = select_mve(steps)
        elif mode != "reference" and not packed:
            steps, skipped = select_dsp(steps, small=mode == "dsp-small", int8_below=int8_below)
        steps, mplan = plan_memory(model, steps, remat=remat)
        return steps, skipped, mplan, render(model, steps, mplan, profile=profile)

    mode, reason = _requested_mode(kernels, dsp, cpu, mve)
    # auto's dsp widens only the weights that serve many MACs each (dsp.WIDEN_MIN_REUSE)
    int8_below = WIDEN_MIN_REUSE if kernels == "auto" and mode == "dsp" else 0
    steps, skipped, mplan, (c_text, h_text, facts) = lowered(mode, int8_below)
    choice: dict[str, Any] = {"requested": kernels, "kernels": mode, "reason": reason}
    if int8_below:
        choice["widen_min_reuse"] = int8_below
        choice["int8_weight_ops"] = [st.op_index for st in steps if st.params.get("w8")]
        reason = (
            f"{reason}; weights widened to 16 bit where each serves at least {int8_below} MACs "
            f"or the convolution has at most {WIDEN_FREE_WEIGHTS:,} weights, "
            f"int8 in {len(choice['int8_weight_ops'])} layers"
        )
        choice["reason"] = reason
    if kernels == "auto" and mode == "dsp" and flash_budget is not None:
        need = facts["weights_bytes"] + facts["params_bytes"]
        choice.update(flash_budget_bytes=flash_budget, model_data_bytes={"dsp": need})
        if need <= flash_budget:
            choice["reason"] = (
                f"{reason}, and the dsp kernels' model data ({need:,} B) fits the flash budget ({flash_budget:,} B)"
            )
        else:
            mode = "dsp-small"
            steps, skipped, mplan, (c_text, h_text, facts) = lowered(mode)
            small = facts["weights_bytes"] + facts["params_bytes"]
            choice["kernels"] = mode
            choice["model_data_bytes"][mode] = small
            choice["int8_weight_ops"] = [st.op_index for st in steps if st.params.get("w8")]
            choice["reason"] = (
                f"auto: the dsp kernels' model data ({need:,} B, weights widened "
                f"to 16 bit where each serves at least {int8_below} MACs) exceeds the flash "
                f"budget ({flash_budget:,} B); "
                f"dsp-small keeps the weights int8 ({small:,} B)"
                + ("" if small <= flash_budget else ", over the budget too: the build's size check decides")
            )
    out = prepare_output_dir(out_dir, force)
    rt = out / "runtime"
    if rt.exists():
        shutil.rmtree(rt)
    rt.mkdir()
    files = runtime_files(facts["kernels"])
    for name in files:
        shutil.copyfile(firmware_dir() / "runtime" / name, rt / name)
    (out / "model.c").write_text(c_text)
    (out / "model.h").write_text(h_text)
    (out / FEATURES_NAME).write_text(features_header(model, steps))
    ops = []
    for s, st in enumerate(steps):
        entry: dict[str, Any] = {
            "index": st.op_index,
            "op": st.opcode,
            "kernel": st.kernel,
            "inputs": [model.tensors[t].name for t in st.inputs],
            "outputs": [model.tensors[t].name for t in st.outputs],
            "arena_offsets": {model.tensors[t].name: mplan.offset(t) for t in st.inputs + st.outputs},
        }
        if st.remat:
            entry["recomputes"] = {
                "tensor": model.tensors[st.remat["tensor"]].name,
                "from_op": steps[st.remat["step"]].op_index,
                "line_buffer_bytes": st.remat["row_bytes"],
            }
        if st.alias:
            entry["alias"] = True
        if st.op_index in skipped:
            entry["dsp_skipped"] = skipped[st.op_index]
        ops.append(entry)
    cm = CompiledModel(
        name=model.name,
        sha256=model.sha256,
        out_dir=out,
        model_c=out / "model.c",
        model_h=out / "model.h",
        metadata=out / METADATA_NAME,
        sources=[out / "model.c"] + [rt / f for f in files if f.endswith(".c")],
        include_dirs=[out, rt],
        arena_bytes=mplan.arena_bytes,
        weights_bytes=facts["weights_bytes"],
        params_bytes=facts["params_bytes"],
        ops=ops,
        input=_io(model.input_tensors[0], mplan.offset(model.inputs[0])),
        output=_io(model.output_tensors[0], mplan.offset(model.outputs[0])),
        kernels=facts["kernels"],
        kernel_choice=choice,
        features_h=out / FEATURES_NAME,
    )
    buffers = [
        {
            "tensors": [model.tensors[t].name for t in b.tensors] or [b.name],
            "offset": b.offset,
            "bytes": b.size,
            "first_step": b.first,
            "last_step": b.last,
            # a state kept between inferences (SVDF's, LSTM's), zeroed by the first td_model_init()
            **({"variable": True} if any(model.tensors[t].is_variable for t in b.tensors) else {}),
        }
        for b in sorted(mplan.buffers.values(), key=lambda b: (b.first, b.offset))
    ]
    meta = {
        "format": METADATA_FORMAT,
        "version": METADATA_VERSION,
        "tinydeploy": __version__,
        "runtime": "aot",
        "model": {"name": model.name, "sha256": model.sha256, "size_bytes": model.size_bytes},
        "arena_bytes": cm.arena_bytes,
        "weights_bytes": cm.weights_bytes,
        "params_bytes": cm.params_bytes,
        "input": cm.input,
        "output": cm.output,
        "ops": ops,
        "buffers": buffers,
        "kernels": cm.kernels,
        "kernel_mode": mode,
        "kernel_choice": choice,
        "profile": profile,
        "sources": [str(p.relative_to(out)) for p in cm.sources],
        "include_dirs": [str(p.relative_to(out)) or "." for p in cm.include_dirs],
    }
    cm.metadata.write_text(json.dumps(meta, indent=2) + "\n")
    return cm


def load_compiled(out_dir: str | Path) -> CompiledModel:
    """Read a compiled model back from its folder (compiled.json)."""
    out = Path(out_dir)
    path = out / METADATA_NAME
    if not path.is_file():
        raise InputFileError(f"no {METADATA_NAME}; run `tinydeploy compile` first", path=str(out))
    meta = json.loads(path.read_text())
    if meta.get("format") != METADATA_FORMAT or meta.get("version") != METADATA_VERSION:
        raise InputFileError(f"{METADATA_NAME} is not a version {METADATA_VERSION} compiled model", path=str(path))
    return CompiledModel(
        name=meta["model"]["name"],
        sha256=meta["model"]["sha256"],
        out_dir=out,
        model_c=out / "model.c",
        model_h=out / "model.h",
        metadata=path,
        sources=[out / s for s in meta["sources"]],
        include_dirs=[out / d for d in meta["include_dirs"]],
        arena_bytes=meta["arena_bytes"],
        weights_bytes=meta["weights_bytes"],
        params_bytes=meta["params_bytes"],
        ops=meta["ops"],
        input=meta["input"],
        output=meta["output"],
        kernels=meta["kernels"],
        kernel_choice=meta.get("kernel_choice", {}),
        features_h=out / FEATURES_NAME if (out / FEATURES_NAME).is_file() else None,
    )


def check(
    cm: CompiledModel, raw: bytes, inputs: int = 50, seed: int = 0, data: np.ndarray | None = None
) -> dict[str, Any]:
    """Run the compiled C (host gcc, ctypes) and TFLite Micro on the same inputs
    (``data``, else ``inputs`` from random_inputs(cm, inputs, seed)).

    Returns measure.compare's ``{"inputs", "exact_match_rate", "max_abs_diff"}``;
    max_abs_diff is in output units (int8 steps for int8 outputs). No inputs is a
    DataError.
    """
    from tinydeploy.compile.host import HostModel, build_shared

    xs = random_inputs(cm, inputs, seed) if data is None else np.asarray(data)
    host = HostModel(build_shared(cm))
    out_count = int(np.prod(cm.output["shape"]))

    def device(x: np.ndarray) -> np.ndarray:
        return host.invoke(x.astype(cm.input_dtype), cm.output_dtype, out_count)

    return compare(TflmRunner(raw), device, xs, where=str(cm.model_c)).as_dict()


def summary(cm: CompiledModel) -> dict[str, Any]:
    d = asdict(cm)
    for k in ("out_dir", "model_c", "model_h", "metadata"):
        d[k] = str(d[k])
    d["sources"] = [str(p) for p in cm.sources]
    d["include_dirs"] = [str(p) for p in cm.include_dirs]
    return d
