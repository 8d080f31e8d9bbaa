"""Copying firmware sources into a project: the one helper every project kind uses."""

from __future__ import annotations

from pathlib import Path

C_SUFFIXES = (".c", ".h", ".cc")


def tree(src: Path, suffixes: tuple[str, ...] = C_SUFFIXES) -> dict[Path, Path]:
    """{path relative to src: path} of the source files under src."""
    return {p.relative_to(src): p for p in sorted(src.rglob("*")) if p.is_file() and p.suffix in suffixes}


def sync(files: dict[Path, Path], dst: Path) -> None:
    """Make dst hold exactly files ({relative path: source}); untouched files keep
    their timestamps so make rebuilds only what changed."""
    for old in sorted(dst.rglob("*")) if dst.is_dir() else []:
        if old.is_file() and old.relative_to(dst) not in files:
            old.unlink()
    for rel, src in files.items():
        target = dst / rel
        data = src.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Rewrite only on change so make's timestamps stay meaningful."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
