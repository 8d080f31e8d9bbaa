"""The real PlatformIO builder, offline: `pio run` on the projects tinydeploy generates,
with the platforms, the mbed core and the toolchain installed from ../shared/thirdparty
in a private PLATFORMIO_CORE_DIR (the pio_offline fixture, tests/pio_offline.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import pio_offline as offline
from tests.conftest import mlperf_path
from tinydeploy.boards import Board, load_board
from tinydeploy.cli import main
from tinydeploy.errors import DeviceError, ToolchainError

pytestmark = pytest.mark.slow


def _pio(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [str(offline.pio_executable()), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_offline_core_holds_every_package(pio_offline: dict[str, str]) -> None:
    core = Path(pio_offline["PLATFORMIO_CORE_DIR"])
    assert os.environ["PLATFORMIO_CORE_DIR"] == str(core)
    listing = _pio(pio_offline, "pkg", "list", "-g")
    for line in (
        "raspberrypi @ 1.19.0 (required: platformio/raspberrypi)",
        "nordicnrf52 @ 10.11.0 (required: platformio/nordicnrf52)",
        f"framework-arduino-mbed @ {offline.MBED_VERSION}",
        "tool-scons @ 4.",
        "tool-rp2040tools @",
        "tool-sreccat @",
    ):
        assert line in listing, listing
    for version in offline.TOOLCHAIN_VERSIONS:
        assert f"toolchain-gccarmnoneeabi @ {version}+gcc." in listing, listing
    # the toolchain's bin/ is the system GCC
    gcc = core / "packages" / "toolchain-gccarmnoneeabi" / "bin" / "arm-none-eabi-gcc"
    assert subprocess.run([str(gcc), "--version"], capture_output=True).returncode == 0
    # laid out once: a second prepare() finds it
    again = offline.prepare()
    assert again.core_dir == core and again.setup_seconds == 0.0


def test_offline_core_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "PLATFORMS_TARBALL", tmp_path / "platformio-platforms.tar.xz")
    with pytest.raises(offline.Unavailable, match="platformio-platforms.tar.xz is absent"):
        offline.prepare(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


# --- the builds -----------------------------------------------------------------------


def _variant_libs(core: Path, board: Board) -> Path:
    """The variant's prebuilt-library folder of the installed mbed core, for this board."""
    manifest = core / "platforms" / board.pio_platform / "boards" / f"{board.pio_board}.json"
    variant = json.loads(manifest.read_text())["build"]["variant"]
    return core / "packages" / "framework-arduino-mbed" / "variants" / variant / "libs"


def _links(pio_offline: dict[str, str], board: Board) -> bool:
    """Whether the snapshot holds the core's libmbed.a for the board (not for nano33ble)."""
    return (_variant_libs(Path(pio_offline["PLATFORMIO_CORE_DIR"]), board) / "libmbed.a").is_file()


def _assert_all_compiled(project: Path, board: Board) -> int:
    """Every C/C++ file of the project, and the core, became an object; returns the count."""
    build = project / ".pio" / "build" / board.id
    sources = sorted(
        p.relative_to(project / "src") for p in (project / "src").rglob("*") if p.suffix in (".c", ".cpp", ".cc")
    )
    missing = [str(s) for s in sources if not (build / "src" / f"{s}.o").is_file()]
    assert not missing, f"not compiled: {missing}"
    assert (build / "libFrameworkArduino.a").is_file()  # the core, compiled and archived
    return len(sources)


def _segment_ram(elf: Path, board: Board) -> int:
    """Static RAM by the ELF's program headers: memory size of the loaded segments in RAM."""
    with open(elf, "rb") as fh:
        return sum(
            seg["p_memsz"]
            for seg in ELFFile(fh).iter_segments()
            if seg["p_type"] == "PT_LOAD" and board.ram_origin <= seg["p_vaddr"] < board.ram_origin + board.ram_bytes
        )


