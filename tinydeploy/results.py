"""What the public API returns: frozen dataclasses over the reports the stages build.

Each result keeps the whole report (``report``, the object written to report.json)
and lifts its headline figures into typed fields. Every result can be turned into
JSON (``to_json``), written as report.json / report.md / report.html (``save``),
and renders itself in a notebook (``_repr_html_``).
"""

from __future__ import annotations

import copy
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Result:
    """Base of every result: the report object and the folder the run wrote (if any)."""

    report: dict[str, Any] = field(repr=False, compare=False)
    out_dir: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the report (the object report.json holds)."""
        return copy.deepcopy(self.report)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.report, indent=indent)

    def markdown(self) -> str:
        """report.md's text."""
        return "```json\n" + self.to_json(2) + "\n```\n"

    def html(self) -> str:
        """report.html's text (one self-contained page)."""
        from tinydeploy.report.html import page

        return page(type(self).__name__, [f"<pre>{html.escape(self.to_json(2))}</pre>"])

    def save(self, folder: str | Path) -> Path:
        """Write report.json, report.md and report.html into ``folder`` (created when
        missing). Reports an earlier run wrote there are replaced; a file of the same
        name that tinydeploy did not write is refused (ForeignFilesError)."""
        from tinydeploy.outdir import write_into

        return write_into(
            Path(folder),
            {"report.json": self.to_json(2) + "\n", "report.md": self.markdown(), "report.html": self.html()},
        )

    def _repr_html_(self) -> str:
        text = self.html()
        start, end = text.find("<body>"), text.rfind("</body>")
        return text[start + len("<body>") : end] if start >= 0 and end > start else text


@dataclass(frozen=True, kw_only=True)
class ModelReport(Result):
    """`convert` and `inspect`: ops, MACs, params, the TFLite Micro arena, and the
    float-vs-int8 agreement when a float model and samples were given."""

    name: str
    macs: int
    params: int
    arena_bytes: int
    tflite: bytes = field(repr=False, default=b"")  # the int8 flatbuffer (convert)
    top1_agreement: float | None = None
    warnings: tuple[str, ...] = ()
    quantization: str = "int8"  # or "16x8": int16 activations, int8 weights

    @classmethod
    def of(cls, report: dict[str, Any], tflite: bytes = b"", out_dir: Path | None = None) -> ModelReport:
        agree = report.get("agreement") or {}
        conv = report.get("conversion") or {}
        return cls(
            report=report,
            out_dir=out_dir,
            name=report["model"]["name"],
            macs=report["macs"],
            params=report["params"],
            arena_bytes=report["arena_bytes"],
            tflite=tflite,
            top1_agreement=agree.get("top1_agreement"),
            warnings=tuple(conv.get("warnings", ())),
            quantization=report.get("quantization", "int8"),
        )

    def markdown(self) -> str:
        from tinydeploy.report.markdown import model_markdown

        return model_markdown(self.report)

    def html(self) -> str:
        from tinydeploy.report.html import model_html

        return model_html(self.report)


@dataclass(frozen=True, kw_only=True)
class CompileResult(Result):
    """`compile`: the C files of the ahead-of-time compiled model and its memory plan."""

    name: str
    arena_bytes: int
    tflm_arena_bytes: int
    weights_bytes: int
    exact_match_rate: float | None = None  # with check=N: the host-built C vs tflite-micro
    max_abs_diff: float | None = None

    def markdown(self) -> str:
        from tinydeploy.report.markdown import compile_markdown

        return compile_markdown(self.report)

    def html(self) -> str:
        from tinydeploy.report.html import compile_html

        return compile_html(self.report)


@dataclass(frozen=True, kw_only=True)
class ProjectResult(Result):
    """`generate`: a firmware project that builds without tinydeploy."""

    board: str
    runtime: str
    project_dir: Path
    build_command: str

    def markdown(self) -> str:
        from tinydeploy.report.markdown import project_markdown

        return project_markdown(self.report)

    def html(self) -> str:
        from tinydeploy.report.html import project_html

        return project_html(self.report)


@dataclass(frozen=True, kw_only=True)
class ExportResult(Result):
    """`export`: the model as a library for the user's own application."""

    name: str
    format: str
    header: Path
    sources: tuple[Path, ...]

    def markdown(self) -> str:
        from tinydeploy.report.markdown import export_markdown

        return export_markdown(self.report)

    def html(self) -> str:
        from tinydeploy.report.html import export_html

        return export_html(self.report)


