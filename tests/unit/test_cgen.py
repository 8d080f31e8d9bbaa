"""C identifiers and literals, and the model C array compiled by the host gcc."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tinydeploy.cgen import hex_bytes, sanitize, string_literal
from tinydeploy.model.carray import write_c_array


@pytest.mark.parametrize(
    "name, ident",
    [
        ("kws_ref_model", "kws_ref_model"),
        ("my-model v2.1", "my_model_v2_1"),
        ("2nd model", "m_2nd_model"),
        ("int", "m_int"),
        ("__x", "x"),
        ("???", "x"),
        ("ünïcode", "n_code"),
    ],
)
def test_model_identifier(name: str, ident: str) -> None:
    assert sanitize(name, prefix="m_") == ident


def test_string_literal_escapes() -> None:
    assert string_literal('a"b\\c') == '"a\\"b\\\\c"'
    assert string_literal("??=") == '"\\077\\077="'  # no trigraphs
    assert string_literal("line\n") == '"line\\012"'


def test_hex_bytes() -> None:
    assert hex_bytes(bytes([0, 255, 16]), per_line=2) == "  0x00, 0xff,\n  0x10,"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc is not installed")
def test_c_array_compiles_and_holds_the_bytes(tmp_path) -> None:
    raw = bytes(range(256)) * 3 + b"\x00tail"
    write_c_array(raw, "9 weird-name", tmp_path)
    main = tmp_path / "main.c"
    main.write_text(
        '#include <stdio.h>\n#include <stdint.h>\n#include "model_data.h"\n'
        "int main(void) {\n"
        "  if (((uintptr_t)m_9_weird_name_tflite) % 16 != 0) return 2;\n"
        "  fwrite(m_9_weird_name_tflite, 1, m_9_weird_name_tflite_len, stdout);\n"
        "  return 0;\n}\n"
    )
    exe = tmp_path / "dump"
    subprocess.run(
        ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-o", str(exe), str(main), str(tmp_path / "model_data.c")],
        check=True,
    )
    out = subprocess.run([str(exe)], capture_output=True, check=True).stdout
    assert out == raw