def _berkeley_flash(elf: Path) -> int:
    """arm-none-eabi-size's text + data: the bytes the image stores."""
    out = (
        subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True)
        .stdout.splitlines()[1]
        .split()
    )
    return int(out[0]) + int(out[1])


def _check_sizes_line(line: str, elf: Path, board: Board) -> None:
    m = re.search(r"flash ([\d,]+) B, static RAM ([\d,]+) B", line)
    assert m, line
    flash, ram = (int(x.replace(",", "")) for x in m.groups())
    assert flash == _berkeley_flash(elf)
    assert ram == _segment_ram(elf, board)
    assert 0 < ram <= board.ram_bytes and 0 < flash <= board.flash_bytes


@pytest.fixture
def no_board_attached(monkeypatch: pytest.MonkeyPatch) -> None:
    """No serial port (true in CI; forced, so a developer's plugged-in board is not flashed)."""
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [])


@pytest.mark.parametrize("board_id", ["pico", "nano33ble"])
def test_flash_builds_with_platformio_then_stops_at_upload(
    pio_offline: dict[str, str], no_board_attached: None, tmp_path: Path, board_id: str
) -> None:
    """`tinydeploy flash` (its pipeline, so the build stays to look at): pio builds the
    project, tinydeploy reports the ELF's sizes, then finds no board to upload to. Where
    the snapshot lacks the core's libmbed.a (nano33ble), everything compiles and the link
    fails naming the library, on one line."""
    from tinydeploy.pipeline import flash

    board = load_board(board_id)
    notes: list[str] = []
    out = tmp_path / "out"
    out.mkdir()
    project = out / "project"
    started = time.monotonic()
    if _links(pio_offline, board):
        with pytest.raises(DeviceError) as err:
            flash(mlperf_path("ad"), board, out, note=notes.append)
        assert str(err.value).startswith(f"usb: no {board.name} on a serial port")
        elf = project / ".pio" / "build" / board.id / "firmware.elf"
        [line] = [n for n in notes if n.startswith("built ")]
        assert line.startswith(f"built project/.pio/build/{board.id}/firmware.elf: ")
        _check_sizes_line(line, elf, board)
    else:
        with pytest.raises(ToolchainError) as err:
            flash(mlperf_path("ad"), board, out, note=notes.append)
        assert str(err.value) == (
            f"pio: linking the firmware for board '{board.id}' failed: the linker cannot find "
            "libmbed.a (-lmbed), a library the board's framework package should hold; "
            "reinstall that package"
        )
        assert not (_variant_libs(Path(pio_offline["PLATFORMIO_CORE_DIR"]), board) / "libmbed.a").exists()
    assert "\n" not in str(err.value)
    assert _assert_all_compiled(project, board) >= 10
    print(f"pio build {board_id}: {time.monotonic() - started:.1f} s")


