"""Output folders: never silently overwritten, never left half-written.

Every stage writes into a staging folder beside the destination and moves it
into place only when complete, so an interrupted run (Ctrl-C, a failed build)
leaves either the old folder untouched or nothing at all.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tinydeploy.errors import InputFileError, OutputExistsError


def check_output_dir(path: str | Path, force: bool = False) -> Path:
    """Refuse a file, or a folder that already holds files unless ``force``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputFileError("is a file; -o needs a folder", path=str(path))
    if path.is_dir() and any(path.iterdir()) and not force:
        names = sorted(p.name for p in path.iterdir())
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
        pid, owner_host = stale.name[len(path.name) + len(".partial-") + 1:].split("-")[:2]
        if not pid.isdigit() or int(pid) == os.getpid() or owner_host != host:
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass  # alive, but not ours to signal: leave it


@contextlib.contextmanager
def staged_output_dir(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a fresh staging folder; on success it replaces ``path`` atomically enough.

    On an exception (or Ctrl-C) the staging folder is deleted and ``path`` is
    left exactly as it was.
    """
    path = check_output_dir(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(path)
    # the owner in the name lets a later run tell a killed run's leftovers from a live one
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-{_owner_tag()}-",
                                    dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result should not be
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        os.replace(path, old / path.name)
    os.replace(staging, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
