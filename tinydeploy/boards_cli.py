"""`tinydeploy boards`: list the board profiles."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False)


def _size(n: int) -> str:
    return f"{n // (1 << 20)} MB" if n % (1 << 20) == 0 else f"{n // 1024} KB"


def boards_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON list.")) -> None:
    """List the boards tinydeploy can build for and run on."""
    from tinydeploy.boards import DEFAULT_BOARD, list_boards

    boards = list_boards()
    if as_json:
        typer.echo(json.dumps([{k: v for k, v in b.__dict__.items() if k != "path"} for b in boards]))
        return
    table = Table(title="boards")
    for col, justify in (
        ("id", "left"),
        ("name", "left"),
        ("cpu", "left"),
        ("clock", "right"),
        ("flash", "right"),
        ("RAM", "right"),
        ("platform", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for b in boards:
        cpu = b.cpu + ("F" if b.fpu and b.cpu.startswith("cortex-m4") else "")
        table.add_row(
            b.id + (" (default)" if b.id == DEFAULT_BOARD else ""),
            b.name,
            cpu,
            f"{b.clock_hz / 1e6:g} MHz",
            _size(b.flash_bytes),
            _size(b.ram_bytes),
            b.platform,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("boards")(boards_cmd)
