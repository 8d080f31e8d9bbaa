"""Capture what native code (TensorFlow, TFLite Micro) writes to fd 1 and 2.

Python-level redirection does not see C/C++ writes, so the file descriptors
themselves are pointed at a temporary file for the duration of the block. With
``tinydeploy --debug`` (TINYDEPLOY_DEBUG set) the captured text is also written to
stderr afterwards: TensorFlow's own log lines are silenced unless asked for.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import tempfile
from collections.abc import Iterator


def _flush_c_stdio() -> None:
    # C stdio buffers stdout when it is not a terminal; flush it into the capture.
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


class Captured:
    text: str = ""


@contextlib.contextmanager
def capture_native_output(fds: tuple[int, ...] = (1, 2)) -> Iterator[Captured]:
    result = Captured()
    _flush_c_stdio()
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = {fd: os.dup(fd) for fd in fds}
        py_text = io.StringIO()  # Python-level prints (Keras prints to sys.stdout)
        try:
            for fd in fds:
                os.dup2(tmp.fileno(), fd)
            with contextlib.redirect_stdout(py_text), contextlib.redirect_stderr(py_text):
                yield result
        finally:
            _flush_c_stdio()
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            tmp.seek(0)
            result.text = tmp.read().decode("utf-8", "replace") + py_text.getvalue()
            if os.environ.get("TINYDEPLOY_DEBUG") and result.text:
                sys.stderr.write(result.text)
                sys.stderr.flush()
