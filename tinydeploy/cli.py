"""Entry point `tinydeploy`: thin. Each stage registers its own commands.

A stage's commands live in ``tinydeploy/<stage>/cli.py`` with a
``register(app)`` function; this module only assembles them and turns a
TinyDeployError into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

from tinydeploy import __version__
from tinydeploy.errors import TinyDeployError

app = typer.Typer(
    name="tinydeploy",
    help="From a trained neural network to measured firmware on a microcontroller.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, highlight=False)

# Modules that provide register(app); one line per stage.
_STAGES = [
    "tinydeploy.model.cli",
    "tinydeploy.flash_cli",
    "tinydeploy.export_cli",
    "tinydeploy.boards_cli",
    "tinydeploy.compile.cli",
    "tinydeploy.fpga.cli",
    "tinydeploy.compress.cli",
    "tinydeploy.search.cli",
    "tinydeploy.profile.cli",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tinydeploy {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    if debug:
        os.environ["TINYDEPLOY_DEBUG"] = "1"


for _name in _STAGES:
    importlib.import_module(_name).register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising on user errors."""
    try:
        # Without standalone mode, click *returns* the code of a typer.Exit raised in a
        # command, and typer turns Ctrl-C into Exit(130): that code must not become 0.
        code = app(args=argv, standalone_mode=False)
    except TinyDeployError as exc:
        if os.environ.get("TINYDEPLOY_DEBUG"):
            raise
        # escape: paths and hints may hold [brackets], which rich would eat as markup
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]")
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return 1
    except Exception as exc:  # click's usage errors (typer may bundle its own click)
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
            show()
            return exc.exit_code  # type: ignore[attr-defined]
        raise
    if code == 130:
        err_console.print("[bold red]interrupted[/]")
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