@dataclass(frozen=True, kw_only=True)
class FlashReport(Result):
    """`flash`: the model measured on a board and checked against tflite-micro.

    ``flash_bytes``: the ELF's loadable read-only and initialised sections (None when
    the build system gave no ELF sizes); ``ram_bytes``: static RAM + the stack
    high-water measured on the device; ``instructions_per_inference``: emulated boards
    (QEMU -icount), ``cycles_per_inference`` / ``latency_ms``: real boards and the host;
    ``exact_match_rate``: the share of checked inputs whose outputs equal tflite-micro's.
    """

    board: str
    runtime: str
    name: str
    flash_bytes: int | None
    ram_bytes: int
    arena_bytes: int | None
    stack_high_water_bytes: int
    instructions_per_inference: float | None = None
    cycles_per_inference: float | None = None
    latency_ms: float | None = None
    exact_match_rate: float | None = None
    max_abs_diff: float | None = None
    accuracy: float | None = None  # against the labels, when labels were given

    @classmethod
    def of(cls, report: dict[str, Any], out_dir: Path | None = None) -> FlashReport:
        return cls(
            report=report,
            out_dir=out_dir,
            board=report["board"],
            runtime=report["runtime"],
            name=report["model"]["name"],
            flash_bytes=report["flash_bytes"],
            ram_bytes=report["ram_bytes"],
            arena_bytes=report["arena_bytes"],
            stack_high_water_bytes=report["stack_bytes"],
            instructions_per_inference=report.get("instructions_per_inference"),
            cycles_per_inference=report.get("cycles_per_inference"),
            latency_ms=report.get("latency_ms"),
            exact_match_rate=report["exact_match_rate"],
            max_abs_diff=report["max_abs_diff"],
            accuracy=(report["check"].get("accuracy")),
        )

    def markdown(self) -> str:
        from tinydeploy.report.markdown import flash_markdown

        return flash_markdown(self.report)

    def html(self) -> str:
        from tinydeploy.report.html import flash_html

        return flash_html(self.report)


@dataclass(frozen=True, kw_only=True)
class ProfileReport(Result):
    """`profile`: instructions (emulated boards) or ticks per op."""

    board: str
    name: str
    kernels: str | None
    instructions_per_inference: float | None
    ops: tuple[dict[str, Any], ...] = field(repr=False, default=())

    @classmethod
    def of(cls, report: dict[str, Any], out_dir: Path | None = None) -> ProfileReport:
        return cls(
            report=report,
            out_dir=out_dir,
            board=report["board"],
            name=report["model"]["name"],
            kernels=report.get("kernels"),
            instructions_per_inference=report.get("instructions_per_inference"),
            ops=tuple(report["ops"]),
        )

    def markdown(self) -> str:
        from tinydeploy.profile import profile_markdown

        return profile_markdown(self.report)

    def html(self) -> str:
        from tinydeploy.report.html import profile_html

        return profile_html(self.report)


@dataclass(frozen=True, kw_only=True)
class CompressResult(Result):
    """`compress`: the compressed Keras model and its int8 flatbuffer."""

    tflite: bytes = field(repr=False)
    keras_model: Any = field(repr=False, compare=False)
    float_accuracy: float
    int8_accuracy: float
    steps: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class FpgaReport(Result):
    """`fpga`: the hls4ml project, its C simulation against the float Keras or PyTorch model, an estimate."""

    name: str
    max_abs_error: float
    top1_agreement: float | None
    dsp: int
    latency_cycles: int

    @classmethod
    def of(cls, report: dict[str, Any], out_dir: Path | None = None) -> FpgaReport:
        a, est = report["agreement"], report["estimate"]
        return cls(
            report=report,
            out_dir=out_dir,
            name=report["model"]["name"],
            max_abs_error=a["max_abs_error"],
            top1_agreement=a["top1_agreement"],
            dsp=est["dsp"],
            latency_cycles=est["latency_cycles"],
        )

    def markdown(self) -> str:
        from tinydeploy.fpga.report import blocks, to_markdown

        return to_markdown(blocks(self.report))

    def html(self) -> str:
        from tinydeploy.fpga.report import blocks, to_html

        return to_html(blocks(self.report))
