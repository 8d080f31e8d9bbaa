"""examples/keyword_spotting end to end in its --quick mode (the CI run): espeak-ng
data, training, int8 conversion, the test clips on qemu-m4 (device features +
inference equal to tflite-micro), the demo, `tinydeploy flash`, and the generated
nano33ble project (its C compiled for the Cortex-M4F, its sketch checked against
stub Arduino headers)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinydeploy.cli import main

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "keyword_spotting"
needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)


def _run(script: str, *args: str, timeout: int = 600) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE / script), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is needed for the generated keyword set (apt-get install espeak-ng)")
    out = tmp_path_factory.mktemp("kws") / "out"
    _run("train.py", "--quick", "-o", str(out))
    return out


def test_quick_training_writes_the_model_and_the_test_split(trained: Path) -> None:
    m = json.loads((trained / "metrics.json").read_text())
    assert m["quick"] and all(m["splits"][s] > 0 for s in ("train", "val", "test"))
    assert (trained / "labels.txt").read_text().split() == m["labels"]
    assert len(m["labels"]) == 12 and m["labels"][-2:] == ["silence", "unknown"]
    assert 15_000 <= m["weight_bytes"] <= 24_000  # "about 20 KB"
    assert 0.0 <= m["accuracy"]["int8_host"] <= 1.0
    ff = m["feature_fixed_vs_float"]
    assert ff["differing"] <= 0.05 * ff["int8_values"]  # fixed point vs float64 front end
    assert (trained / "kws.tflite").read_bytes()[4:8] == b"TFL3"


def test_export_npz_with_more_heldout_clips(trained: Path) -> None:
    """--heldout-reps adds clips of the validation and test speakers only: the training
    split and the original held-out clips are unchanged."""
    import numpy as np

    plain, more = trained / "plain.npz", trained / "more.npz"
    _run("train.py", "--quick", "-o", str(trained), "--export-npz", str(plain))
    _run("train.py", "--quick", "-o", str(trained), "--export-npz", str(more), "--heldout-reps", "1")
    with np.load(plain) as a, np.load(more) as b:
        for k in ("x_train", "y_train"):
            assert np.array_equal(a[k], b[k])
        for s in ("val", "test"):
            n = len(a[f"y_{s}"])
            assert len(b[f"y_{s}"]) > n and np.array_equal(a[f"x_{s}"], b[f"x_{s}"][:n])
            # every keyword once more per held-out speaker, plus unknown and silence clips
            assert set(np.unique(b[f"y_{s}"][n:])) == set(range(12))


@needs_arm
def test_device_features_and_outputs_equal_the_host_on_qemu(trained: Path) -> None:
    text = _run("evaluate.py", "-o", str(trained), "--limit", "8", "--audio", "3")
    d = json.loads((trained / "device.json").read_text())
    assert d["board"] == "qemu-m4" and d["clips"] == 8 and d["audio_clips"] == 3
    assert d["outputs_equal_host"] == 8 and d["audio_outputs_equal_host"] == 3
    assert d["feature_values_checked"] == 3 * 490 and d["feature_values_differing"] == 0
    assert d["accuracy"] == d["host_int8_accuracy_same_clips"]
    assert d["feature_instructions"] > 1_000_000 and d["infer_instructions"] > 1_000_000
    assert d["flash_bytes"] > d["weights_bytes"] > 15_000
    assert d["stack_used_bytes"] > 0
    report = (trained / "report.html").read_text()
    assert "data:image/png;base64," in report and "int8 on qemu-m4" in report
    assert "instructions per clip" in text


@needs_arm
def test_demo_streams_a_spoken_word_to_the_device(trained: Path) -> None:
    text = _run("demo.py", "--word", "left", "-o", str(trained))
    assert "streaming 1.00 s of 'left'" in text
    assert "instructions (emulated)" in text and "detected:" in text


@needs_arm
def test_tinydeploy_flash_runs_the_kws_model_with_the_generic_firmware(trained: Path, tmp_path, capsys) -> None:
    out = tmp_path / "flash"
    assert (
        main(
            [
                "flash",
                str(trained / "kws.tflite"),
                "--board",
                "qemu-m4",
                "--check",
                "4",
                "--runs",
                "1",
                "-o",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    r = json.loads(capsys.readouterr().out)
    assert r["exact_match_rate"] == 1.0
    app = {p.name for p in (out / "project" / "app").iterdir()}
    assert "td_server.c" in app and not app & {"td_kws_ext.c", "td_mfcc.c"}  # generic firmware


_ARDUINO_H = """#pragma once
#include <stddef.h>
#include <stdint.h>
#define LED_BUILTIN 13
#define HIGH 1
#define LOW 0
#define OUTPUT 1
unsigned long millis(void);
unsigned long micros(void);
void pinMode(int pin, int mode);
void digitalWrite(int pin, int value);
void noInterrupts(void);
void interrupts(void);
struct StubSerial {
  void begin(long baud);
  int available();
  int read();
  size_t write(uint8_t c);
  void flush();
  template <class T> size_t print(T value);
  explicit operator bool() const;
};
extern StubSerial Serial;
"""
_PDM_H = """#pragma once
struct StubPDM {
  void onReceive(void (*callback)(void));
  void setGain(int gain);
  int begin(int channels, long rate);
  int available();
  int read(void *buffer, int bytes);
};
extern StubPDM PDM;
"""


def test_generate_nano33ble_keyword_spotting_project(trained: Path, tmp_path) -> None:
    out = tmp_path / "nano"
    assert (
        main(
            [
                "generate",
                str(trained / "kws.tflite"),
                "--board",
                "nano33ble",
                "--example",
                "keyword_spotting",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    src = out / "project" / "src"
    ini = (out / "project" / "platformio.ini").read_text()
    assert "board = nano33ble" in ini and "framework = arduino" in ini and "-DTD_NO_MAIN" in ini
    for name in ("td_mfcc.c", "td_mfcc.h", "td_mfcc_tables.c", "td_kws_ext.c", "td_server.c"):
        assert (src / "app" / name).is_file(), name
    sketch = (src / "main.cpp").read_text()
    for needle in (
        "#include <PDM.h>",
        "PDM.begin(1, TD_MFCC_SAMPLE_RATE)",
        "PDM.onReceive(on_pdm)",
        "td_mfcc_frame(",
        "td_mfcc_quant_init(",
        "td_model_invoke()",
        "KWS_SMOOTH",
        "KWS_THRESHOLD",
        "KWS_SUPPRESS_MS",
        "digitalWrite(LED_BUILTIN, HIGH)",
        "m-kws-heard-",
        "td_server_feed(",
        '"left",',
        "kClasses = 12",
    ):
        assert needle in sketch, needle
    assert sketch.count("true,") == 2  # silence and unknown are never reported
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    cpu = [
        "-mcpu=cortex-m4",
        "-mthumb",
        "-mfloat-abi=hard",
        "-mfpu=fpv4-sp-d16",
        "-Os",
        "-DTD_NO_MAIN",
        "-I",
        str(src / "app"),
        "-I",
        str(src / "runtime"),
        "-I",
        str(src / "model"),
        "-I",
        str(src),
    ]
    objs = tmp_path / "objs"
    objs.mkdir()
    c_files = sorted(str(p) for p in src.rglob("*.c"))
    subprocess.run(["arm-none-eabi-gcc", *cpu, "-std=c99", "-Wall", "-Wextra", "-c", *c_files], check=True, cwd=objs)
    assert {"td_mfcc.o", "td_kws_ext.o", "model.o"} <= {p.name for p in objs.glob("*.o")}
    # The C++ files need the Arduino core, which is not here: check them against stubs
    # of the few declarations they use.
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "Arduino.h").write_text(_ARDUINO_H)
    (stubs / "PDM.h").write_text(_PDM_H)
    if shutil.which("arm-none-eabi-g++") is None:
        pytest.skip("arm-none-eabi-g++ is not installed")
    for cpp in (src / "main.cpp", src / "hal" / "hal_arduino.cpp"):
        subprocess.run(
            [
                "arm-none-eabi-g++",
                *cpu,
                "-std=gnu++17",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-fsyntax-only",
                "-I",
                str(stubs),
                str(cpp),
            ],
            check=True,
        )


def test_generate_example_labels_default_and_errors_are_one_line(trained: Path, tmp_path, capsys) -> None:
    lone = tmp_path / "lone" / "kws.tflite"
    lone.parent.mkdir()
    shutil.copyfile(trained / "kws.tflite", lone)
    # no labels.txt beside a 12-class model: the MLPerf Tiny KWS classes, said on one line
    assert (
        main(
            ["generate", str(lone), "--board", "nano33ble", "--example", "keyword_spotting", "-o", str(tmp_path / "a")]
        )
        == 0
    )
    notes = [ln for ln in capsys.readouterr().err.splitlines() if "labels.txt" in ln]
    assert len(notes) == 1 and notes[0].startswith("note: no labels.txt beside the model")
    assert "(down, go, left, no, off, on, right, stop, up, yes, silence, unknown)" in notes[0]
    sketch = (tmp_path / "a" / "project" / "src" / "main.cpp").read_text()
    assert sketch.index('"down",') < sketch.index('"yes",') < sketch.index('"unknown",')
    (lone.parent / "labels.txt").write_text("yes\nno\n")
    assert (
        main(
            ["generate", str(lone), "--board", "nano33ble", "--example", "keyword_spotting", "-o", str(tmp_path / "c")]
        )
        == 1
    )
    assert "2 class names for a model with 12 outputs" in capsys.readouterr().err
    assert (
        main(
            [
                "generate",
                str(trained / "kws.tflite"),
                "--board",
                "nano33ble",
                "--example",
                "nope",
                "-o",
                str(tmp_path / "b"),
            ]
        )
        == 1
    )
    assert "unknown example 'nope'; known: keyword_spotting" in capsys.readouterr().err
