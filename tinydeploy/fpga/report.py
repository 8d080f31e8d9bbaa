"""report.json / report.md / report.html of an FPGA export.

The report is built once as a list of blocks (heading, bullet list, table, preformatted
text); Markdown and HTML are two renderings of the same blocks.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from tinydeploy import __version__

Block = tuple  # ("h1"|"h2", text) | ("ul", [text]) | ("table", headers, rows) | ("pre", text) | ("p", text)


def _g(x: float) -> str:
    return f"{x:.4g}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def blocks(r: dict[str, Any]) -> list[Block]:
    cfg, m, agree, est = r["config"], r["model"], r["agreement"], r["estimate"]
    framework = {"keras": "Keras", "pytorch": "PyTorch"}[m.get("framework", "keras")]
    version = m.get("keras") if framework == "Keras" else m.get("torch")
    out: list[Block] = [("h1", f"FPGA report: {m['name']}")]
    out.append(
        (
            "ul",
            [
                f"model: `{m['path']}`, input {m['input_shape']}, output {m['output_shape']}",
                f"hls4ml {m['hls4ml']} ({framework} {version} model), backend {cfg['backend']}, part "
                f"{cfg['part']}, clock {cfg['clock_period']} ns",
                f"default precision {cfg['precision']}, reuse factor {cfg['reuse_factor']}, "
                f"strategy {cfg['strategy']}, {cfg['io_type']}",
                f"HLS project: `{r['project']['dir']}/` (top function `{r['project']['name']}`)",
                f"data: {r['data']['source']} ({r['data']['samples']} samples)",
            ]
            + [f"**warning**: {w}" for w in r["warnings"]],
        )
    )
    out += [
        ("h2", f"C simulation (fixed point) vs float {framework}"),
        (
            "table",
            ["samples", "max abs error", "mean abs error", "top-1 agreement", "disagreements (near ties)"],
            [
                [
                    agree["samples"],
                    _g(agree["max_abs_error"]),
                    _g(agree["mean_abs_error"]),
                    _pct(agree["top1_agreement"]),
                    f"{agree['disagreements']} ({agree['near_ties']})",
                ]
            ],
        ),
        (
            "p",
            "A near tie is a disagreement on a sample whose two best float scores are "
            "closer than twice the max abs error.",
        ),
        ("h2", "Error per layer"),
        (
            "table",
            [
                "layer",
                "kind",
                "type",
                "max abs error",
                "mean abs error",
                "max error / max |float|",
                "float range",
                "outside type range",
            ],
            [
                [
                    x["layer"],
                    x["kind"],
                    x["type"],
                    _g(x["max_abs_error"]),
                    _g(x["mean_abs_error"]),
                    _pct(x["relative_error"]),
                    f"[{_g(x['float_min'])}, {_g(x['float_max'])}]",
                    _pct(x["out_of_range"]),
                ]
                for x in r["layers"]
            ],
        ),
    ]
    out += [
        ("h2", "Precision profile"),
        (
            "p",
            "Value ranges of weights (exact) and layer outputs (on the data), the integer "
            "bits they need (outputs with one bit of headroom) and a type that keeps the "
            "fractional bits.",
        ),
        (
            "table",
            ["layer", "what", "type", "range", "integer bits needed", "status", "suggested"],
            [
                [
                    x["layer"],
                    x["what"],
                    x["type"],
                    f"[{_g(x['min'])}, {_g(x['max'])}]",
                    x.get("needed_integer_bits", ""),
                    x["status"],
                    x["suggested"] or "",
                ]
                for x in r["profile"]
            ],
        ),
    ]
    if r["suggested_config"]:
        lines = []
        for name, types in r["suggested_config"].items():
            pairs = ", ".join(f'{k} = "{v}"' for k, v in types.items())
            lines.append(f'[layers."{name}"]\nprecision = {{ {pairs} }}')
        out += [("p", "To apply the suggestions, add to a --config TOML file:"), ("pre", "\n".join(lines))]
    out += [
        ("h2", "Resource and latency estimate"),
        ("p", f"**{est['label']}**"),
        (
            "table",
            ["DSP", "multipliers", "BRAM 18K", "latency (cycles)", "latency (ns)", "II (cycles)", "inferences/s"],
            [
                [
                    est["dsp"],
                    est["multipliers"],
                    est["bram_18k"],
                    est["latency_cycles"],
                    _g(est["latency_ns"]),
                    est["ii_cycles"],
                    f"{est['throughput_per_s']:.3g}",
                ]
            ],
        ),
        (
            "table",
            ["layer", "kind", "reuse", "weights (nonzero)", "multipliers", "DSP", "latency", "II", "note"],
            [
                [
                    x["layer"],
                    x["kind"],
                    x["reuse_factor"],
                    f"{x['weights']} ({x['nonzero_weights']})" if x["weights"] else "",
                    x["multipliers"],
                    x["dsp"],
                    x["latency_cycles"],
                    x["ii_cycles"],
                    x["note"],
                ]
                for x in est["layers"]
            ],
        ),
    ]
    syn = r.get("synthesis")
    out.append(("h2", "C synthesis"))
    if syn:
        out.append(("table", ["figure", "value"], [[k, v] for k, v in syn.items()]))
    else:
        out.append(("p", "Not run (pass --synth where Vivado HLS or Vitis HLS is on PATH)."))
    out.append(("p", f"Generated by tinydeploy {__version__}."))
    return out


def _md_cell(v: Any) -> str:
    return str(v).replace("|", "\\|")


def to_markdown(bs: list[Block]) -> str:
    lines: list[str] = []
    for b in bs:
        if b[0] == "h1":
            lines += [f"# {b[1]}", ""]
        elif b[0] == "h2":
            lines += [f"## {b[1]}", ""]
        elif b[0] == "ul":
            lines += [f"- {item}" for item in b[1]] + [""]
        elif b[0] == "p":
            lines += [b[1], ""]
        elif b[0] == "pre":
            lines += ["```toml", b[1], "```", ""]
        elif b[0] == "table":
            lines += ["| " + " | ".join(b[1]) + " |", "|" + "---|" * len(b[1])]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b[2]]
            lines.append("")
    return "\n".join(lines)


def _inline(text: str) -> str:
    """Escape, then render the two Markdown marks the blocks use: `code` and **bold**."""
    parts = html.escape(str(text)).split("`")
    text = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = text.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


_CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:.2em .6em;text-align:left}th{background:#f3f3f3}pre{background:#f6f6f6;"
    "padding:.6em}"
)


def to_html(bs: list[Block]) -> str:
    title = next((b[1] for b in bs if b[0] == "h1"), "report")
    body: list[str] = []
    for b in bs:
        if b[0] in ("h1", "h2"):
            body.append(f"<{b[0]}>{_inline(b[1])}</{b[0]}>")
        elif b[0] == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b[1]) + "</ul>")
        elif b[0] == "p":
            body.append(f"<p>{_inline(b[1])}</p>")
        elif b[0] == "pre":
            body.append(f"<pre>{html.escape(b[1])}</pre>")
        elif b[0] == "table":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b[1])
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in b[2])
            body.append(f"<table><tr>{head}</tr>{rows}</table>")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_reports(out_dir: Path, report: dict[str, Any]) -> list[Path]:
    bs = blocks(report)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    paths[0].write_text(json.dumps(report, indent=2) + "\n")
    paths[1].write_text(to_markdown(bs))
    paths[2].write_text(to_html(bs))
    return paths
