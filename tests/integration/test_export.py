"""`tinydeploy export`: the model as a library in the user's own application. A program
written here, outside the library, links it through its CMakeLists.txt and, separately,
its Makefile fragment, and must match tflite-micro bit-exactly; the Arduino library
builds against the real Arduino mbed core (PlatformIO offline, tests/pio_offline.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import mlperf_path
from tinydeploy.cli import main
from tinydeploy.model.inputs import random_inputs
from tinydeploy.model.reference import Reference

pytestmark = pytest.mark.slow
needs_cc = pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler and make"
)

# The user's program: reads N inputs from argv[1], writes N outputs to argv[2], and the
# int8 values td_quantize() gives the floats of argv[3] (input tensor's quant params).
MAIN_C = r"""
#include <stdio.h>
#include <string.h>
#include "kws_ref_model.h"

int main(int argc, char **argv) {
  FILE *in, *out, *fq;
  const td_tensor_info *ii, *oi;
  float real;
  if (argc != 4 || td_model_init() != TD_OK || td_model_init() != TD_OK) return 2;
  ii = td_model_input_info();
  oi = td_model_output_info();
  if (ii->bytes != TD_MODEL_INPUT_BYTES || oi->bytes != TD_MODEL_OUTPUT_BYTES) return 3;
  if (TD_MODEL_API_VERSION != 3 || strcmp(td_model_runtime(), "aot") != 0) return 4;
  printf("{\"name\":\"%s\",\"arena\":%u,\"dims\":%d,\"shape1\":%d,\"zp\":%d,\"version\":\"%s\"}\n",
         td_model_name(), (unsigned)td_model_arena_bytes(), (int)ii->dims, (int)ii->shape[1],
         (int)ii->zero_point, KWS_REF_MODEL_TINYDEPLOY_VERSION);
  in = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  fq = fopen(argv[3], "rb");
  if (!in || !out || !fq) return 5;
  while (fread(td_model_input(), 1, (size_t)ii->bytes, in) == (size_t)ii->bytes) {
    if (td_model_invoke() != TD_OK || td_model_check() != TD_OK) return 6;
    fwrite(td_model_output(), 1, (size_t)oi->bytes, out);
  }
  while (fread(&real, sizeof real, 1, fq) == 1) {
    int8_t q = td_quantize(ii, real);
    printf("%d %.9g\n", (int)q, (double)td_dequantize(ii, q));
  }
  fclose(in); fclose(out); fclose(fq);
  return 0;
}
"""

CMAKE = """cmake_minimum_required(VERSION 3.13)
project(user_app C)
add_subdirectory({lib} model)
add_executable(app main.c)
target_link_libraries(app PRIVATE tinydeploy::model)
"""

MAKEFILE = """include {lib}/tinydeploy_model.mk
CFLAGS += -O2 -Wall -Wextra -Werror $(TD_MODEL_CFLAGS)
app: main.c $(TD_MODEL_SRCS)
\t$(CC) $(CFLAGS) $^ -o $@
"""


def _export(tmp_path: Path, capsys, *args: str) -> Path:
    out = tmp_path / "lib"
    assert main(["export", str(mlperf_path("kws")), *args, "-o", str(out)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return out


def _tflite_quantize(real: np.ndarray, scale: float, zp: int) -> np.ndarray:
    """TFLite's QUANTIZE: round half away from zero of real / scale (float32), + zp, clamp."""
    x = (real.astype(np.float32) / np.float32(scale)).astype(np.float64)
    return np.clip(np.trunc(x + np.copysign(0.5, x)) + zp, -128, 127).astype(np.int64)


