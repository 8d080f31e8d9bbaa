"""The kernel registry (tinydeploy/compile/kernels.py) is the one definition of the
kernels' params structs, files, code paths and variants; C and Python agree with it."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import pytest

from tinydeploy.compile import dsp, kernels
from tinydeploy.resources import firmware_dir

RUNTIME = firmware_dir() / "runtime"


def test_committed_td_params_h_is_what_the_registry_generates() -> None:
    committed = (RUNTIME / kernels.HEADER_NAME).read_text()
    assert committed == kernels.header(), "firmware/runtime/td_params.h is stale: run python scripts/gen_td_params.py"
    assert kernels.main([]) == 0  # the --check mode agrees


def test_every_kernel_has_its_files_prototype_and_one_struct() -> None:
    public = (RUNTIME / "td_kernels.h").read_text()
    params_h = (RUNTIME / kernels.HEADER_NAME).read_text()
    assert "typedef struct" not in public  # every params struct comes from td_params.h
    for k in kernels.KERNELS.values():
        for f in k.files:
            assert (RUNTIME / f).is_file(), (k.name, f)
        assert re.search(rf"td_status {k.name}\(const {k.params.C_NAME} \*p", public), k.name
        assert k.files[0].endswith(".c"), k.name  # the kernel's own C file comes first
        if k.rows:
            assert f"td_status {k.rows}(" in public
        for variant in k.simd + ((k.packed,) if k.packed else ()):
            assert variant in kernels.KERNELS, variant
    for cls in kernels.PARAMS:
        assert params_h.count(f"}} {cls.C_NAME};") == 1
        for f in dataclasses.fields(cls):
            assert f.metadata["ctype"], (cls.C_NAME, f.name)


def test_each_kernel_lists_every_runtime_file_its_sources_include() -> None:
    """The files a compiled model copies (runtime_files) are enough to build it."""
    for k in kernels.KERNELS.values():
        have = set(kernels.runtime_files([k.name]))
        todo = [f for f in have if f.endswith((".c", ".h"))]
        while todo:
            text = (RUNTIME / todo.pop()).read_text()
            for inc in re.findall(r'^#include "([^"]+)"', text, flags=re.M):
                if inc == "td_features.h":  # written next to model.c by the compiler
                    continue
                assert inc in have, f"{k.name}: {inc} is included but not in its files"


def test_dsp_converters_cover_exactly_the_kernels_with_simd_variants() -> None:
    assert set(dsp.CONVERTERS) == {k.name for k in kernels.KERNELS.values() if k.simd}


def test_codec_ids_and_paths_are_in_c_and_python_once() -> None:
    import importlib

    lower = importlib.import_module("tinydeploy.compile.lower")
    assert (lower.CODEC_S8, lower.CODEC_S4, lower.CODEC_LUT) == (0, 1, 2)
    header = (RUNTIME / kernels.HEADER_NAME).read_text()
    for name, value in kernels.CODECS.items():
        assert f"#define {name} {value}\n" in header
    dsp_h = (RUNTIME / "td_dsp.h").read_text()
    for name in kernels.PATHS:
        assert f"#define {name} 1" in header and name not in dsp_h


def test_params_are_held_to_the_registry_fields() -> None:
    good = {f.name: 0 for f in dataclasses.fields(kernels.PoolParams)}
    kernels.check_params("td_max_pool2d_s8", "td_pool_params", good)
    bad = dict(good)
    del bad["pad_w"]
    bad["padding"] = 1
    with pytest.raises(ValueError, match=r"missing \['pad_w'\], unknown \['padding'\]"):
        kernels.check_params("td_max_pool2d_s8", "td_pool_params", bad)
    with pytest.raises(ValueError, match="the registry says td_pool_params"):
        kernels.check_params("td_max_pool2d_s8", "td_conv_params", good)
    with pytest.raises(KeyError, match="not in the registry"):
        kernels.kernel("td_gru_s8")


def test_runtime_files_follow_the_registry() -> None:
    files = kernels.runtime_files(["td_conv2d_packed", "td_add_s8_dsp"])
    assert files[: len(kernels.COMMON_RUNTIME)] == list(kernels.COMMON_RUNTIME)
    assert {"td_conv2d_packed.c", "td_unpack_weights.c", "td_conv2d_s8.c", "td_add_s8_dsp.c", "td_dsp.h"} <= set(files)
    assert "td_dsp.h" not in kernels.runtime_files(["td_softmax_s8"])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is needed")
def test_c_structs_have_the_registry_fields_in_order(tmp_path) -> None:
    """Compiled C: every registry field exists in its struct, in registry order."""
    checks = ["#include <stddef.h>", '#include "td_kernels.h"']
    for cls in kernels.PARAMS:
        names = [f.name for f in dataclasses.fields(cls)]
        for a, b in zip(names, names[1:]):
            checks.append(
                f'_Static_assert(offsetof({cls.C_NAME}, {a}) < offsetof({cls.C_NAME}, {b}), "{cls.C_NAME}.{b}");'
            )
    src = tmp_path / "t.c"
    src.write_text("\n".join(checks) + "\n")
    r = subprocess.run(
        ["gcc", "-std=c11", "-Wall", "-Werror", "-c", f"-I{RUNTIME}", str(src), "-o", str(tmp_path / "t.o")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr


def test_dtype_codes_match_td_model_h() -> None:
    """td_cast_params carries td_model.h's td_dtype values: the compiler's copy of them
    (lower_typed.TD_DTYPE_IDS) and the emitter's names (emit.TD_DTYPES) agree with the
    enum, which is at API version 3 (2: TD_INT32, TD_BOOL; 3: TD_INT16); CAST takes all
    five."""
    from tinydeploy.compile.emit import TD_DTYPES
    from tinydeploy.compile.lower_typed import TD_DTYPE_IDS

    text = (RUNTIME / "td_model.h").read_text()
    decl = text.split("} td_dtype;")[0].rsplit("typedef enum", 1)[1]
    enum = {name: int(v) for name, v in re.findall(r"(TD_[A-Z0-9]+) = (\d+)", decl)}
    assert enum == {"TD_INT8": 0, "TD_FLOAT32": 1, "TD_INT32": 2, "TD_BOOL": 3, "TD_INT16": 4}
    assert {TD_DTYPES[t]: v for t, v in TD_DTYPE_IDS.items()} == enum
    assert TD_DTYPES["int16"] == "TD_INT16"
    assert "#define TD_MODEL_API_VERSION 3" in text
