"""`tinydeploy compile`: parse, call the compiler stage, print."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def compile_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite model."),
    out: Path = typer.Option(
        ..., "-o", "--out", help="Output folder for model.c, model.h, compiled.json and runtime/."
    ),
    check_n: int = typer.Option(
        0,
        "--check",
        metavar="N",
        help="Also run N random inputs through the compiled C (host gcc) and TFLite Micro and compare.",
    ),
    board: Optional[str] = typer.Option(
        None, "--board", "-b", help="Board id or profile (.toml): the kernels for its core."
    ),
    kernels: str = typer.Option(
        "auto",
        "--kernels",
        help="auto (for --board's core; without "
        "one, reference), reference, dsp, dsp-small, v7m, v6m or mve "
        "(see `tinydeploy flash --help`).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    no_remat: bool = typer.Option(False, "--no-remat", help="Never recompute tensors to save arena."),
) -> None:
    """Compile a model ahead of time to C with a static memory plan (runtime 'aot')."""
    import tinydeploy

    compiled = tinydeploy.compile(
        model, out, check=check_n, kernels=kernels, board=board, remat=not no_remat, force=force
    )
    result = compiled.report
    if as_json:
        typer.echo(compiled.to_json())
        return
    choice = result.get("kernel_choice") or {}
    console.print(f"compiled [bold]{compiled.name}[/] -> {out}  ({result['ops']} ops, {choice.get('kernels')} kernels)")
    console.print(
        f"arena {compiled.arena_bytes:,} bytes  (TFLite Micro needs "
        f"{compiled.tflm_arena_bytes:,}: {result['arena_ratio']:.2f}x)   weights "
        f"{compiled.weights_bytes:,} bytes   params {result['params_bytes']:,} bytes"
    )
    if "check" in result:
        c = result["check"]
        console.print(
            f"check vs TFLite Micro on {c['inputs']} inputs: exact match "
            f"{c['exact_match_rate']:.0%}, max abs diff {c['max_abs_diff']:g}"
        )


def register(app: typer.Typer) -> None:
    app.command("compile")(compile_cmd)


__all__ = ["register", "compile_cmd"]
