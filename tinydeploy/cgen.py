"""C text: the one place in tinydeploy where Python values become C literals.

Used by the AOT compiler, the model C arrays and the TFLite Micro variant.
Templates print only what this module returns. Identifiers are validated
against C's reserved words (and our own ``td_`` namespace); integers are checked
against their C type's range; floats are printed so that they read back as the
same float32.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np

C_RESERVED = frozenset(
    """
auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic
_Imaginary _Noreturn _Static_assert _Thread_local bool true false NULL main
int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t size_t
""".split()
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RANGES = {
    "int8_t": (-128, 127),
    "int16_t": (-32768, 32767),
    "int64_t": (-(1 << 63), (1 << 63) - 1),
    "int32_t": (-(1 << 31), (1 << 31) - 1),
    "uint32_t": (0, (1 << 32) - 1),
    "uint8_t": (0, 255),
}


class CGenError(ValueError):
    """A value that cannot be written as the requested C literal or identifier."""


def identifier(name: str) -> str:
    """Validate a C identifier we chose (op0_filter, ...); raise on anything else."""
    if not _IDENT.match(name) or name in C_RESERVED or name.startswith("__"):
        raise CGenError(f"{name!r} is not a usable C identifier")
    return name


MAX_IDENTIFIER = 40  # C99 promises 63 significant characters (31 for external names)


def sanitize(name: str, prefix: str = "t_") -> str:
    """A deterministic identifier derived from free text (a tensor name).

    Names longer than MAX_IDENTIFIER keep their start plus 8 hex digits of their
    sha256, so two long names sharing a prefix stay distinct.
    """
    ident = re.sub(r"[^0-9A-Za-z_]", "_", name)
    ident = re.sub(r"_+", "_", ident).strip("_") or "x"
    if ident[0].isdigit() or ident in C_RESERVED or ident.startswith("__"):
        ident = prefix + ident
    if len(ident) > MAX_IDENTIFIER:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        ident = ident[: MAX_IDENTIFIER - 9].rstrip("_") + "_" + digest
    return identifier(ident)


def int_literal(value: int, ctype: str = "int32_t") -> str:
    v = int(value)
    lo, hi = _RANGES[ctype]
    if not lo <= v <= hi:
        raise CGenError(f"{v} does not fit {ctype}")
    if ctype == "int32_t" and v == lo:
        return "INT32_MIN"
    if ctype == "int64_t":  # 16x8 models' biases
        return "INT64_MIN" if v == lo else f"INT64_C({v})"
    return str(v) + ("u" if ctype == "uint32_t" else "")


def float_literal(value: float) -> str:
    """A float32 literal that reads back bit-exactly (9 significant digits)."""
    f = np.float32(value)
    if not np.isfinite(f):
        raise CGenError(f"{value!r} is not a finite float")
    text = f"{float(f):.9g}"
    if not any(ch in text for ch in ".e"):
        text += ".0"
    if np.float32(float(text)) != f:  # pragma: no cover - 9 digits always round-trip
        raise CGenError(f"{value!r} does not round-trip")
    return text + "f"


def string_literal(text: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F and ch != "?":
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def comment(text: str) -> str:
    """Text safe inside /* ... */, // or ; comments on one line: printable ASCII only, no
    comment delimiters, no trigraph (``??/`` would splice lines), no trailing backslash."""
    text = re.sub(r"[^\x20-\x7e]", "?", text).replace("*/", "* /").replace("/*", "/ *")
    return re.sub(r"\?(?=\?)", "?_", text).rstrip("\\")


def array_body(values: np.ndarray, ctype: str, per_line: int = 16, indent: str = "  ") -> str:
    vals = np.asarray(values).ravel()
    lo, hi = _RANGES[ctype]
    if vals.size and (int(vals.min()) < lo or int(vals.max()) > hi):
        raise CGenError(f"array values out of range for {ctype}")
    items = [int_literal(v, ctype) for v in vals.tolist()]
    lines = [indent + ", ".join(items[i : i + per_line]) + "," for i in range(0, len(items), per_line)]
    return "\n".join(lines) if lines else indent + "0,"


def initializer(value: Any, refs: set[str]) -> str:
    """A struct/array field initializer: int, float, name of a const array, NULL, dict, list."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return int_literal(int(value))
    if isinstance(value, (float, np.floating)):
        return float_literal(float(value))
    if isinstance(value, str):
        if value not in refs:
            raise CGenError(f"{value!r} names no constant array")
        return identifier(value)
    if isinstance(value, dict):
        return struct_initializer(value, refs)
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(initializer(v, refs) for v in value) + "}"
    raise CGenError(f"cannot write {value!r} as C")


def struct_initializer(fields: dict[str, Any], refs: set[str], indent: str = "") -> str:
    parts = [f".{identifier(k)} = {initializer(v, refs)}" for k, v in fields.items()]
    if not indent:
        return "{" + ", ".join(parts) + "}"
    return "{\n" + "".join(f"{indent}{p},\n" for p in parts) + "}"


def hex_bytes(data: bytes, per_line: int = 16, indent: str = "  ") -> str:
    """Array body for raw bytes: ``0x1c, 0x00, ...`` lines of ``per_line`` values."""
    lines = [
        indent + ", ".join(f"0x{b:02x}" for b in data[i : i + per_line]) + "," for i in range(0, len(data), per_line)
    ]
    return "\n".join(lines) if lines else indent + "0,"
