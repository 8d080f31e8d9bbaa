"""The .tflite flatbuffer as a C array (model_data.h / model_data.c)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tinydeploy import __version__
from tinydeploy.cgen import comment, hex_bytes, sanitize
from tinydeploy.templates import render


def write_c_array(raw: bytes, name: str, out_dir: Path, stem: str = "model_data") -> tuple[Path, Path]:
    """Write ``<stem>.h`` and ``<stem>.c`` holding ``raw``; returns both paths.

    The symbols are ``<ident>_tflite`` and ``<ident>_tflite_len``, ``ident``
    derived from the model name.
    """
    ident = sanitize(name, prefix="m_") + "_tflite"
    context = dict(
        version=__version__,
        source=comment(name),
        sha256=hashlib.sha256(raw).hexdigest(),
        ident=ident,
        header=f"{stem}.h",
        guard=sanitize(f"TD_{stem}_{name}_H").upper(),
    )
    header, source = out_dir / f"{stem}.h", out_dir / f"{stem}.c"
    header.write_text(render("model_data.h.j2", **context))
    source.write_text(render("model_data.c.j2", body=hex_bytes(raw), length=len(raw), **context))
    return header, source
