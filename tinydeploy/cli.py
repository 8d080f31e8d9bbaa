"""Entry point `tinydeploy`: thin. Each stage registers its own commands.

A stage's commands live in ``tinydeploy/<stage>/cli.py`` with a
``register(app)`` function; this module only assembles them and turns a
TinyDeployError into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable
from typing import Any, Optional

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


# The example of `tinydeploy --help`: the main job, quietly, as a script would run it.
ROOT_EXAMPLE = "tinydeploy --quiet flash model.keras --data samples.npy --board qemu-m4 --json"

# One example per command, shown at the end of its --help (tests/unit/test_cli_help.py
# parses each one against the command's options).
EXAMPLES = {
    "convert": "tinydeploy convert model.keras --data samples.npy -o td-out/model",
    "inspect": "tinydeploy inspect model.tflite --float-model model.keras --data samples.npy",
    "compile": "tinydeploy compile model.tflite -o td-out/compiled --board qemu-m4 --check 20",
    "boards": "tinydeploy boards --json",
    "flash": (
        "tinydeploy flash model.keras --data samples.npy --labels labels.npy --board qemu-m4 --check 20 -o td-out/run"
    ),
    "generate": "tinydeploy generate model.tflite --board nano33ble -o td-out/nano",
    "export": "tinydeploy export model.tflite --format arduino --board nano33ble -o td-out/lib",
    "profile": "tinydeploy profile model.tflite --board qemu-m4 --top 5",
    "compress": ("tinydeploy compress model.keras --data train.npz --prune 0.75 --bits 4 -o td-out/small"),
    "search": (
        "tinydeploy search --data train.npz --board qemu-m4 --trials 40 --study sqlite:///search.db -o td-out/search"
    ),
    "fpga": "tinydeploy fpga model.keras --data samples.npy -o td-out/hls",
    "help": "tinydeploy help flash",
}


def _choices() -> dict[str, Callable[[], Any]]:
    """Options whose values come from one list in the stage that checks them: --help
    shows that list (the stage's check keeps its one-line error for anything else)."""

    def runtimes() -> Any:
        from tinydeploy.policy import RUNTIMES

        return RUNTIMES

    def kernels() -> Any:
        from tinydeploy.compile import KERNEL_MODES

        return KERNEL_MODES

    def formats() -> Any:
        from tinydeploy.codegen.export import FORMATS

        return FORMATS

    def fpga(name: str) -> Callable[[], Any]:
        def values() -> Any:
            from tinydeploy.fpga import config

            return tuple(getattr(config, name))

        return values

    return {
        "--runtime": runtimes,
        "--kernels": kernels,
        "--format": formats,
        "--strategy": fpga("STRATEGIES"),
        "--io-type": fpga("IO_TYPES"),
        "--backend": fpga("BACKENDS"),
    }


def _teach(group: Any) -> Any:
    """The --help of every command: its example, the choices of an option, no type shown
    for a flag, and help text printed as written (rich would take "[td-out/...]" for
    markup and drop it)."""
    choices = _choices()
    # duck-typed: typer may bundle its own copy of click; the group's own options
    # (--debug, --quiet) are taught as the commands' are
    group.epilog = escape(f"Example: {ROOT_EXAMPLE}")
    for name, command in [("", group), *group.commands.items()]:
        if name in EXAMPLES:
            command.epilog = escape(f"Example: {EXAMPLES[name]}")
        for param in command.params:
            if getattr(param, "is_flag", False):
                param.display_type_rich = lambda ctx: None  # type: ignore[attr-defined]
            long = next((o for o in param.opts if o.startswith("--")), None)
            if long in choices:
                values = "|".join(choices[long]())
                param.display_type_rich = lambda ctx, v=values: v  # type: ignore[attr-defined]
            if getattr(param, "help", None):
                param.help = escape(param.help)  # type: ignore[attr-defined]
        if command.help:
            # a docstring's source line breaks are not the reader's: rich would keep them
            command.help = escape(re.sub(r"(?<!\n)\n(?!\n)", " ", command.help))
        _flag_without_type(command)
    return group


def _flag_without_type(command: Any) -> None:
    """--help is made per context, not listed in params: drop its type column too."""
    made = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            option.display_type_rich = lambda ctx: None
        return option

    command.get_help_option = get_help_option


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tinydeploy {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback on errors, and TensorFlow's own log lines."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only errors and what --json asks for: no progress, tables or notes."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    if debug:
        os.environ["TINYDEPLOY_DEBUG"] = "1"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
    for name in _STAGES:
        for attr in ("console", "err_console"):
            out = getattr(sys.modules.get(name), attr, None)
            if isinstance(out, Console):
                out.quiet = quiet
                if not out.is_terminal and not os.environ.get("COLUMNS"):
                    out.width = 160  # a file or a pipe: tables as wide as they need


def help_cmd(
    ctx: typer.Context,
    command: Optional[str] = typer.Argument(None, help="The command whose help to show (none: the list of commands)."),
) -> None:
    """Show the help of a command, as `tinydeploy CMD --help` does."""
    root = ctx.find_root()
    group: Any = root.command
    if command is None:
        typer.echo(group.get_help(root))
        return
    found = group.get_command(root, command)
    if found is None:
        from tinydeploy.errors import ConfigError

        raise ConfigError(
            f"no command {command!r}; the commands: {', '.join(sorted(group.commands))}", where="tinydeploy help"
        )
    sub = type(root)(found, info_name=command, parent=root)
    typer.echo(found.get_help(sub))


app.command("help")(help_cmd)


for _name in _STAGES:
    importlib.import_module(_name).register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising on user errors."""
    import tinydeploy.api

    try:
        return _run(argv)
    finally:  # an API call later in this process reports itself, not this command line
        tinydeploy.api.command_line = ""


def _run(argv: list[str] | None) -> int:
    try:
        # Without standalone mode, click *returns* the code of a typer.Exit raised in a
        # command, and typer turns Ctrl-C into Exit(130): that code must not become 0.
        import shlex

        import tinydeploy.api

        tinydeploy.api.command_line = shlex.join(["tinydeploy", *(sys.argv[1:] if argv is None else argv)])
        command = _teach(typer.main.get_command(app))  # type: ignore[arg-type]
        code = command.main(args=argv, prog_name="tinydeploy", standalone_mode=False)
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
