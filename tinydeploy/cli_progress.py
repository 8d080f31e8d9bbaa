"""Progress for the CLI: a spinner on a terminal, one line per stage when the output is
piped or logged (a spinner there prints nothing until the end)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console


class _Lines:
    """The spinner's interface (update), printing each new stage as a line. The opening
    text is not printed: a command that fails its checks prints only its error."""

    def __init__(self, console: Console, text: str) -> None:
        self.console, self.started, self.last = console, time.monotonic(), text

    def update(self, text: str) -> None:
        if text != self.last:
            self.last = text
            self.console.print(
                f"[{time.monotonic() - self.started:6.1f} s] {text}", markup=False, highlight=False, soft_wrap=True
            )


@contextlib.contextmanager
def status(console: Console, text: str) -> Iterator[Any]:
    """``with status(err_console, "converting ...") as s: s.update("building ...")``."""
    if console.is_terminal:
        with console.status(text) as spinner:
            yield spinner
    else:
        yield _Lines(console, text)