def test_flash_cli_pico_says_no_board_on_one_line(
    pio_offline: dict[str, str], no_board_attached: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pico"
    assert main(["flash", str(mlperf_path("ad")), "--board", "pico", "-o", str(out)]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert err[-1] == (
        "error: usb: no Raspberry Pi Pico (RP2040) on a serial port (USB 2e8a:000a); "
        "plug it in or pass --port. Serial ports present: none"
    )
    assert any(ln.startswith("built project/.pio/build/pico/firmware.elf: flash ") for ln in err)
    assert not out.exists()  # nothing half-written left behind


# Projects `tinydeploy generate` writes for the PlatformIO boards, compiled by pio against
# the real core (its own flags, from the platform's builder and the core's *.txt files)
# and linked where the snapshot holds the core's libraries. The TFLite Micro runtime
# brings lib/tflite-micro/ (the pinned tree, from ../shared/thirdparty here).
PROJECTS = [
    ("pico", None, "aot"),
    ("nano33ble", None, "aot"),
    ("nano33ble", "keyword_spotting", "aot"),
    ("pico", None, "tflm"),
]


@pytest.mark.parametrize("board_id,example,runtime", PROJECTS)
def test_generated_project_compiles_against_the_core(
    pio_offline: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    board_id: str,
    example: str | None,
    runtime: str,
) -> None:
    from tinydeploy.build.platformio import pio_build
    from tinydeploy.build.sizes import firmware_sizes

    if runtime == "tflm":
        request.getfixturevalue("tflm_source")
    board = load_board(board_id)
    model = mlperf_path("kws" if example else "ad")
    out = tmp_path / "gen"
    args = ["generate", str(model), "--board", board_id, "--runtime", runtime, "-o", str(out)]
    assert main(args + (["--example", example] if example else [])) == 0
    if example:  # the MLPerf model has no labels.txt beside it: the defaults, said once
        notes = [ln for ln in capsys.readouterr().err.splitlines() if "labels.txt" in ln]
        assert len(notes) == 1 and "down, go, left, no, off, on, right, stop, up, yes, silence, unknown" in notes[0]
    project = out / "project"
    started = time.monotonic()
    if _links(pio_offline, board):
        elf = pio_build(project, board)
        sizes = firmware_sizes(elf, board.stack_bytes)
        assert sizes.flash_bytes == _berkeley_flash(elf)
        assert sizes.static_ram_bytes == _segment_ram(elf, board)
    else:
        with pytest.raises(ToolchainError, match=r"cannot find libmbed\.a \(-lmbed\)"):
            pio_build(project, board)
    _assert_all_compiled(project, board)
    if runtime == "tflm":
        _assert_tflm_library_compiled(project, board)
    print(f"pio build {board_id} {example or runtime}: {time.monotonic() - started:.1f} s")
    if example == "keyword_spotting":
        _assert_one_audio_buffer(project / ".pio" / "build" / board.id / "src")


def _assert_tflm_library_compiled(project: Path, board: Board) -> None:
    """lib/tflite-micro/ holds the pinned tree's core and only the model's kernels, all
    compiled with the defines platformio.ini gives the application too."""
    lib = project / "lib" / "tflite-micro"
    kernels = sorted(p.stem for p in (lib / "tensorflow/lite/micro/kernels").rglob("*.cc"))
    assert "fully_connected" in kernels and "conv" not in kernels, kernels  # AD: FC only
    sources = [p.relative_to(lib) for p in lib.rglob("*") if p.suffix in (".c", ".cc")]
    sources.append(Path("tflm_model.cc"))  # lib/td_tflm_model/
    objects = project / ".pio" / "build" / board.id  # lib<hash>/<library>/...
    built = {p.name for p in objects.rglob("*.o")}
    missing = [str(s) for s in sources if not {f"{s.name}.o", f"{s.stem}.o"} & built]
    assert not missing, missing[:5]
    ini = (project / "platformio.ini").read_text()
    assert "-DTF_LITE_STATIC_MEMORY" in ini and "lib_deps" not in ini
    assert (
        "static_assert(sizeof(TfLiteTensor) == 32" in (project / "lib" / "td_tflm_model" / "tflm_model.cc").read_text()
    )


@pytest.mark.parametrize("board_id", ["nano33ble", "nucleo_f746zg", "pico"])
def test_tflm_projects_carry_the_pinned_library(tflm_source: Path, tmp_path: Path, board_id: str) -> None:
    """Every Cortex-M PlatformIO board gets lib/tflite-micro/ from the pinned tree, its
    defines in build_flags and the layout checks in tflm_model.cc (pico's project is also
    built by pio above; a pio build of the library takes minutes, so once is enough)."""
    from tinydeploy.tflm import TFLM_COMMIT, defines

    out = tmp_path / "gen"
    assert main(["generate", str(mlperf_path("kws")), "--board", board_id, "--runtime", "tflm", "-o", str(out)]) == 0
    project = out / "project"
    lib = json.loads((project / "lib" / "tflite-micro" / "library.json").read_text())
    assert lib["version"].endswith(TFLM_COMMIT[:12])
    ini = (project / "platformio.ini").read_text()
    flags = re.findall(r"^\s+-D(\w+)$", ini, re.M)
    assert [f for f in flags if not f.startswith("TD_")] == list(defines("cmsis_nn"))
    assert "lib_deps" not in ini and "tflite-micro-arduino-examples" not in ini
    kernels = sorted(p.stem for p in (project / "lib/tflite-micro/tensorflow/lite/micro/kernels").rglob("*.cc"))
    assert {"conv", "depthwise_conv", "fully_connected", "pooling", "softmax"} <= set(kernels)
    assert "add" not in kernels and "leaky_relu" not in kernels  # only the model's kernels
    cc = (project / "lib" / "td_tflm_model" / "tflm_model.cc").read_text()
    assert "static_assert(sizeof(TfLiteTensor) == 32" in cc
    assert "#define TF_LITE_STATIC_MEMORY" not in cc  # one place: build_flags


def _assert_one_audio_buffer(objects: Path) -> None:
    """The sketch and td_kws_ext.c share one 32,000 B audio buffer (td_kws.h)."""
    from tinydeploy.build.sizes import object_sizes

    big = []
    for obj in sorted(objects.rglob("*.o")):
        with open(obj, "rb") as fh:
            symtab = ELFFile(fh).get_section_by_name(".symtab")
            big += [
                (sym.name, obj.name)
                for sym in symtab.iter_symbols()
                if sym["st_info"]["type"] == "STT_OBJECT" and sym["st_size"] >= 32_000
            ]
    assert big == [("td_kws_audio", "td_kws_ext.c.o")], big
    ram = object_sizes(sorted(objects.rglob("*.o")))["ram"]
    assert 36_096 < ram < 2 * 36_096  # one buffer + one MFCC work area, and the rest
    print(f"static RAM of the sketch's objects: {ram:,} B")


def test_keyword_spotting_sketch_needs_a_microphone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Pico has no PDM microphone (the core's PDM library does not build for it)."""
    assert (
        main(
            [
                "generate",
                str(mlperf_path("kws")),
                "--board",
                "pico",
                "--example",
                "keyword_spotting",
                "-o",
                str(tmp_path / "k"),
            ]
        )
        == 1
    )
    err = " ".join(capsys.readouterr().err.split())
    assert "board 'pico' has none (key 'microphone'); use a board with one (nano33ble)" in err


def test_nucleo_f746zg_is_not_built_here() -> None:
    pytest.skip(
        "nucleo_f746zg (platform ststm32, STM32duino core) is not in ../shared/thirdparty: "
        "its generated project is not compiled by these tests"
    )


def test_hil_plugin_builds_pico_firmware_with_platformio(pio_offline: dict[str, str], tmp_path: Path) -> None:
    """The pytest plugin's build path (tinydeploy.hil.build_firmware): the same pio build,
    sizes from the ELF; a second call finds the cached folder and rebuilds nothing."""
    from tinydeploy.build.sizes import firmware_sizes
    from tinydeploy.hil import build_firmware, load_model

    board = load_board("pico")
    if not _links(pio_offline, board):
        pytest.skip("the snapshot has no libmbed.a for the Pico")
    model = load_model(mlperf_path("ad"))
    fw = build_firmware(model, board, "aot", tmp_path, upload=False)
    assert fw.elf is not None and fw.elf.is_file() and fw.sizes is not None
    assert fw.sizes == firmware_sizes(fw.elf, board.stack_bytes)
    assert fw.sizes.flash_bytes == _berkeley_flash(fw.elf)
    stamp = fw.elf.stat().st_mtime_ns
    started = time.monotonic()
    again = build_firmware(model, board, "aot", tmp_path, upload=False)
    assert again.elf == fw.elf and again.sizes == fw.sizes
    print(
        f"pio rebuild (cached) pico: {time.monotonic() - started:.1f} s, relinked: {fw.elf.stat().st_mtime_ns != stamp}"
    )
