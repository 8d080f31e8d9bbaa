"""Output folders: never silently overwritten, never left half-written, no user file lost.

Every stage writes into a staging folder beside the destination and moves it
into place only when complete, so an interrupted run (Ctrl-C, a failed build)
leaves either the old folder untouched or nothing at all.

A finished folder holds a manifest (MANIFEST_NAME) of the files tinydeploy wrote there.
``--force`` replaces only those: a file tinydeploy did not write is never deleted or
overwritten (a new output that would land on one is refused), and an output folder
that holds the command's own input is refused outright.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tinydeploy.errors import ForeignFilesError, InputFileError, OutputExistsError

MANIFEST_NAME = ".tinydeploy-manifest.json"


def _files(folder: Path) -> set[str]:
    """Relative paths (POSIX) of the files below ``folder``, the manifest excluded."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name != MANIFEST_NAME
    }


def written_files(folder: str | Path) -> set[str]:
    """The files a finished tinydeploy output folder says tinydeploy wrote (none when it
    has no readable manifest: then every file in it is the user's)."""
    try:
        data = json.loads((Path(folder) / MANIFEST_NAME).read_text())
        return {str(f) for f in data["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def check_output_dir(path: str | Path, force: bool = False, inputs: tuple[str | Path | None, ...] = ()) -> Path:
    """Refuse a file, a folder that already holds files unless ``force``, and a folder
    that holds one of ``inputs`` (the command's model or data)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputFileError("is a file; -o needs a folder", path=str(path))
    here = path.resolve()
    for item in inputs:
        if item is not None and (here == Path(item).resolve() or here in Path(item).resolve().parents):
            raise InputFileError(
                f"the output folder holds the input {item}; choose another "
                "-o folder (tinydeploy never writes where its input is)",
                path=str(path),
            )
    if path.is_dir() and any(path.iterdir()) and not force:
        names = sorted(p.name for p in path.iterdir() if p.name != MANIFEST_NAME)
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise OutputExistsError(path=str(path), what=f"{len(names)} file(s) ({shown})")
    return path


def prepare_output_dir(path: str | Path, force: bool = False) -> Path:
    """Create ``path`` in place (for callers that cannot stage)."""
    path = check_output_dir(path, force)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _owner_tag() -> str:
    """<pid>-<host>: who writes a staging folder (the host, for folders on shared disks)."""
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
    return f"{os.getpid()}-{host}"


def _remove_stale_staging(path: Path) -> None:
    """Delete staging folders of ``path`` left by runs on this host that were killed."""
    host = _owner_tag().split("-")[1]
    for stale in path.parent.glob(f".{glob.escape(path.name)}.partial-*-*-*"):
        pid, owner_host = stale.name[len(path.name) + len(".partial-") + 1 :].split("-")[:2]
        if not pid.isdigit() or int(pid) == os.getpid() or owner_host != host:
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass  # alive, but not ours to signal: leave it


def _merge(staging: Path, path: Path) -> None:
    """Move a finished staging folder's files into an existing ``path``: the files of the
    previous run (its manifest) are replaced or removed, every other file stays.

    Refuses, before anything moves, when a new file would land on a file tinydeploy did
    not write. A failure part-way puts the previous files back."""
    new, ours = _files(staging), written_files(path)
    theirs = _files(path) - ours
    # the user's files a new file would land on, or below (a file where we need a folder)
    clash = sorted({hit for rel in new for hit in [rel, *(p.as_posix() for p in Path(rel).parents)] if hit in theirs})
    if clash:
        shown = ", ".join(clash[:3]) + (", ..." if len(clash) > 3 else "")
        raise ForeignFilesError(path=str(path), what=f"{len(clash)} file(s) ({shown})")
    backup = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    moved_old: list[str] = []
    moved_new: list[str] = []
    try:
        for rel in sorted(ours):
            if (path / rel).is_file() or (path / rel).is_symlink():
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path / rel, backup / rel)
                moved_old.append(rel)
        for rel in sorted(new):
            (path / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, path / rel)
            moved_new.append(rel)
        os.replace(staging / MANIFEST_NAME, path / MANIFEST_NAME)
    except BaseException:
        for rel in moved_new:
            with contextlib.suppress(OSError):
                os.replace(path / rel, staging / rel)
        for rel in moved_old:
            with contextlib.suppress(OSError):
                os.replace(backup / rel, path / rel)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
    # folders the previous run made and that are empty now
    for rel in sorted({str(Path(r).parent) for r in ours} - {"."}, key=len, reverse=True):
        for folder in [path / rel, *(path / rel).parents]:
            if folder == path or not folder.is_dir() or any(folder.iterdir()):
                break
            folder.rmdir()
    shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def staged_output_dir(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a fresh staging folder; on success its files go into ``path``.

    A new ``path`` appears whole (one rename). An existing one (``force``) keeps every
    file tinydeploy did not write and gets the new run's files (see _merge). On an
    exception (or Ctrl-C) the staging folder is deleted and ``path`` is left exactly
    as it was.
    """
    path = check_output_dir(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(path)
    # the owner in the name lets a later run tell a killed run's leftovers from a live one
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-{_owner_tag()}-", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result should not be
    try:
        yield staging
        from tinydeploy import __version__

        (staging / MANIFEST_NAME).write_text(
            json.dumps({"tinydeploy": __version__, "files": sorted(_files(staging))}, indent=1) + "\n"
        )
        if path.exists():
            _merge(staging, path)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_into(path: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (name -> content) into the folder ``path`` (made when missing) and
    list them in its manifest. A file tinydeploy wrote there before is replaced; one
    it did not write is refused before anything is written (ForeignFilesError)."""
    if path.exists() and not path.is_dir():
        raise InputFileError("is a file; reports go into a folder", path=str(path))
    ours = written_files(path)
    clash = sorted(n for n in files if (path / n).exists() and n not in ours)
    if clash:
        raise ForeignFilesError(path=str(path), what=f"{len(clash)} file(s) ({', '.join(clash)})")
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        tmp = path / f".{name}.partial-{_owner_tag()}"
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content)
        os.replace(tmp, path / name)
    from tinydeploy import __version__

    (path / MANIFEST_NAME).write_text(
        json.dumps({"tinydeploy": __version__, "files": sorted(ours | set(files))}, indent=1) + "\n"
    )
    return path
