"""report.html: one self-contained file (inline SVG plots from matplotlib, inline CSS).

Renderers for the reports of `tinydeploy flash`, `tinydeploy profile` and
bench/kernels.py. No JavaScript, no external resources: the file opens offline
and in a headless browser. Every plot is an ``<svg>`` inside a
``<figure class="plot" id="...">`` so tests can find them.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any, Iterable

from tinydeploy.report.figures import FIGURES, label

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th { background: #f4f4f4; }
td.l, th.l { text-align: left; }
figure.plot { margin: 1.5em 0; }
figcaption { font-size: 0.9em; color: #555; }
.note { color: #666; font-size: 0.9em; }
"""


def _esc(v: Any) -> str:
    return html.escape(str(v))


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE


def _figure(plot_id: str, caption: str, fig: Any) -> str:
    return f'<figure class="plot" id="{_esc(plot_id)}">{_svg(fig)}<figcaption>{_esc(caption)}</figcaption></figure>'


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "tinydeploy"  # deterministic ids
    return plt


def table(headers: list[str], rows: Iterable[list[Any]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{_esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{_esc(c)}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def page(title: str, parts: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_esc(title)}</h1>" + "\n".join(parts) + "</body></html>\n"
    )


def write_html(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ---------------------------------------------------------------- plots


def memory_map_plot(report: dict[str, Any]) -> str:
    """Weights / code / other flash against the board's flash; static RAM + stack against RAM."""
    plt = _plt()
    flash = report.get("flash") or {}
    weights = flash.get("weights", flash.get("weights_bytes", 0)) or 0
    code = flash.get("runtime", flash.get("runtime_code_bytes", 0)) or 0
    other = flash.get("other", flash.get("other_flash_bytes", 0)) or 0
    arena = report.get("arena_bytes") or 0
    static = report.get("static_ram_bytes") or (flash.get("static_ram_bytes") or 0)
    # the measured high-water mark where the device reported it, else the reserved stack:
    # two different figures, labelled apart (report.figures)
    measured = report.get("stack_high_water_bytes", report.get("stack_bytes"))
    stack_key = "stack_high_water_bytes" if measured else "stack_reserved_bytes"
    stack = measured or report.get("stack_reserved_bytes") or 0
    fig, ax = plt.subplots(figsize=(7, 2.4))
    kib = 1024.0
    ax.barh(["flash"], [weights / kib], color="#4c72b0", label="weights")
    ax.barh(["flash"], [code / kib], left=[weights / kib], color="#dd8452", label="runtime code")
    ax.barh(["flash"], [other / kib], left=[(weights + code) / kib], color="#999999", label="other flash")
    rest = max(static - arena, 0)
    ax.barh(["RAM"], [arena / kib], color="#55a868", label="arena")
    ax.barh(["RAM"], [rest / kib], left=[arena / kib], color="#8172b2", label="other static RAM")
    ax.barh(
        ["RAM"],
        [stack / kib],
        left=[(arena + rest) / kib],
        color="#c44e52",
        label=label(stack_key),
        hatch=None if measured else "//",
    )
    title = "KiB used"
    fb, rb = report.get("board_flash_bytes"), report.get("board_ram_bytes")
    if fb and rb:
        title += f" (board: {fb / kib:,.0f} KiB flash, {rb / kib:,.0f} KiB RAM)"
    ax.set_xlabel(title)
    ax.legend(fontsize=7, ncol=3, loc="lower right")
    return _figure(
        "memory-map",
        "Memory map: flash (weights, code, rest) and RAM "
        f"(arena, other static data, {label(stack_key)}: "
        f"{FIGURES[stack_key][1]})",
        fig,
    )


def per_op_plot(ops: list[dict[str, Any]]) -> str:
    """Instructions vs MACs per op (two bars per op, log scale)."""
    plt = _plt()
    labels = [f"#{o['index']} {o['op']}" for o in ops]
    instr = [max(o.get("instructions", o.get("ticks", 0)), 1) for o in ops]
    macs = [max(o.get("macs", 0), 1) for o in ops]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(ops) + 1.2))
    ys = list(range(len(ops)))
    ax.barh([y - 0.2 for y in ys], instr, height=0.4, color="#dd8452", label="instructions")
    ax.barh([y + 0.2 for y in ys], macs, height=0.4, color="#4c72b0", label="MACs")
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.legend(fontsize=7)
    return _figure("per-op", "Per op: executed instructions (emulated) vs MACs", fig)


def runtime_plot(rows: list[dict[str, Any]]) -> str:
    """Bars per model: instructions/MAC for each runtime variant."""
    plt = _plt()
    models = sorted({r["model"] for r in rows})
    variants = [v for v in ("reference", "dsp") if any(r["variant"] == v for r in rows)]
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / max(len(variants), 1)
    for i, v in enumerate(variants):
        vals = []
        for m in models:
            hit = [r for r in rows if r["model"] == m and r["variant"] == v]
            vals.append(hit[0]["instructions_per_mac"] if hit else 0)
        ax.bar([j + i * width for j in range(len(models))], vals, width=width, label=f"aot {v}")
    ax.set_xticks([j + width * (len(variants) - 1) / 2 for j in range(len(models))])
    ax.set_xticklabels(models, fontsize=8)
    ax.set_ylabel("instructions / MAC (emulated)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    return _figure("runtimes", "Runtime comparison: instructions per MAC", fig)


def arena_plot(rows: list[dict[str, Any]]) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    models = [r["model"] for r in rows]
    xs = range(len(models))
    ax.bar([x - 0.2 for x in xs], [r["arena_bytes"] / 1024 for r in rows], width=0.4, label="aot arena")
    ax.bar([x + 0.2 for x in xs], [r["tflm_arena_bytes"] / 1024 for r in rows], width=0.4, label="TFLite Micro arena")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(models, fontsize=8)
    ax.set_ylabel("KiB")
    ax.legend(fontsize=8)
    return _figure("arena", "Arena: AOT memory plan vs TFLite Micro", fig)


# ---------------------------------------------------------------- pages


def model_html(r: dict[str, Any]) -> str:
    """report.html of `tinydeploy convert` / `inspect`: the summary, the agreement, the ops."""
    from tinydeploy.report.markdown import shape

    m = r["model"]
    rows = [
        ["file", f"{m['path']} ({m['size_bytes']:,} bytes)"],
        ["input", f"{shape(r['input']['shape'])} {r['input']['dtype']}"],
        ["output", f"{shape(r['output']['shape'])} {r['output']['dtype']}"],
        ["MACs", f"{r['macs']:,}"],
        ["params", f"{r['params']:,}"],
        [
            "TFLite Micro arena",
            f"{r['arena_bytes']:,} B ({r['tflm_arena']['note']})"
            if r["arena_bytes"] is not None
            else f"none: TFLite Micro refuses the model: {r.get('tflm_error')}",
        ],
    ]
    parts = [table(["", ""], rows)]
    agree = r.get("agreement")
    if agree:
        top1 = "n/a" if agree["top1_agreement"] is None else f"{agree['top1_agreement']:.1%}"
        parts += [
            f"<h2>Float vs {r.get('quantization', 'int8')}</h2>",
            table(
                ["samples", "top-1 agreement", "max abs error", "mean abs error"],
                [[agree["samples"], top1, f"{agree['max_abs_error']:.4g}", f"{agree['mean_abs_error']:.4g}"]],
            ),
        ]
    parts += [
        "<h2>Ops</h2>",
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
            left=2,
        ),
        provenance_html(r),
    ]
    return page(f"tinydeploy model report: {m['name']}", parts)


def _op_kernels_html(r: dict[str, Any]) -> str:
    return table(
        ["#", "op", "kernel", "note"],
        [[o["index"], o["op"], o["kernel"] or "-", o["note"]] for o in r["op_kernels"]],
        left=4,
    )


def compile_html(r: dict[str, Any]) -> str:
    """report.html of `tinydeploy compile`: the memory plan's sizes and each op's kernel."""
    from tinydeploy.report.markdown import compile_summary

    return page(
        f"tinydeploy compile: {r['model']}",
        [table(["", ""], compile_summary(r)), "<h2>Ops</h2>", _op_kernels_html(r), provenance_html(r)],
    )


def export_html(r: dict[str, Any]) -> str:
    """report.html of `tinydeploy export`: the library, the compiled model, each op's kernel."""
    from tinydeploy.report.markdown import export_summary

    files = "".join(f"<li><code>{_esc(f)}</code></li>" for f in r["sources"])
    return page(
        f"tinydeploy export: {r['model']} as {r['name']}",
        [
            table(["", ""], export_summary(r)),
            "<h2>Ops</h2>",
            _op_kernels_html(r),
            f"<h2>Sources</h2><ul>{files}</ul>",
            provenance_html(r),
        ],
    )


def project_html(r: dict[str, Any]) -> str:
    """report.html of `tinydeploy generate`: the runtime and why, how to build, the files."""
    from tinydeploy.report.markdown import project_summary

    files = "".join(f"<li><code>{_esc(f)}</code></li>" for f in r["files"])
    return page(
        f"tinydeploy generate: {r['model']} for {r['board']}",
        [table(["", ""], project_summary(r)), f"<h2>Files</h2><ul>{files}</ul>", provenance_html(r)],
    )


def provenance_html(r: dict[str, Any]) -> str:
    """The command, the date and the tool versions a report came from."""
    p = r.get("provenance")
    if not p:
        return ""
    versions = ", ".join(f"{k} {v}" for k, v in p["versions"].items())
    return f'<p class="note">{_esc(p["date"])}: <code>{_esc(p["command"])}</code><br>{_esc(versions)}</p>'


def flash_html(r: dict[str, Any]) -> str:
    rows = [
        ["board", f"{r['board']} ({r.get('board_name', '')}, {r.get('cpu', '')})"],
        ["runtime", f"{r['runtime']} ({r.get('kernels') or '-'} kernels)"],
        ["model", r["model"]["name"]],
        ["MACs", f"{r['macs']:,}"],
    ]
    if r.get("flash_bytes") is not None:
        f = r["flash"]
        rows.append(
            [
                label("flash_bytes"),
                f"{r['flash_bytes']:,} B (weights {f['weights']:,}, "
                f"runtime code {f['runtime']:,}, other {f['other']:,})",
            ]
        )
    stack = r.get("stack_high_water_bytes", r["stack_bytes"])
    rows += [
        [
            label("ram_bytes"),
            f"{r['ram_bytes']:,} B ({label('static_ram_bytes')} "
            f"{r['static_ram_bytes']:,} + {label('stack_high_water_bytes')} "
            f"{stack:,})",
        ],
        [label("arena_bytes"), f"{r['arena_bytes']:,} B ({label('tflm_arena_bytes')} {r['tflm_arena_bytes']:,} B)"],
    ]
    if r.get("stack_reserved_bytes"):
        rows.append([label("stack_reserved_bytes"), f"{r['stack_reserved_bytes']:,} B"])
    if "instructions_per_inference" in r:
        rows.append(
            [
                label("instructions_per_inference"),
                f"{r['instructions_per_inference']:,.0f} ({r['instructions_per_mac']} / MAC)",
            ]
        )
    if r.get("cycles_per_inference") is not None:
        rows.append([label("cycles_per_inference"), f"{r['cycles_per_inference']:,.0f}"])
    if r.get("latency_ms") is not None:
        rows.append([label("latency_ms"), f"{r['latency_ms']:.3f} ms"])
    c = r["check"]
    if c["inputs"]:
        rows.append(
            [
                f"outputs vs tflite-micro ({c['inputs']} inputs)",
                f"{c['exact_match_rate']:.0%} exact, max diff {c['max_abs_diff']:g}",
            ]
        )
    if c.get("accuracy") is not None:
        rows.append(["top-1 accuracy (device / tflite-micro)", f"{c['accuracy']:.1%} / {c['reference_accuracy']:.1%}"])
    parts = [table(["", ""], rows), memory_map_plot(r)]
    if r.get("ops"):
        parts += [
            "<h2>Ops</h2>",
            table(
                ["#", "op", "kernel", "MACs", "params"],
                [[o["index"], o["op"], o.get("kernel") or "-", f"{o['macs']:,}", f"{o['params']:,}"] for o in r["ops"]],
                left=0,
            ),
        ]
    parts.append(provenance_html(r))
    return page(f"tinydeploy flash: {r['model']['name']} on {r['board']}", parts)


def profile_html(r: dict[str, Any]) -> str:
    emulated = "instructions_per_inference" in r
    parts = []
    if emulated:
        parts.append(
            f"<p>{r['instructions_per_inference']:,.0f} instructions per inference "
            f"({r['instructions_per_mac']} per MAC, {r['macs']:,} MACs), emulated, exact. "
            f"Cortex-M4 cycles <b>estimate</b>: {r['m4_cycles_estimate']:,}.</p>"
        )
    headers = ["op", "#", "kernel", "MACs"] + (
        ["instructions", "instr/MAC", "share"] if emulated else ["ticks", "share"]
    )
    rows = []
    for o in r["ops"]:
        row = [o["op"], o["index"], o["kernel"], f"{o['macs']:,}"]
        if emulated:
            row += [
                f"{o['instructions']:,}",
                "" if o["instructions_per_mac"] is None else o["instructions_per_mac"],
                f"{o['share']:.1%}",
            ]
        else:
            row += [f"{o['ticks']:,}", f"{o['share']:.1%}"]
        rows.append(row)
    parts += [per_op_plot(r["ops"]), table(headers, rows), memory_map_plot(r), provenance_html(r)]
    return page(f"tinydeploy profile: {r['model']['name']} on {r['board']} ({r['kernels']} kernels)", parts)


def bench_html(result: dict[str, Any]) -> str:
    rows = result["rows"]
    headers = [
        "model",
        "board",
        "variant",
        "MACs",
        "instructions",
        "instr/MAC",
        "exact",
        "arena",
        "TFLM arena",
        "runtime code",
    ]
    body = [
        [
            r["model"],
            r["board"],
            r["variant"],
            f"{r['macs']:,}",
            f"{r['instructions_per_inference']:,.0f}",
            r["instructions_per_mac"],
            r["exact_match_rate"],
            f"{r['arena_bytes']:,}",
            f"{r['tflm_arena_bytes']:,}",
            f"{r['runtime_code_bytes']:,}",
        ]
        for r in rows
    ]
    parts = [table(headers, body, left=3)]
    m4 = [r for r in rows if r["board"] == "qemu-m4"]
    if m4:
        parts.append(runtime_plot(m4))
        parts.append(arena_plot([r for r in m4 if r["variant"] == "dsp"] or m4))
    if result.get("note"):
        parts.append(f'<p class="note">{_esc(result["note"])}</p>')
    return page("tinydeploy kernels benchmark", parts)
