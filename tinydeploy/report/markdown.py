"""Markdown rendering of report objects, and writing report.json + report.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def shape(s: list[int]) -> str:
    return "x".join(str(d) for d in s) if s else "scalar"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def model_markdown(r: dict[str, Any]) -> str:
    m = r["model"]
    lines = [
        f"# Model report: {m['name']}",
        "",
        f"- file: `{m['path']}` ({m['size_bytes']:,} bytes, sha256 `{m['sha256'][:16]}`)",
        f"- input: {shape(r['input']['shape'])} {r['input']['dtype']}, "
        f"output: {shape(r['output']['shape'])} {r['output']['dtype']}",
        f"- MACs: {r['macs']:,}",
        f"- params: {r['params']:,} ({r['weights_bytes']:,} bytes of constant data)",
        (
            f"- TFLite Micro arena: {r['arena_bytes']:,} bytes "
            f"(head {r['tflm_arena']['head']:,}, tail {r['tflm_arena']['tail']:,}; "
            f"{r['tflm_arena']['note']})"
            if r.get("tflm_arena")
            else f"- **TFLite Micro refuses this model**: {r.get('tflm_error')}"
        ),
        "",
    ]
    conv = r.get("conversion")
    if conv:
        lines += [
            f"- converted from: {conv['source_kind']}, calibration: {conv['calibration']} "
            f"({conv['samples']} samples), I/O: {conv['io']}, quantization: {conv.get('quantization', 'int8')}"
        ]
        lines += [f"- **warning**: {w}" for w in conv.get("warnings", [])]
        lines.append("")
    agree = r.get("agreement")
    if agree:
        top1 = "n/a" if agree["top1_agreement"] is None else f"{agree['top1_agreement']:.1%}"
        lines += [
            f"## Float vs {r.get('quantization', 'int8')}",
            "",
            table(
                ["samples", "top-1 agreement", "max abs error", "mean abs error", "max error (output steps)"],
                [
                    [
                        agree["samples"],
                        top1,
                        f"{agree['max_abs_error']:.4g}",
                        f"{agree['mean_abs_error']:.4g}",
                        f"{agree['max_error_steps']:.1f}",
                    ]
                ],
            ),
            "",
        ]
    lines += [
        "## Ops",
        "",
        table(
            ["#", "op", "inputs", "outputs", "params", "MACs"],
            [
                [
                    o["index"],
                    o["op"],
                    ", ".join(shape(s) for s in o["inputs"]),
                    ", ".join(shape(s) for s in o["outputs"]),
                    f"{o['params']:,}",
                    f"{o['macs']:,}",
                ]
                for o in r["ops"]
            ],
        ),
        "",
        f"Totals: {len(r['ops'])} ops, {r['params']:,} params, {r['macs']:,} MACs.",
        "",
        provenance_markdown(r),
    ]
    return "\n".join(lines)


def write_reports(out_dir: Path, report: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    js, md = out_dir / "report.json", out_dir / "report.md"
    js.write_text(json.dumps(report, indent=2) + "\n")
    md.write_text(markdown)
    return js, md


def flash_markdown(r: dict[str, Any]) -> str:
    """report.md of `tinydeploy flash`."""
    c = r["check"]
    runtime = r["runtime"] + (f" ({r['kernels']} kernels)" if r.get("kernels") else "")
    rows = [
        ["board", f"{r['board']} ({r['board_name']}, {r['cpu']})"],
        ["runtime", runtime],
        ["model", f"{r['model']['name']} (sha256 `{r['model']['sha256'][:16]}`)"],
        ["MACs", f"{r['macs']:,}"],
    ]
    if r["flash_bytes"] is not None:
        f = r["flash"]
        rows.append(
            [
                "flash",
                f"{r['flash_bytes']:,} B (weights {f['weights']:,}, runtime {f['runtime']:,}, other {f['other']:,})",
            ]
        )
    rows += [
        [
            "RAM",
            f"{r['ram_bytes']:,} B (static {r['static_ram_bytes']:,}, of which "
            f"{r.get('input_copy_bytes') or 0:,} a copy of the input for repeated runs, "
            f"+ stack high-water {r.get('stack_high_water_bytes', r['stack_bytes']):,}, "
            "measured on the device)",
        ],
        ["arena", f"{r['arena_bytes']:,} B (TFLite Micro needs {r['tflm_arena_bytes']:,} B)"],
    ]
    if "instructions_per_inference" in r:
        rows.append(
            [
                "instructions / inference",
                f"{r['instructions_per_inference']:,.0f} ({r['instructions_per_mac']} per MAC; emulated, QEMU -icount)",
            ]
        )
    if "cycles_per_inference" in r:
        rows.append(["cycles / inference", f"{r['cycles_per_inference']:,.0f}"])
    if r.get("latency_ms") is not None:
        rows.append(["latency", f"{r['latency_ms']:.3f} ms ({r['latency'].get('note', '')})"])
    if c["inputs"]:
        source = "samples of --data" if c.get("source") == "data" else "random inputs"
        rows.append(
            [
                "check vs tflite-micro",
                f"{c['inputs']} {source}: {c['exact_match_rate']:.1%} exact, max abs diff {c['max_abs_diff']:g}",
            ]
        )
    if c.get("accuracy") is not None:
        rows.append(
            [
                "top-1 accuracy (device / tflite-micro)",
                f"{c['accuracy']:.1%} / {c['reference_accuracy']:.1%} on {c['inputs']} labelled samples",
            ]
        )
    return "\n".join(
        [
            f"# tinydeploy flash: {r['model']['name']} on {r['board']}",
            "",
            table(["", ""], rows),
            "",
            f"Total time: {r['seconds']} s.",
            "",
            provenance_markdown(r),
        ]
    )


def compile_summary(r: dict[str, Any]) -> list[list[str]]:
    """The rows both compile reports start with (report.md and report.html)."""
    choice = r.get("kernel_choice") or {}
    ratio = f" ({r['arena_ratio']:.2f}x)" if r.get("arena_ratio") else ""
    rows = [
        ["model", f"{r['model']} (sha256 {r['sha256'][:16]})"],
        ["input", f"{shape(r['input']['shape'])} {r['input']['dtype']}"],
        ["output", f"{shape(r['output']['shape'])} {r['output']['dtype']}"],
        ["kernels", f"{choice.get('kernels', '-')} ({choice.get('reason', '')})"],
        [
            "arena",
            f"{r['arena_bytes']:,} B; TFLite Micro: {r['tflm_arena_bytes']:,} B{ratio}"
            if r.get("tflm_arena_bytes")
            else f"{r['arena_bytes']:,} B",
        ],
        ["model data", f"{r['weights_bytes']:,} B weights + {r['params_bytes']:,} B quantization params"],
    ]
    check = r.get("check")
    if check:
        rows.append(
            [
                "host build vs tflite-micro",
                f"{check['exact_match_rate']:.0%} exact on {check['inputs']} inputs, "
                f"max diff {check['max_abs_diff']:g}",
            ]
        )
    return rows


def op_kernels_markdown(r: dict[str, Any]) -> str:
    """The table of each op's kernel and why it is not the fast one."""
    return table(
        ["#", "op", "kernel", "note"],
        [[str(o["index"]), o["op"], f"`{o['kernel']}`" if o["kernel"] else "-", o["note"]] for o in r["op_kernels"]],
    )


