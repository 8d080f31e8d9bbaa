"""Deployment policy: which runtime, which kernels, how much flash they may take.

Every decision that depends on the board and the model lives here, once; the
CLI, the Python API (tinydeploy.pipeline) and the HIL plugin call these
functions instead of deciding for themselves. The stages below (compile,
codegen, build) take the decisions as plain arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinydeploy.boards import Board
from tinydeploy.build.sizes import FIRMWARE_FLASH_RESERVE, check_fit
from tinydeploy.compile import KERNEL_MODES
from tinydeploy.errors import ConfigError
from tinydeploy.model.ir import Model

# The runtimes a model can be deployed with: "aot" (tinydeploy's compiler) and
# "tflm" (TFLite Micro's interpreter with the model as a C array); "auto" picks aot
# when the AOT compiler lowers every op of the model, else tflm.
RUNTIMES = ("auto", "aot", "tflm")
TFLM_KERNELS = ("auto", "reference", "cmsis_nn")


@dataclass(frozen=True)
class RuntimeChoice:
    runtime: str  # "aot" or "tflm" ("auto" when no model was given to decide)
    requested: str
    reason: str
    aot_unsupported: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "runtime": self.runtime,
            "requested": self.requested,
            "reason": self.reason,
            "aot_unsupported": self.aot_unsupported,
        }

    def note(self) -> str | None:
        """One line for the user when auto picked TFLite Micro."""
        if self.requested == "auto" and self.runtime == "tflm":
            return f"note: --runtime auto picked tflm: {self.reason}"
        return None


# --kernels auto on a core with the DSP extension uses "dsp" (conv/FC weights widened
# to 16 bit - fastest, twice the weight flash - where each weight serves at least
# compile.dsp.WIDEN_MIN_REUSE MACs or the layer is small, int8 elsewhere: dsp.keeps_int8)
# when the model's data takes at most this share of the flash left beside the firmware
# (sizes.FIRMWARE_FLASH_RESERVE); the other 10% are headroom for the kernels' code and
# the application. Else "dsp-small" (int8 weights in flash everywhere, widened at run
# time).
DSP_FLASH_SHARE = 0.9


def _one_of(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise ConfigError(f"must be one of {', '.join(allowed)}, not {value!r}", where=option)
    return value


def choose_runtime(
    model: Model | None, board: Board | None, requested: str, option: str = "--runtime"
) -> RuntimeChoice:
    """The runtime to deploy ``model`` on ``board`` with, and why; ``requested`` is the
    user's choice (one of RUNTIMES), ConfigError naming ``option`` for anything else.
    "auto": aot when compile.unsupported_ops finds nothing the AOT compiler cannot
    lower, else tflm (the ops that decided it are in the reason). With ``model`` None
    (the option checked before any work) auto stays "auto"."""
    _one_of(requested, RUNTIMES, option)
    if requested != "auto":
        return RuntimeChoice(requested, requested, f"{option} {requested}")
    if model is None:
        return RuntimeChoice("auto", requested, "not decided yet")
    from tinydeploy.compile import unsupported_ops

    failing = unsupported_ops(model)
    if not failing:
        return RuntimeChoice("aot", requested, f"the AOT compiler runs all {len(model.ops)} ops of the model")
    ops = "; ".join(f"#{f['index']} {f['op']} ({f['tensor']}): {f['reason']}" for f in failing)
    return RuntimeChoice("tflm", requested, f"the AOT compiler cannot run {ops}", failing)


def cmsis_refusal(model: Model | None) -> str | None:
    """Why CMSIS-NN's TFLite Micro kernels refuse ``model`` in their Prepare, else None:
    its int16 FULLY_CONNECTED (16x8 models) takes per-tensor weights only (the pinned
    kernels/cmsis_nn/fully_connected.cc: "only Int8 is supported for per channel")."""
    if model is None:
        return None
    for op in model.ops:
        if op.opcode != "FULLY_CONNECTED" or len(op.inputs) < 2 or min(op.inputs[:2]) < 0:
            continue
        x, w = model.tensors[op.inputs[0]], model.tensors[op.inputs[1]]
        if x.dtype == "int16" and w.quant is not None and w.quant.per_channel:
            return (
                f"op #{op.index} FULLY_CONNECTED has int16 activations and per-channel weights, which "
                "CMSIS-NN's int16 FULLY_CONNECTED refuses (tinydeploy convert --activations int16 "
                "quantizes dense layers per tensor)"
            )
    return None


def choose_tflm_kernels(
    board: Board, requested: str, option: str = "--tflm-kernels", model: Model | None = None
) -> str:
    """TFLite Micro's kernel set: "auto" is CMSIS-NN on Cortex-M, reference on the host
    and where CMSIS-NN refuses the model (cmsis_refusal; tflm_kernel_choice says why).
    "cmsis_nn" for a model CMSIS-NN refuses is a ConfigError naming the op."""
    _one_of(requested, TFLM_KERNELS, option)
    refusal = cmsis_refusal(model)
    if requested == "cmsis_nn" and refusal:
        raise ConfigError(f"cmsis_nn cannot run this model: {refusal}; use reference", where=f"{option} cmsis_nn")
    if requested != "auto":
        return requested
    return "cmsis_nn" if board.cpu.startswith("cortex-m") and not refusal else "reference"


def tflm_kernel_choice(board: Board, requested: str, model: Model | None) -> dict[str, Any]:
    """The TFLite Micro kernel set for ``model`` and why (report.json's tflm_kernel_choice)."""
    kernels = choose_tflm_kernels(board, requested, model=model)
    refusal = cmsis_refusal(model) if board.cpu.startswith("cortex-m") else None
    if requested != "auto":
        reason = f"--tflm-kernels {requested}"
    elif refusal:
        reason = f"CMSIS-NN refuses the model: {refusal}"
    else:
        reason = "CMSIS-NN on Cortex-M" if kernels == "cmsis_nn" else "reference kernels on the host"
    return {"kernels": kernels, "requested": requested, "reason": reason, "cmsis_refusal": refusal}


def choose_kernels(requested: str, option: str = "--kernels") -> str:
    """Check the AOT kernel mode the user asked for (compile.KERNEL_MODES)."""
    return _one_of(requested, KERNEL_MODES, option)


def dsp_flash_budget(board: Board) -> int:
    """Bytes of flash the model's data may take for --kernels auto to pick "dsp"."""
    return int((board.flash_bytes - FIRMWARE_FLASH_RESERVE) * DSP_FLASH_SHARE)


def kernel_options(board: Board, kernels: str) -> dict[str, Any]:
    """compile_model's keyword arguments that carry the kernel policy for ``board``."""
    if kernels == "mve" and not board.mve:
        raise ConfigError(
            f"board '{board.id}' ({board.cpu}) has no Helium (MVE); use auto, dsp or reference", where="--kernels mve"
        )
    return {
        "kernels": kernels,
        "dsp": board.dsp,
        "cpu": board.cpu,
        "mve": board.mve,
        "flash_budget": dsp_flash_budget(board) if board.dsp else None,
    }


def kernel_note(choice: dict[str, Any] | None, board: Board) -> str | None:
    """One line for the user when --kernels auto fell back from dsp to dsp-small."""
    if not choice or choice.get("requested") != "auto" or choice.get("kernels") != "dsp-small":
        return None
    sizes = choice["model_data_bytes"]
    return (
        f"note: --kernels auto picked dsp-small for board '{board.id}': dsp needs "
        f"{sizes['dsp']:,} B of model data, over the {choice['flash_budget_bytes']:,} B budget "
        f"({DSP_FLASH_SHARE:.0%} of {board.flash_bytes:,} B flash less {FIRMWARE_FLASH_RESERVE:,} B "
        f"for the firmware); dsp-small needs {sizes['dsp-small']:,} B (int8 weights, slower "
        "conv/FC)"
    )


def check_model_fits(board: Board, flash_bytes: int, ram_bytes: int, what: str) -> None:
    """BoardError (board, bytes needed and available) when the model cannot fit;
    the figures are build.sizes.check_fit's, so generate, flash and build agree."""
    if board.cpu != "host":
        check_fit(board, flash_bytes, ram_bytes, what=what)
