"""C literals and identifiers: the one place tinydeploy turns Python values into C text.

Templates hold only structure; every identifier they print went through
:func:`c_identifier` and every array body through the formatters here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

C_RESERVED = frozenset("""
auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic
_Imaginary _Noreturn _Static_assert _Thread_local bool true false NULL main
""".split())


def c_identifier(name: str, prefix: str = "m_") -> str:
    """A valid, non-reserved C identifier derived from ``name`` (deterministic)."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", name)
    ident = re.sub(r"_+", "_", ident).strip("_") or "model"
    if ident[0].isdigit() or ident in C_RESERVED or ident.startswith("__"):
        ident = prefix + ident
    return ident


def c_string(text: str) -> str:
    """A C string literal; non-printable and non-ASCII bytes become escapes."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F and ch != "?":  # '?' avoids trigraphs
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def c_hex_bytes(data: bytes, per_line: int = 16, indent: str = "  ") -> str:
    """Array body for bytes: ``0x1c, 0x00, ...`` lines of ``per_line`` values."""
    lines = []
    for start in range(0, len(data), per_line):
        chunk = data[start:start + per_line]
        lines.append(indent + ", ".join(f"0x{b:02x}" for b in chunk) + ",")
    return "\n".join(lines)


def c_int_array(values: Iterable[int] | np.ndarray, per_line: int = 16, indent: str = "  ") -> str:
    """Array body for integers, in decimal."""
    vals = [int(v) for v in np.asarray(values).ravel()]
    lines = []
    for start in range(0, len(vals), per_line):
        lines.append(indent + ", ".join(str(v) for v in vals[start:start + per_line]) + ",")
    return "\n".join(lines)