def compile_markdown(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"# tinydeploy compile: {r['model']}",
            "",
            table(["", ""], compile_summary(r)),
            "",
            "## Ops",
            "",
            op_kernels_markdown(r),
            "",
            provenance_markdown(r),
        ]
    )


def export_summary(r: dict[str, Any]) -> list[list[str]]:
    """The rows both export reports start with: the library, then the compiled model."""
    lib = {"arduino": "Arduino library", "c": "C library (CMake, make)"}.get(r["format"], r["format"])
    rows = [
        ["library", f"{r['name']}: {lib}"],
        ["header", r["header"]],
        ["board", r["board"] or "none given (the kernels are not chosen for a core)"],
    ]
    return rows + compile_summary(r)


def export_markdown(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"# tinydeploy export: {r['model']} as {r['name']}",
            "",
            table(["", ""], export_summary(r)),
            "",
            "## Ops",
            "",
            op_kernels_markdown(r),
            "",
            "## Sources",
            "",
            *[f"- `{f}`" for f in r["sources"]],
            "",
            provenance_markdown(r),
        ]
    )


def project_summary(r: dict[str, Any]) -> list[list[str]]:
    """The rows of both generate reports (report.md and report.html)."""
    choice = r.get("runtime_choice") or {}
    why = f" ({choice['reason']})" if choice.get("reason") else ""
    rows = [
        ["model", r["model"]],
        ["board", r["board"]],
        ["runtime", f"{r['runtime']}{why}"],
        ["project", r["project"]],
        ["build", f"cd {r['project']} && {r['build']}"],
        ["files", f"{len(r['files'])}"],
    ]
    if r.get("example"):
        rows.insert(2, ["application", r["example"]])
    return rows


def project_markdown(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"# tinydeploy generate: {r['model']} for {r['board']}",
            "",
            table(["", ""], project_summary(r)),
            "",
            "## Files",
            "",
            *[f"- `{f}`" for f in r["files"]],
            "",
            provenance_markdown(r),
        ]
    )


def provenance_markdown(r: dict[str, Any]) -> str:
    """The command, the date and the tool versions a report came from."""
    p = r.get("provenance")
    if not p:
        return ""
    versions = ", ".join(f"{k} {v}" for k, v in p["versions"].items())
    return f"Made {p['date']} by `{p['command']}` ({versions}).\n"
