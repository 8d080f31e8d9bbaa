"""Where the shipped C sources and board profiles are.

In a wheel they are inside the package (``tinydeploy/firmware``); in a source
checkout or an editable install they sit at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"tinydeploy installation is missing its '{name}' folder "
        f"(looked in {_PKG} and {_PKG.parent}); reinstall tinydeploy"
    )


def firmware_dir() -> Path:
    return _locate("firmware")


def boards_dir() -> Path:
    return _locate("boards")
