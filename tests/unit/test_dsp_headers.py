"""The SIMD kernels' internal headers: no optimisation pragma leaks into the files that
include them, they build with a non-GNU compiler's preprocessor view, and every
assembly routine sits in its own file beside its C twin with a dispatch."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tinydeploy.resources import firmware_dir

RUNTIME = firmware_dir() / "runtime"


def test_no_header_changes_the_optimisation_level_of_its_includers() -> None:
    for h in RUNTIME.glob("*.h"):
        assert not re.search(r"^\s*#\s*pragma", h.read_text(), flags=re.M), h.name
    # the kernels that need -O2 say so before their first include
    for c in RUNTIME.glob("*.c"):
        text = c.read_text()
        if "#pragma GCC optimize" in text:
            for helpers in ("td_dsp.h", "td_mac.h"):  # inlined into the kernel: -O2 first
                if f'#include "{helpers}"' in text:
                    assert text.index("#pragma GCC optimize") < text.index(f'#include "{helpers}"'), c.name


def test_every_assembly_routine_has_a_c_twin_and_a_dispatch() -> None:
    routines = sorted(RUNTIME.glob("td_dsp_*_m4.h"))
    assert len(routines) == 8
    for asm in routines:
        twin = RUNTIME / asm.name.replace("_m4.h", ".h")
        text = twin.read_text()
        assert f'#include "{asm.name}"' in text, twin.name
        assert re.search(r"#if TD_DSP_ASM\n(#define \w+ \w+_m4\w*\n)+#else\n", text), twin.name
        assert "#if TD_DSP_ASM" in asm.read_text()  # only built where it can run
    for c in RUNTIME.glob("*_dsp*.c"):  # no #if inside an else-if chain
        assert not re.search(r"\n#if[^\n]*\n\s*\} else if", c.read_text()), c.name
        assert "__asm__" not in c.read_text(), c.name  # assembly lives in td_dsp_*_m4.h


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is needed")
def test_dsp_header_macros_are_defined_without_gnu_extensions(tmp_path) -> None:
    """With __GNUC__ undefined (another compiler's view) TD_REG_ARG and TD_TWIN still
    expand, and the routines compile as portable C."""
    src = tmp_path / "t.c"
    src.write_text(
        '#include "td_dsp_records.h"\n#include "td_dsp_fc_quad.h"\n'
        '#include "td_dsp_dw_vert22.h"\n#include "td_dsp_dw_widen4.h"\n'
        '#include "td_dsp_record2x2_w8.h"\n'
        "int f(TD_REG_ARG int x);\nint f(TD_REG_ARG int x) { return x; }\n"
    )
    r = subprocess.run(
        ["gcc", "-std=c99", "-U__GNUC__", "-Wno-builtin-macro-redefined", "-fsyntax-only", f"-I{RUNTIME}", str(src)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
