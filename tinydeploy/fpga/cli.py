"""`tinydeploy fpga`: parse, call the FPGA stage, print. hls4ml is imported only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from tinydeploy.cli_progress import status as cli_status

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
FRAMEWORKS = {"keras": "Keras", "pytorch": "PyTorch"}


def _summary(r: dict[str, Any], out_dir: Path) -> None:
    a, est = r["agreement"], r["estimate"]
    framework = FRAMEWORKS.get(r["model"].get("framework", "keras"), "Keras")
    table = Table(
        title=f"{r['model']['name']}: C simulation ({r['config']['precision']}) vs float {framework}, per layer"
    )
    for col in ("layer", "kind", "type", "max abs error", "mean abs error", "float range", "outside range"):
        table.add_column(col, justify="left" if col in ("layer", "kind", "type") else "right", overflow="fold")
    for x in r["layers"]:
        table.add_row(
            x["layer"],
            x["kind"],
            x["type"],
            f"{x['max_abs_error']:.4g}",
            f"{x['mean_abs_error']:.4g}",
            f"[{x['float_min']:.3g}, {x['float_max']:.3g}]",
            f"{x['out_of_range']:.1%}",
        )
    console.print(table)
    top1 = "n/a" if a["top1_agreement"] is None else f"{a['top1_agreement']:.1%}"
    console.print(
        f"output on {a['samples']} samples: max abs error [bold]{a['max_abs_error']:.4g}"
        f"[/], mean {a['mean_abs_error']:.4g}, top-1 agreement [bold]{top1}[/]"
        + (f" ({a['disagreements']} differ, {a['near_ties']} near ties)" if a["disagreements"] else "")
    )
    over = [p for p in r["profile"] if p["status"] == "overflow"]
    for p in over:
        console.print(
            f"[bold red]overflow:[/] {p['layer']} {p['what']} range "
            f"[{p['min']:.3g}, {p['max']:.3g}] does not fit {p['type']}; "
            f"suggested {p['suggested']}"
        )
    loose = sum(1 for p in r["profile"] if p["status"] not in ("ok", "overflow"))
    console.print(
        f"precision profile: {len(over)} overflow, {loose} with spare bits or "
        "weights rounding to 0 (report.md lists them and suggests types)"
    )
    console.print(
        f"ESTIMATE (not synthesis): {est['dsp']} DSP, {est['bram_18k']} BRAM_18K, "
        f"latency {est['latency_cycles']} cycles = {est['latency_ns']:.4g} ns at "
        f"{est['clock_period_ns']} ns, II {est['ii_cycles']} cycles"
    )
    syn = r.get("synthesis")
    if syn:
        console.print("C synthesis: " + ", ".join(f"{k} {v}" for k, v in syn.items()))
    console.print(f"wrote {out_dir}/: {r['project']['dir']}/, fpga.toml, report.json, report.md, report.html")


def fpga_cmd(
    model: Path = typer.Argument(
        ..., help="Keras model (.keras, .h5) or PyTorch model saved whole with torch.save (.pt, torch.nn layers)."
    ),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output folder [td-out/<model>-fpga]."),
    data: Optional[Path] = typer.Option(
        None, "--data", "-d", help="Inputs for C simulation: .npy, .npz or a folder of .npy."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", "-c", help="TOML file of settings (see tinydeploy.fpga.config)."
    ),
    precision: Optional[str] = typer.Option(None, "--precision", help="Default fixed-point type [ap_fixed<16,6>]."),
    layer_precision: Optional[List[str]] = typer.Option(
        None, "--layer-precision", help="Per-layer type: NAME=ap_fixed<18,8> or NAME.weight=ap_fixed<8,2>; repeatable."
    ),
    reuse_factor: Optional[int] = typer.Option(
        None, "--reuse-factor", "-r", help="Multiplications per multiplier [1]."
    ),
    strategy: Optional[str] = typer.Option(None, "--strategy", help="latency or resource [latency]."),
    io_type: Optional[str] = typer.Option(None, "--io-type", help="io_parallel or io_stream [io_parallel]."),
    backend: Optional[str] = typer.Option(None, "--backend", help="vivado (Vivado HLS) or vitis [vivado]."),
    part: Optional[str] = typer.Option(None, "--part", help="FPGA part [xcvu13p-flga2577-2-e]."),
    clock_period: Optional[float] = typer.Option(None, "--clock-period", help="Clock period in ns [5]."),
    input_shape: Optional[str] = typer.Option(
        None, "--input-shape", help="A PyTorch model's input shape, batch axis first: 1,16 or 1,1,28,28."
    ),
    samples: int = typer.Option(200, "--samples", help="Samples to C-simulate (at most)."),
    synth: bool = typer.Option(False, "--synth", help="Run C synthesis (needs Vivado/Vitis HLS)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Convert a Keras or PyTorch model to an HLS project with hls4ml and C-simulate it against float."""
    import tinydeploy

    settings = {
        k: v
        for k, v in {
            "precision": precision,
            "reuse_factor": reuse_factor,
            "strategy": strategy,
            "io_type": io_type,
            "backend": backend,
            "part": part,
            "clock_period": clock_period,
        }.items()
        if v is not None
    }
    out_dir = out or Path("td-out") / f"{model.stem}-fpga"
    with cli_status(err_console, f"converting {model} with hls4ml and C-simulating ..."):
        result = tinydeploy.fpga(
            model,
            out_dir,
            data=data,
            config=config,
            layer_precision=layer_precision,
            samples=samples,
            synth=synth,
            force=force,
            input_shape=input_shape,
            **settings,
        )
    report = result.report
    for note in report["warnings"]:
        err_console.print(f"[bold yellow]WARNING:[/] {note}")
    if as_json:
        typer.echo(result.to_json())
        return
    _summary(report, out_dir)


def register(app: typer.Typer) -> None:
    app.command("fpga")(fpga_cmd)
