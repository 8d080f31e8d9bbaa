"""TFLite Micro built by tinydeploy: the library tree and libtflm.a per core and kernel set.

The tree is TFLM's own project generation (create_tflm_tree.py: exactly the library's
sources and headers for a target and kernel set). Make boards link a libtflm.a built
from that tree with the board's CPU flags; PlatformIO boards get the tree itself as a
library folder. Both are cached under cache_root(), keyed by revision, core, kernel set
and (for the library) compiler version and flags, and built under a lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tinydeploy.errors import ConfigError, ToolchainError
from tinydeploy.tflm.pins import TFLM_COMMIT
from tinydeploy.tflm.source import cache_root, find_source, locked, progress

KERNEL_SETS = ("reference", "cmsis_nn")

# Defines that TFLM's sources and every file including TFLM headers must agree on.
# TF_LITE_STATIC_MEMORY changes TfLiteTensor's layout: the application's build flags
# and the library's come from this one tuple (and layout() checks the result).
DEFINES = ("TF_LITE_STATIC_MEMORY", "TF_LITE_DISABLE_X86_NEON", "TF_LITE_STRIP_ERROR_STRINGS", "NDEBUG")
KERNEL_DEFINES = {"reference": (), "cmsis_nn": ("CMSIS_NN", "KERNELS_OPTIMIZED_FOR_SPEED")}
# Include folders, relative to the tree.
INCLUDES = (".", "third_party/flatbuffers/include", "third_party/gemmlowp", "third_party/ruy", "third_party/kissfft")
KERNEL_INCLUDES = {
    "reference": (),
    "cmsis_nn": ("third_party/cmsis_nn", "third_party/cmsis_nn/Include", "third_party/cmsis/CMSIS/Core/Include"),
}
CXXFLAGS = (
    "-std=c++17 -fno-rtti -fno-exceptions -fno-threadsafe-statics -fno-use-cxa-atexit "
    "-ffunction-sections -fdata-sections"
)
CFLAGS = "-std=c11 -ffunction-sections -fdata-sections"
# The same optimisation as the firmware around it (fw_Makefile.j2's OPT).
OPT = "-Os"

# The TfLiteTensor facts tflm_model.cc relies on; the application static_asserts them.
LAYOUT_FIELDS = ("type", "data", "dims", "params", "bytes")


@dataclass(frozen=True)
class TflmBuild:
    root: Path  # the generated library tree (headers)
    lib: Path  # libtflm.a for this core, kernel set and flags
    includes: tuple[Path, ...]
    defines: tuple[str, ...]
    kernels: str
    layout: dict[str, int]  # sizeof(TfLiteTensor) and field offsets, as the library sees them


def check_kernels(kernels: str, option: str = "--tflm-kernels") -> str:
    if kernels not in KERNEL_SETS + ("auto",):
        raise ConfigError(f"must be auto, {' or '.join(KERNEL_SETS)}, not {kernels!r}", where=option)
    return kernels


def default_kernels(cpu: str) -> str:
    """CMSIS-NN on every Cortex-M (TFLM's cortex_m_generic supports it), reference elsewhere."""
    return "cmsis_nn" if cpu.startswith("cortex-m") else "reference"


def defines(kernels: str) -> tuple[str, ...]:
    return DEFINES + KERNEL_DEFINES[kernels]


def _arm_toolchain() -> Path:
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        raise ToolchainError(
            "not found on PATH; install it (Debian: gcc-arm-none-eabi) to build TFLite Micro for Cortex-M",
            tool="arm-none-eabi-gcc",
        )
    return Path(gcc).parent


def _makefile_options(cpu: str, kernels: str) -> list[str]:
    opts = []
    if cpu.startswith("cortex-m"):
        opts += ["TARGET=cortex_m_generic", f"TARGET_ARCH={cpu}", f"TARGET_TOOLCHAIN_ROOT={_arm_toolchain()}/"]
    if kernels == "cmsis_nn":
        opts.append("OPTIMIZED_KERNEL_DIR=cmsis_nn")
    return opts


def library_tree(cpu: str, kernels: str, source: str | Path | None = None) -> Path:
    """The TFLM library tree (sources + headers) for ``cpu`` ('host' or cortex-mN) and
    ``kernels``, generated once by TFLM's create_tflm_tree.py."""
    dest = cache_root() / "tree" / f"{TFLM_COMMIT[:12]}-{cpu}-{kernels}"
    with locked(dest):
        if (dest / "tensorflow/lite/micro/micro_interpreter.h").is_file():
            _complete_cmsis(dest, kernels, source)
            return dest
        root = find_source(source)
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".tree-"))
        script = root / "tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py"
        # TFLM's Makefile runs `python3` (with numpy and Pillow) while it parses: ours.
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        proc = subprocess.run(
            [
                sys.executable,
                str(script),
                str(tmp / "t"),
                "--makefile_options",
                " ".join(_makefile_options(cpu, kernels)),
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0 or not (tmp / "t/tensorflow").is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ToolchainError(f"create_tflm_tree.py failed for {cpu}/{kernels}: {tail[0]}", tool="tflm")
        (tmp / "t").rename(dest)
        shutil.rmtree(tmp, ignore_errors=True)
        _complete_cmsis(dest, kernels, source)
    return dest


_CMSIS_CORE = "cmsis/CMSIS/Core/Include"


def _complete_cmsis(tree: Path, kernels: str, source: str | Path | None) -> None:
    """create_tflm_tree.py lists CMSIS's core headers but not their m-profile/ folder,
    which cmsis_gcc.h includes: copy the whole folder from the source."""
    if kernels != "cmsis_nn" or (tree / "third_party" / _CMSIS_CORE / "m-profile").is_dir():
        return
    from tinydeploy.tflm.source import DOWNLOADS

    shutil.copytree(
        find_source(source) / DOWNLOADS / _CMSIS_CORE, tree / "third_party" / _CMSIS_CORE, dirs_exist_ok=True
    )


def _compilers(cpu: str) -> tuple[str, str]:
    if cpu == "host":
        return os.environ.get("CC", "cc"), os.environ.get("CXX", "c++")
    tc = _arm_toolchain()
    return str(tc / "arm-none-eabi-gcc"), str(tc / "arm-none-eabi-g++")


def _version(compiler: str) -> str:
    try:
        return subprocess.run([compiler, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[
            0
        ]
    except (OSError, subprocess.CalledProcessError, IndexError):
        raise ToolchainError("not found or not working; install it to build TFLite Micro", tool=compiler) from None


_LIB_MAKEFILE = """\
# Generated by tinydeploy: objects of TFLite Micro {commit}, archived as libtflm.a.
# `make OBJS="obj/x.o ..."` compiles the objects asked for (those already here are kept).
TREE = {tree}
CC = {cc}
CXX = {cxx}
FLAGS = {cpu_flags} {opt} {defines} {includes}

objs: $(OBJS)

obj/%.o: $(TREE)/%.cc
\t@mkdir -p $(dir $@)
\t@$(CXX) {cxxflags} $(FLAGS) -w -c $< -o $@.tmp && mv $@.tmp $@

obj/%.o: $(TREE)/%.c
\t@mkdir -p $(dir $@)
\t@$(CC) {cflags} $(FLAGS) -w -c $< -o $@.tmp && mv $@.tmp $@
"""

KERNELS_DIR = "tensorflow/lite/micro/kernels"
# Library sources no firmware of ours links: tests' helpers, the signal library
# (audio front-end ops, not TFLite builtins) and the Ethos-U / compression decoders.
_NEVER = re.compile(
    r"^(signal/|.*test_helper|.*mock_micro_graph|.*fake_micro_context|"
    rf"{KERNELS_DIR}/(kernel_runner|ethosu|decode|decompress))"
)
# Kernel helpers every kernel may call (they register no op).
_KERNEL_HELPERS = ("kernel_util", "micro_tensor_utils")
# Kernels whose code is spread beyond <kernel>.cc and <kernel>_common.cc.
_KERNEL_EXTRA = {"unidirectional_sequence_lstm": ("lstm_eval", "lstm_eval_common"), "svdf": ("lstm_eval",)}
_REGISTER_DEFAULT = re.compile(r"TfLiteStatus Add(\w+)\([^)]*?Register_(\w+)\(\)", re.S)
_REGISTER_DEF = re.compile(r"^TFLMRegistration\*?\s+Register_(\w+)\s*\(\s*\)\s*\{", re.M)


def select_sources(tree: Path, methods: list[str] | None) -> list[str]:
    """The tree's sources (relative paths) a firmware needs: the interpreter core, the
    third-party C code, and the kernels behind ``methods`` (MicroMutableOpResolver
    Add* methods, e.g. "AddConv2D"); every kernel when ``methods`` is None."""
    every = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.suffix in (".cc", ".c") and p.is_file())
    every = [f for f in every if not _NEVER.match(f)]
    core = [f for f in every if not f.startswith(KERNELS_DIR + "/")]
    kernels = [f for f in every if f.startswith(KERNELS_DIR + "/")]
    if methods is None:
        return core + kernels
    resolver = (tree / "tensorflow/lite/micro/micro_mutable_op_resolver.h").read_text()
    registers = dict(_REGISTER_DEFAULT.findall(resolver))
    defined = {}
    for f in kernels:
        for name in _REGISTER_DEF.findall((tree / f).read_text(errors="replace")):
            defined.setdefault(name, f)
    stems = set(_KERNEL_HELPERS)
    for method in methods:
        reg = registers.get(method.removeprefix("Add"))
        if reg is None or reg not in defined:
            raise ToolchainError(f"no kernel source for {method} in TFLite Micro {TFLM_COMMIT[:12]}", tool="tflm")
        stem = Path(defined[reg]).stem
        stems.update((stem, f"{stem}_common", *_KERNEL_EXTRA.get(stem, ())))
    return core + [f for f in kernels if Path(f).stem in stems]


def _flag_text(cpu_flags: str, kernels: str, tree: Path) -> tuple[str, str]:
    defs = " ".join(f"-D{d}" for d in defines(kernels))
    incs = " ".join(f"-I{tree / i}" for i in INCLUDES + KERNEL_INCLUDES[kernels])
    return defs, incs


def _obj(src: str) -> str:
    return "obj/" + src.rsplit(".", 1)[0] + ".o"


def build_library(
    cpu: str,
    cpu_flags: str,
    kernels: str,
    source: str | Path | None = None,
    methods: list[str] | None = None,
    jobs: int = 2,
) -> TflmBuild:
    """libtflm.a for ``cpu`` built with ``cpu_flags`` (the firmware's own, so the float ABI
    matches), holding at least the core and the kernels behind ``methods`` (resolver Add*
    names; None: every kernel). Objects are cached per core, kernel set, compiler and
    flags and compiled on demand: the first build prints a progress line."""
    kernels = default_kernels(cpu) if kernels == "auto" else check_kernels(kernels)
    tree = library_tree(cpu, kernels, source)
    cc, cxx = _compilers(cpu)
    defs, incs = _flag_text(cpu_flags, kernels, tree)
    key_text = "\n".join([TFLM_COMMIT, cpu, kernels, _version(cxx), cpu_flags, OPT, defs, CXXFLAGS, CFLAGS])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    out = cache_root() / "lib" / f"{TFLM_COMMIT[:12]}-{cpu}-{kernels}-{key}"
    includes = tuple(tree / i for i in INCLUDES + KERNEL_INCLUDES[kernels])
    wanted = [_obj(f) for f in select_sources(tree, methods)]
    with locked(out):
        lib, layout_file = out / "libtflm.a", out / "layout.json"
        missing = [o for o in wanted if not (out / o).is_file()]
        if missing or not lib.is_file():
            out.mkdir(parents=True, exist_ok=True)
            (out / "Makefile").write_text(
                _LIB_MAKEFILE.format(
                    commit=TFLM_COMMIT,
                    tree=tree,
                    cc=cc,
                    cxx=cxx,
                    cpu_flags=cpu_flags,
                    opt=OPT,
                    defines=defs,
                    includes=incs,
                    cxxflags=CXXFLAGS,
                    cflags=CFLAGS,
                )
            )
            progress(
                f"tinydeploy: compiling {len(missing)} TFLite Micro {TFLM_COMMIT[:12]} "
                f"sources for {cpu} ({kernels} kernels) into {out} ..."
            )
            t0 = time.monotonic()
            (out / "objs.txt").write_text(" ".join(missing))
            proc = subprocess.run(
                ["make", f"-j{jobs}", "-s", f"OBJS={' '.join(missing)}"], cwd=out, capture_output=True, text=True
            )
            if proc.returncode != 0:
                first = next((ln for ln in proc.stderr.splitlines() if "error" in ln), proc.stderr.strip()[-300:])
                raise ToolchainError(
                    f"compiling TFLite Micro for {cpu} failed: {first} (see {out}/Makefile)", tool="tflm"
                )
            # Every object compiled so far (a superset of this model's): the linker
            # takes only what the firmware references.
            ar = "ar" if cpu == "host" else str(Path(cxx).parent / "arm-none-eabi-ar")
            objs = sorted(str(p.relative_to(out)) for p in (out / "obj").rglob("*.o"))
            tmp = out / "libtflm.a.tmp"
            tmp.unlink(missing_ok=True)
            # q (append), not r: two objects share a name (kernel_util.o) in two folders
            subprocess.run([ar, "qcs", str(tmp), *objs], cwd=out, check=True)
            tmp.rename(lib)
            progress(f"tinydeploy: TFLite Micro compiled in {time.monotonic() - t0:.0f} s")
        if not layout_file.is_file():
            layout_file.write_text(json.dumps(probe_layout(cxx, cpu_flags, kernels, tree)))
        layout = json.loads(layout_file.read_text())
    return TflmBuild(tree, lib, includes, defines(kernels), kernels, layout)


_PROBE = """\
#include <stddef.h>
#include "tensorflow/lite/c/common.h"
extern const unsigned long td_tflm_layout[];
const unsigned long td_tflm_layout[] = {{ sizeof(TfLiteTensor), {offsets} }};
"""


def probe_layout(cxx: str, cpu_flags: str, kernels: str, tree: Path) -> dict[str, int]:
    """sizeof(TfLiteTensor) and the LAYOUT_FIELDS offsets as the compiler sees them with
    the library's defines: read from the assembly of a two-line probe (no target run)."""
    defs, incs = _flag_text(cpu_flags, kernels, tree)
    offsets = ", ".join(f"offsetof(TfLiteTensor, {f})" for f in LAYOUT_FIELDS)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "probe.cc"
        src.write_text(_PROBE.format(offsets=offsets))
        proc = subprocess.run(
            f"{cxx} {CXXFLAGS} {cpu_flags} {defs} {incs} -O0 -S -o - {src}", shell=True, capture_output=True, text=True
        )
    if proc.returncode != 0:
        raise ToolchainError(f"the TFLM layout probe did not compile: {proc.stderr.strip()[-300:]}", tool="tflm")
    body = proc.stdout.split("td_tflm_layout:", 1)[-1]
    values = [
        int(v, 0) for v in re.findall(r"^\s*\.(?:word|long|quad|xword)\s+(\S+)", body, re.M)[: 1 + len(LAYOUT_FIELDS)]
    ]
    if len(values) != 1 + len(LAYOUT_FIELDS):
        raise ToolchainError("the TFLM layout probe gave no values", tool="tflm")
    return {"sizeof": values[0], **dict(zip(LAYOUT_FIELDS, values[1:]))}


# library.json "build" of a PlatformIO library holding TFLM code: TFLM is C++17, and the
# Arduino cores compile C++ as gnu++14 (their own headers clash with C++17's <chrono>,
# so only these libraries switch).
CXX17_BUILD = {"flags": ["-std=gnu++17"], "unflags": ["-std=gnu++14", "-std=gnu++11"]}


@dataclass(frozen=True)
class TflmFolder:
    """A TFLite Micro library folder generated into a project (PlatformIO's lib/)."""

    path: Path
    includes: tuple[str, ...]  # relative to the folder
    defines: tuple[str, ...]
    kernels: str
    layout: dict[str, int]


def export_library(
    cpu: str, cpu_flags: str, kernels: str, methods: list[str], dest: Path, source: str | Path | None = None
) -> TflmFolder:
    """Copy the core, the kernels behind ``methods`` and every header of the pinned tree
    into ``dest`` (a project's lib/tflite-micro/), with a library.json; the TfLiteTensor
    layout is probed with the cross compiler and ``cpu_flags`` as the project builds it."""
    kernels = default_kernels(cpu) if kernels == "auto" else check_kernels(kernels)
    tree = library_tree(cpu, kernels, source)
    files = select_sources(tree, methods)
    files += sorted(str(p.relative_to(tree)) for p in tree.rglob("*.h") if p.is_file())
    if dest.exists():
        shutil.rmtree(dest)
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree / rel, dest / rel)
    if (tree / "LICENSE").is_file():
        shutil.copyfile(tree / "LICENSE", dest / "LICENSE")
    (dest / "library.json").write_text(
        json.dumps(
            {
                "name": "tflite-micro",
                "version": f"0.0.0+{TFLM_COMMIT[:12]}",
                "description": f"TensorFlow Lite Micro {TFLM_COMMIT} ({kernels} kernels), the model's "
                "kernels only; generated by tinydeploy",
                "license": "Apache-2.0",
                "frameworks": "*",
                "platforms": "*",
                "build": CXX17_BUILD,
            },
            indent=2,
        )
        + "\n"
    )
    _, cxx = _compilers(cpu if cpu.startswith("cortex-m") else "host")
    layout = probe_layout(cxx, cpu_flags, kernels, tree)
    return TflmFolder(dest, INCLUDES + KERNEL_INCLUDES[kernels], defines(kernels), kernels, layout)
