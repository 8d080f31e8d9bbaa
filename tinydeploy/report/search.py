"""The report of `tinydeploy search`: Markdown and a self-contained report.html with the
Pareto plots (accuracy against measured instructions and against flash)."""

from __future__ import annotations

from typing import Any

from tinydeploy.report import html
from tinydeploy.report.markdown import table

_COLUMNS = (
    "trial",
    "name",
    "val_accuracy",
    "test_accuracy",
    "instructions",
    "flash_bytes",
    "ram_bytes",
    "kernels",
    "exact_match_rate",
)


def _cells(row: dict[str, Any]) -> list[Any]:
    def fmt(key: str) -> Any:
        v = row.get(key)
        if v is None:
            return "-"
        if key.endswith("accuracy"):
            return f"{v:.2%}"
        if isinstance(v, float) and key == "instructions":
            return f"{v:,.0f}"
        return f"{v:,}" if isinstance(v, int) and key != "trial" else v

    return [fmt(k) for k in _COLUMNS]


def search_markdown(r: dict[str, Any]) -> str:
    chosen = r.get("chosen")
    lines = [
        f"# Search `{r['study_name']}` on {r['board']}",
        "",
        f"{len(r['trials'])} trials completed, {r['pruned']} dropped before training "
        f"(over budget), {r['failed']} failed; this run {r['seconds']} s. Every cost is "
        f"measured: flash and RAM from the firmware built for {r['board']}, instructions "
        "per inference from the emulator; accuracy is the int8 model's in tflite-micro.",
        "",
    ]
    if chosen:
        lines += [
            f"Chosen (fewest instructions within {r['tolerance']} point of the front's "
            f"best validation accuracy): trial {chosen['trial']} `{chosen['name']}` -> "
            f"`{chosen.get('file', '')}`",
            "",
        ]
    lines += [
        "## Pareto front",
        "",
        table(list(_COLUMNS), [_cells(t) for t in r["pareto"]]),
        "",
        "## All trials",
        "",
        table(list(_COLUMNS), [_cells(t) for t in r["trials"]]),
    ]
    return "\n".join(lines) + "\n"


def _pareto_plot(r: dict[str, Any], key: str, label: str, plot_id: str) -> str:
    plt = html._plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    trials, front = r["trials"], r["pareto"]
    ax.scatter([t[key] for t in trials], [100 * t["val_accuracy"] for t in trials], s=14, color="#bbb", label="trials")
    pts = sorted(front, key=lambda t: t[key])
    ax.plot([t[key] for t in pts], [100 * t["val_accuracy"] for t in pts], "o-", color="#1f77b4", label="Pareto front")
    chosen = r.get("chosen")
    if chosen:
        ax.scatter(
            [chosen[key]], [100 * chosen["val_accuracy"]], s=90, marker="*", color="#d62728", zorder=3, label="chosen"
        )
    ax.set_xscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel("validation accuracy (%), int8")
    ax.legend(fontsize=8)
    return html._figure(plot_id, f"accuracy vs {label} on {r['board']} (measured)", fig)


def search_html(r: dict[str, Any]) -> str:
    headers = list(_COLUMNS)
    parts = [
        f"<p>{html._esc(search_markdown(r).splitlines()[2])}</p>",
        _pareto_plot(r, "instructions", "instructions per inference", "pareto-instructions"),
        _pareto_plot(r, "flash_bytes", "flash bytes", "pareto-flash"),
        "<h2>Pareto front</h2>",
        html.table(headers, [_cells(t) for t in r["pareto"]], 2),
        "<h2>All trials</h2>",
        html.table(headers, [_cells(t) for t in r["trials"]], 2),
    ]
    return html.page(f"tinydeploy search {r['study_name']} on {r['board']}", parts)
