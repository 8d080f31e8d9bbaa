"""Run a converter in a child process, so that its crash cannot take the caller down.

TensorFlow's converter (and the ONNX/PyTorch front ends above it) are native code that
can die on a model it does not handle: a segfault quantizing a WHILE loop, an abort in
a shape check. Run in-process, that is exit code 139 and no message. Here the work runs
in ``python -c`` with this package importable; the caller gets its return value, its
TinyDeployError re-raised as the same class with the same fields, or one line built by
``crashed`` from the child's exit status and the last stage it announced with
:func:`stage`.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydeploy import errors
from tinydeploy.errors import TinyDeployError

_STAGE_ENV = "TINYDEPLOY_ISOLATE_STAGE"

_CHILD = r"""
import importlib, pickle, sys, traceback
from pathlib import Path
work = Path(sys.argv[1])
module, _, name = sys.argv[2].partition(":")
kwargs = pickle.loads((work / "args.pickle").read_bytes())
from tinydeploy.errors import TinyDeployError
try:
    value = getattr(importlib.import_module(module), name)(**kwargs)
    out = {"ok": value}
except TinyDeployError as exc:
    out = {"error": type(exc).__name__, "fields": exc.fields}
except BaseException as exc:
    out = {"bug": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
(work / "result.pickle").write_bytes(pickle.dumps(out))
"""


def stage(text: str, **facts: Any) -> None:
    """Announce what the child is about to do (read by the parent if the child crashes).

    Outside a child this does nothing. ``facts`` are plain JSON values (layer types, ...).
    """
    path = os.environ.get(_STAGE_ENV)
    if path:
        Path(path).write_text(json.dumps({"stage": text, **facts}))


def run_isolated(
    target: str,
    kwargs: dict[str, Any],
    crashed: Callable[[str, dict[str, Any]], TinyDeployError],
    timeout_s: float | None = None,
) -> Any:
    """Call ``target`` ("package.module:function") with ``kwargs`` in a child process.

    ``crashed(how, stage)`` builds the error raised when the child ends without a result
    (``how``: "crashed (signal 11)", "stopped (exit code 1: ...)", "did not finish within
    N s"; ``stage``: the last :func:`stage` dict, empty when none was announced).
    """
    with tempfile.TemporaryDirectory(prefix="tinydeploy-child-") as tmp:
        work = Path(tmp)
        (work / "args.pickle").write_bytes(pickle.dumps(kwargs))
        env = dict(os.environ, **{_STAGE_ENV: str(work / "stage.json")})
        root = str(Path(__file__).resolve().parents[2])  # this checkout first on the path
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(work), target],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout_s,
            )
            if proc.returncode < 0:
                how = f"crashed (signal {-proc.returncode})"
            else:  # the interpreter itself failed (out of memory, a broken install, ...)
                said = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
                tail = f": {said[0][:200]}" if said else ""
                how = f"stopped (exit code {proc.returncode}{tail})"
        except subprocess.TimeoutExpired:
            how = f"did not finish within {timeout_s:g} s"
        result = work / "result.pickle"
        if not result.exists():
            stage_file = work / "stage.json"
            last = json.loads(stage_file.read_text()) if stage_file.exists() else {}
            raise crashed(how, last)
        out = pickle.loads(result.read_bytes())
    if "ok" in out:
        return out["ok"]
    if "error" in out:
        cls = getattr(errors, out["error"], None)
        if isinstance(cls, type) and issubclass(cls, TinyDeployError):
            raise cls(**out["fields"])
        raise TinyDeployError(str(out["fields"].get("detail", out["error"])))
    # A bug in tinydeploy, not the user's fault: keep the child's traceback.
    raise RuntimeError(f"{target} failed in its child process: {out['bug']}\n{out['traceback']}")
