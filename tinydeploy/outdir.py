"""Output folders: created when missing, never silently overwritten."""

from __future__ import annotations

from pathlib import Path

from tinydeploy.errors import InputFileError, OutputExistsError


def prepare_output_dir(path: str | Path, force: bool = False) -> Path:
    """Create ``path``; refuse a folder that already holds files unless ``force``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputFileError("is a file; -o needs a folder", path=str(path))
    if path.is_dir() and any(path.iterdir()) and not force:
        names = sorted(p.name for p in path.iterdir())
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise OutputExistsError(path=str(path), what=f"{len(names)} file(s) ({shown})")
    path.mkdir(parents=True, exist_ok=True)
    return path
