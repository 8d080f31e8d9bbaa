"""Safe code generation: model and tensor names with C-special characters, comment
terminators, trigraphs, newlines, very long, non-ASCII, reserved or duplicate names.
The generated C stays valid, every identifier is sanitised and unique, and the
firmware built from it still matches tflite-micro."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import flatbuffers
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

from tinydeploy.cli import main
from tinydeploy import cgen
from tinydeploy.resources import firmware_dir

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
AD = REPO.parent / "shared" / "models" / "mlperf-tiny" / "ad01_int8.tflite"
NASTY = [
    "*/ int evil = 1; /*",
    "a\nb\r\nc // d",
    '"quoted" \\ back\\slash\\',
    "ends in ??/",
    "int",
    "return",
    "main",
    "__reserved",
    "_Bool",
    "#define X 1",
    "%s%n%x",
    "Ω名前 ünïcödé 🙂",
    "x" * 5000,
    "",
    "tab\there",
    "\x00nul\x01ctl\x7f",
    "??=??(??)",
    "same",
    "same",
    "same",
]
# a file name can hold anything but '/' and NUL
NASTY_FILE = 'we*ird "na\\me ü\n?? int'
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a host C compiler (cc)")


# ---------------------------------------------------------------- the emitters


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_sanitize_gives_valid_unique_identifiers(name: str) -> None:
    ident = cgen.sanitize(name)
    assert IDENT.match(ident) and ident not in cgen.C_RESERVED and not ident.startswith("__")
    assert len(ident) <= cgen.MAX_IDENTIFIER
    assert cgen.sanitize(name) == ident  # deterministic
    longer = name + "x" * 60
    assert cgen.sanitize(longer) != cgen.sanitize(longer + "y")  # long names stay distinct


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_comment_text_cannot_escape_a_comment(text: str) -> None:
    c = cgen.comment(text)
    assert all(0x20 <= ord(ch) < 0x7F for ch in c)
    assert "*/" not in c and "/*" not in c and "??" not in c and not c.endswith("\\")


@needs_cc
def test_literals_and_comments_compile_and_read_back(tmp_path: Path) -> None:
    """Every nasty name as a string literal, in /* */ and in // comments, in one C program
    built with -std=c99 (trigraphs on) -Wall -Werror: it prints the bytes back."""
    lines = ["#include <stdio.h>", "static const char *const names[] = {"]
    for name in NASTY:
        lines.append(f"  /* {cgen.comment(name)} */ {cgen.string_literal(name)},  // {cgen.comment(name)}")
    lines += [
        "};",
        "int main(void) {",
        "  unsigned i; const unsigned char *p;",
        "  for (i = 0; i < sizeof names / sizeof names[0]; i++) {",
        '    for (p = (const unsigned char *)names[i]; *p; p++) printf("%02x", *p);',
        '    printf("\\n");',
        "  }",
        "  return 0;",
        "}",
    ]
    src = tmp_path / "names.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "names"
    subprocess.run(
        ["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", str(src), "-o", str(exe)], check=True, capture_output=True
    )
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split("\n")
    for name, hexed in zip(NASTY, out):
        assert bytes.fromhex(hexed) == name.encode("utf-8").split(b"\x00")[0]


# ---------------------------------------------------------------- a real model, renamed


def _renamed_model(tmp_path: Path) -> Path:
    if not AD.is_file():
        pytest.skip(f"MLPerf Tiny model {AD} is absent (../shared/models/mlperf-tiny)")
    m = fb.ModelT.InitFromObj(fb.Model.GetRootAs(AD.read_bytes(), 0))
    for i, t in enumerate(m.subgraphs[0].tensors):
        t.name = NASTY[i % len(NASTY)].encode("utf-8")
    m.subgraphs[0].name = NASTY[0].encode()
    m.description = NASTY[1].encode()
    b = flatbuffers.Builder(1 << 16)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    path = tmp_path / f"{NASTY_FILE}.tflite"
    path.write_bytes(bytes(b.Output()))
    return path


@pytest.mark.slow
@needs_cc
def test_compiled_model_with_nasty_names_is_valid_c(tmp_path: Path, capsys) -> None:
    model = _renamed_model(tmp_path)
    out = tmp_path / "compiled"
    assert main(["compile", str(model), "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ops"] > 0  # bit-exactness: the flash test below
    c_text = (out / "model.c").read_text()
    assert c_text.isascii()
    # no name escaped its comment: every "*/" closes a comment we opened
    assert c_text.count("/*") == c_text.count("*/")
    for line in c_text.splitlines():
        assert "evil = 1" not in line or line.lstrip().startswith("/*"), line
    idents = re.findall(r"^static const \w+ (\w+)(?:\[| =)", c_text, flags=re.M)
    assert idents and len(idents) == len(set(idents))
    assert all(IDENT.match(i) for i in idents)
    # strict compile of the generated C on its own
    rt = firmware_dir() / "runtime"
    subprocess.run(
        [
            "cc",
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-c",
            f"-I{out}",
            f"-I{out / 'runtime'}",
            f"-I{rt}",
            str(out / "model.c"),
            "-o",
            str(tmp_path / "model.o"),
        ],
        check=True,
        capture_output=True,
    )
    h_text = (out / "model.h").read_text()
    assert h_text.isascii() and "\\n" not in h_text.split("TD_MODEL_NAME")[0]


@pytest.mark.slow
@needs_cc
def test_host_firmware_with_nasty_names_runs(tmp_path: Path, capsys) -> None:
    """The whole pipeline on the host board: the name reaches td-info intact (JSON) and
    the EEMBC profile line stays one printable line."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    model = _renamed_model(tmp_path)
    assert (
        main(
            [
                "flash",
                str(model),
                "--board",
                "host",
                "--check",
                "3",
                "--runs",
                "1",
                "-o",
                str(tmp_path / "fw"),
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["check"]["exact_match_rate"] == 1.0
    # the device decodes the UTF-8 name and sends \uXXXX escapes: one ASCII line, the
    # name comes back as it was
    assert report["device_info"]["model"] == NASTY_FILE


def test_tflm_and_platformio_files_keep_names_in_comments(tmp_path: Path, tflm_source: Path) -> None:
    """runtime tflm: model_data.c/.h, tflm_model.cc and platformio.ini with a name holding
    a newline, a comment terminator and a trigraph: each name stays on its comment line."""
    model = _renamed_model(tmp_path)
    out = tmp_path / "gen"
    assert main(["generate", str(model), "--board", "nano33ble", "--runtime", "tflm", "-o", str(out)]) == 0
    files = {
        p.name: p.read_text() for p in out.rglob("*") if p.is_file() and p.suffix in (".c", ".h", ".cc", ".ini", ".cpp")
    }
    for name in ("model_data.c", "model_data.h", "tflm_model.cc", "platformio.ini"):
        text = files[name]
        assert text.isascii(), name
        first = text.splitlines()[0]
        assert first.startswith(("/*", "//", ";")), (name, first)
        assert "??" not in first
        if first.startswith("/*"):
            assert first.endswith("*/") and first.count("*/") == 1, (name, first)
    if shutil.which("cc"):
        src = next(out.rglob("model_data.c"))
        subprocess.run(
            ["cc", "-std=c99", "-Wall", "-Werror", "-c", f"-I{src.parent}", str(src), "-o", str(tmp_path / "md.o")],
            check=True,
            capture_output=True,
        )