def _run_app(app: Path, work: Path, inputs: np.ndarray, reals: np.ndarray) -> tuple[dict, bytes, list[str]]:
    (work / "in.bin").write_bytes(inputs.tobytes())
    (work / "q.bin").write_bytes(reals.astype(np.float32).tobytes())
    proc = subprocess.run(
        [str(app), str(work / "in.bin"), str(work / "out.bin"), str(work / "q.bin")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    return json.loads(lines[0]), (work / "out.bin").read_bytes(), lines[1:]


def _check_against_tflite_micro(app: Path, work: Path, lib: Path) -> None:
    raw = mlperf_path("kws").read_bytes()
    ref = Reference(raw)
    xs = random_inputs(ref, 6, seed=3)
    meta = json.loads((lib / "compiled.json").read_text())
    scale, zp = meta["input"]["scale"], meta["input"]["zero_point"]
    # halves (the rounding), both clamps, and ordinary values
    reals = np.array([0.0, 0.5, -0.5, 1.5, -1.5, 2.5, 1e9, -1e9, 3.3, -7.7, 40.0, -40.0], np.float32) * np.float32(
        scale
    )
    reals = np.concatenate([reals, np.float32([0.1, -0.29, 12.0, -55.5, 74.9])])
    info, outputs, qlines = _run_app(app, work, xs, reals)
    assert info["name"] == "kws_ref_model" and info["arena"] == meta["arena_bytes"]
    assert (info["dims"], info["shape1"], info["zp"]) == (4, 49, zp)
    n = ref.run(xs[0]).size
    ours = np.frombuffer(outputs, np.int8).reshape(len(xs), n)
    theirs = np.stack([ref.run(x).reshape(-1) for x in xs])
    assert np.array_equal(ours, theirs)
    assert len({row.tobytes() for row in theirs}) > 1  # the inputs do reach the output
    q = np.array([int(line.split()[0]) for line in qlines])
    assert np.array_equal(q, _tflite_quantize(reals, scale, zp))
    deq = np.array([float(line.split()[1]) for line in qlines], np.float32)
    assert np.array_equal(deq, (np.float64(np.float32(scale)) * (q - zp)).astype(np.float32))


@needs_cc
@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake (apt-get install cmake)")
def test_c_library_through_cmake_matches_tflite_micro(tmp_path, capsys) -> None:
    lib = _export(tmp_path, capsys, "--format", "c")
    app_dir = tmp_path / "user_app"
    app_dir.mkdir()
    (app_dir / "main.c").write_text(MAIN_C)
    (app_dir / "CMakeLists.txt").write_text(CMAKE.format(lib=lib.as_posix()))
    build = tmp_path / "build"
    for cmd in (
        ["cmake", "-S", str(app_dir), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"],
        ["cmake", "--build", str(build)],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    _check_against_tflite_micro(build / "app", tmp_path, lib)


@needs_cc
def test_c_library_through_the_makefile_fragment_matches_tflite_micro(tmp_path, capsys) -> None:
    lib = _export(tmp_path, capsys, "--format", "c", "--board", "qemu-m4")  # dsp kernels
    assert "td_conv2d_s8_dsp.c" in (lib / "tinydeploy_model.mk").read_text()
    app_dir = tmp_path / "user_app"
    app_dir.mkdir()
    (app_dir / "main.c").write_text(MAIN_C)
    (app_dir / "Makefile").write_text(MAKEFILE.format(lib=lib.as_posix()))
    proc = subprocess.run(["make", "-C", str(app_dir)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # -Wall -Wextra -Werror
    _check_against_tflite_micro(app_dir / "app", tmp_path, lib)


def test_arduino_library_layout_follows_the_specification(tmp_path, capsys) -> None:
    lib = _export(tmp_path, capsys, "--format", "arduino", "--name", "kws_demo")
    props = dict(line.split("=", 1) for line in (lib / "library.properties").read_text().splitlines() if "=" in line)
    for key in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "architectures"):
        assert props.get(key), key
    assert props["name"] == "kws_demo" and props["includes"] == "kws_demo.h"
    assert re.fullmatch(r"\d+\.\d+\.\d+", props["version"])
    assert props["category"] == "Data Processing"
    # 1.5 recursive layout: sources under src/, one example per folder named as its sketch
    assert (lib / "src" / "kws_demo.h").is_file()
    assert (lib / "examples" / "classify" / "classify.ino").is_file()
    assert not list(lib.glob("*.c")) and not (lib / "utility").exists()
    sketch = (lib / "examples" / "classify" / "classify.ino").read_text()
    assert "#include <kws_demo.h>" in sketch and "td_quantize" in sketch
    sample = (lib / "examples" / "classify" / "sample_input.h").read_text()
    assert sample.count("f,") + sample.count("f\n") >= 490
    top = int(re.search(r"#define TD_SAMPLE_TOP_CLASS (-?\d+)", sample).group(1))
    assert 0 <= top < 12


def test_export_reports_each_ops_kernel_for_the_board(tmp_path, capsys) -> None:
    lib = _export(tmp_path, capsys, "--format", "c", "--board", "qemu-m4", "--name", "kws_m4")
    report = json.loads((lib / "report.json").read_text())
    assert report["name"] == "kws_m4" and report["format"] == "c"
    assert report["board"] == "qemu-m4" and report["kernel_choice"]["kernels"] == "dsp"
    assert report["arena_bytes"] < report["tflm_arena_bytes"]
    ops = report["op_kernels"]
    assert [o["index"] for o in ops] == list(range(len(ops))) and len(ops) == report["ops"]
    convs = [o for o in ops if o["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    assert convs and all(o["kernel"].endswith(("_dsp", "_dsp3x3")) for o in convs), convs
    assert all(Path(p).is_file() for p in report["sources"])
    md = (lib / "report.md").read_text()
    assert md.startswith("# tinydeploy export: kws_ref_model as kws_m4")
    assert "td_depthwise_conv2d_s8_dsp" in md and "tinydeploy export" in report["provenance"]["command"]
    assert "<h2>Ops</h2>" in (lib / "report.html").read_text()


def test_bad_format_board_and_name_are_one_line_errors(tmp_path, capsys) -> None:
    kws = str(mlperf_path("kws"))
    for argv, text in (
        (["--format", "zip"], "--format must be one of arduino, c, not 'zip'"),
        (["--format", "c", "--board", "nope"], "unknown board 'nope'"),
        (["--format", "c", "--name", "9lives"], "--name '9lives'"),
        (["--format", "c", "--board", "qemu-microbit", "--kernels", "reference"], None),
    ):
        code = main(["export", kws, *argv, "-o", str(tmp_path / "x")])
        err = capsys.readouterr().err
        if text is None:  # KWS fits the real micro:bit
            assert code == 0, err
            continue
        assert code != 0 and text in err and "Traceback" not in err, err
        assert not (tmp_path / "x").exists()
    resnet = str(mlperf_path("resnet"))
    assert main(["export", resnet, "--format", "c", "--board", "qemu-microbit", "-o", str(tmp_path / "r")]) != 0
    assert "does not fit board 'qemu-microbit'" in capsys.readouterr().err


def test_export_never_replaces_a_file_it_did_not_write(tmp_path, capsys) -> None:
    lib = _export(tmp_path, capsys, "--format", "c")
    mine = lib / "README.md"
    mine.write_text("my notes")
    kws = str(mlperf_path("kws"))
    assert main(["export", kws, "--format", "c", "-o", str(lib)]) != 0  # not without --force
    assert "--force" in capsys.readouterr().err
    os.remove(lib / ".tinydeploy-manifest.json")  # now nothing there is tinydeploy's
    assert main(["export", kws, "--format", "c", "-o", str(lib), "--force"]) != 0
    assert "did not write" in capsys.readouterr().err
    assert mine.read_text() == "my notes"


def _pio_project(root: Path, board_id: str, lib: Path) -> Path:
    """A user's PlatformIO project: the library by lib_deps = file://, the example as its
    sketch (sample_input.h beside it, as the Arduino IDE copies an example)."""
    from tinydeploy.boards import load_board

    b = load_board(board_id)
    proj = root / f"app-{board_id}"
    (proj / "src").mkdir(parents=True)
    for f in (lib / "examples" / "classify").iterdir():
        shutil.copyfile(f, proj / "src" / f.name)
    (proj / "platformio.ini").write_text(
        f"[env:{b.id}]\nplatform = {b.pio_platform}\nboard = {b.pio_board}\n"
        f"framework = {b.pio_framework}\nlib_deps = file://{lib.resolve().as_posix()}\n"
    )
    return proj


def _pio_run(proj: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import pio_offline as offline

    return subprocess.run(
        [str(offline.pio_executable()), "run", "-d", str(proj)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("board_id", ["pico", "nano33ble"])
def test_arduino_library_builds_against_the_mbed_core(tmp_path, capsys, pio_offline, board_id) -> None:
    # --board: the kernels for that core (SIMD on the nano33ble's Cortex-M4, plain C on
    # the pico's Cortex-M0+)
    lib = _export(tmp_path, capsys, "--format", "arduino", "--board", board_id)
    proj = _pio_project(tmp_path, board_id, lib)
    proc = _pio_run(proj, pio_offline)
    log = proc.stdout + proc.stderr
    build = proj / ".pio" / "build" / board_id
    # the library came through lib_deps and every one of its sources compiled
    objs = {p.name for p in build.rglob("*.c.o")}
    for src in (lib / "src" / "tinydeploy").glob("*.c"):
        assert f"{src.name}.o" in objs, log[-3000:]
    assert (build / "src" / "classify.ino.cpp.o").is_file(), log[-3000:]
    assert not re.search(r"(kws_ref_model|classify)\S*: (warning|error)", log), log[-3000:]
    if board_id == "nano33ble":
        # the core snapshot has no libmbed.a: only that link step may fail
        assert proc.returncode != 0 and "cannot find -lmbed" in log, log[-3000:]
        return
    assert proc.returncode == 0, log[-3000:]
    elf = build / "firmware.elf"
    syms = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    assert " T td_model_invoke" in syms and " T td_model_init" in syms
    sections = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    meta = json.loads((lib / "compiled.json").read_text())
    text = sum(int(ln.split()[1]) for ln in sections.splitlines() if ln.startswith((".text", ".rodata", ".flash")))
    assert text > meta["weights_bytes"] + meta["params_bytes"]  # the weights are in flash
    assert ".td_weights" not in sections  # plain .rodata in the user's build
