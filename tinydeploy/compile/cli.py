"""`tinydeploy compile`: parse, call the compiler stage, print."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def compile_cmd(
    model: Path = typer.Argument(..., help="An int8 .tflite model."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for model.c, model.h, "
                                                      "compiled.json and runtime/."),
    check_n: int = typer.Option(0, "--check", metavar="N",
                                help="Also run N random inputs through the compiled C (host gcc) "
                                     "and TFLite Micro and compare."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in the output folder."),
    no_remat: bool = typer.Option(False, "--no-remat",
                                  help="Never recompute tensors to save arena."),
) -> None:
    """Compile a model ahead of time to C with a static memory plan (runtime 'aot')."""
    from tinydeploy.compile import check, compile_model, load_compiled, tflm_arena_bytes
    from tinydeploy.model.ir import read_model
    from tinydeploy.outdir import check_output_dir, staged_output_dir

    m = read_model(model)
    raw = model.read_bytes()
    check_output_dir(out, force, (model,))
    # Written to a staging folder, moved into place only when complete (and checked).
    with staged_output_dir(out, force) as staging:
        staged = compile_model(m, staging, force=True, remat=not no_remat)
        tflm = tflm_arena_bytes(raw)
        checked = check(staged, raw, inputs=check_n) if check_n > 0 else None
    cm = load_compiled(out)
    result = {
        "model": m.name, "sha256": m.sha256, "runtime": "aot", "out_dir": str(cm.out_dir),
        "arena_bytes": cm.arena_bytes, "tflm_arena_bytes": tflm,
        "arena_ratio": round(cm.arena_bytes / tflm, 4) if tflm else None,
        "weights_bytes": cm.weights_bytes, "params_bytes": cm.params_bytes,
        "ops": len(cm.ops), "kernels": cm.kernels,
        "files": [str(p) for p in (cm.model_c, *cm.headers, cm.metadata)],
        "sources": [str(p) for p in cm.sources],
        "include_dirs": [str(p) for p in cm.include_dirs],
    }
    if checked is not None:
        result["check"] = checked
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(f"compiled [bold]{m.name}[/] -> {cm.out_dir}  ({len(cm.ops)} ops)")
    console.print(f"arena {cm.arena_bytes:,} bytes  (TFLite Micro needs {tflm:,}: "
                  f"{result['arena_ratio']:.2f}x)   weights {cm.weights_bytes:,} bytes   "
                  f"params {cm.params_bytes:,} bytes")
    if "check" in result:
        c = result["check"]
        console.print(f"check vs TFLite Micro on {c['inputs']} inputs: exact match "
                      f"{c['exact_match_rate']:.0%}, max abs diff {c['max_abs_diff']:g}")


def register(app: typer.Typer) -> None:
    app.command("compile")(compile_cmd)


__all__ = ["register", "compile_cmd"]
