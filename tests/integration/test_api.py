"""The public Python API (tinydeploy/__init__.py): typed results, str or Path, in-memory
Keras models and numpy arrays, the CLI's output folders, the TinyDeployError hierarchy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinydeploy
from tinydeploy.errors import BoardError, ForeignFilesError, InputFileError, OutputExistsError
from tinydeploy.outdir import written_files

REPO = Path(__file__).resolve().parents[2]
KWS = REPO.parent / "shared" / "models" / "mlperf-tiny" / "kws_ref_model.tflite"
needs_cc = pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler (cc) and make"
)


@pytest.fixture
def kws() -> Path:
    if not KWS.is_file():
        pytest.skip(f"MLPerf Tiny model {KWS} is absent (../shared/models/mlperf-tiny)")
    return KWS


def test_import_is_cheap_and_the_api_keeps_its_names() -> None:
    code = (
        "import sys, tinydeploy\n"
        "heavy = [m for m in ('tensorflow', 'numpy', 'typer', 'jinja2') if m in sys.modules]\n"
        "import tinydeploy.compile, tinydeploy.profile, tinydeploy.compress.data\n"
        "from tinydeploy.fpga import config\n"
        "names = [n for n in ('compile', 'profile', 'compress', 'fpga')"
        " if not callable(getattr(tinydeploy, n))]\n"
        "print(heavy, names)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []"


def test_inspect_takes_str_and_path(kws: Path) -> None:
    a, b = tinydeploy.inspect(str(kws)), tinydeploy.inspect(kws)
    assert isinstance(a, tinydeploy.ModelReport)
    assert a.macs == b.macs == sum(o["macs"] for o in a.report["ops"]) > 0
    assert a.arena_bytes == a.report["tflm_arena"]["total"] and a.tflite == kws.read_bytes()
    assert json.loads(a.to_json())["params"] == a.params
    with pytest.raises(AttributeError):
        a.macs = 1  # type: ignore[misc]  # frozen


def test_inspect_of_a_keras_file_says_convert_first(tmp_path: Path) -> None:
    f = tmp_path / "mycnn.keras"
    f.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputFileError) as err:
        tinydeploy.inspect(f)
    assert "mycnn.keras" in str(err.value) and "tinydeploy convert" in str(err.value)
    assert "flatbuffer" not in str(err.value)


@needs_cc
def test_compile_checks_against_tflite_micro(kws: Path, tmp_path: Path) -> None:
    r = tinydeploy.compile(kws, tmp_path / "c", check=2)
    assert isinstance(r, tinydeploy.CompileResult) and r.exact_match_rate == 1.0
    assert (tmp_path / "c" / "model.c").is_file() and "model.c" in written_files(tmp_path / "c")
    assert 0 < r.arena_bytes <= r.tflm_arena_bytes
    with pytest.raises(OutputExistsError):
        tinydeploy.compile(kws, tmp_path / "c")
    tinydeploy.compile(str(kws), str(tmp_path / "c"), force=True)
    report = json.loads((tmp_path / "c" / "report.json").read_text())
    assert {"report.md", "report.html"} <= set(written_files(tmp_path / "c"))
    assert report["kernel_choice"]["kernels"] == "reference"  # no board: portable C
    assert [o["kernel"] for o in report["op_kernels"]][:2] == ["td_conv2d_s8", "td_depthwise_conv2d_s8"]
    assert "td_depthwise_conv2d_s8" in (tmp_path / "c" / "report.html").read_text()


@needs_cc
def test_compile_for_a_board_takes_its_cores_kernels(kws: Path, tmp_path: Path) -> None:
    r = tinydeploy.compile(kws, tmp_path / "m4", board="qemu-m4", check=1)
    assert r.report["kernel_choice"]["kernels"] == "dsp" and r.exact_match_rate == 1.0
    assert "td_conv2d_s8_dsp" in r.report["kernels"]
    m3 = tinydeploy.compile(kws, tmp_path / "m3", board="qemu-m3")
    assert m3.report["kernel_choice"]["kernels"] == "v7m"
    with pytest.raises(BoardError, match="no-such-board"):
        tinydeploy.compile(kws, tmp_path / "x", board="no-such-board")
    assert not (tmp_path / "x").exists()


@needs_cc
def test_flash_returns_a_typed_report_and_saves_it(kws: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = tinydeploy.flash(kws, "host", out_dir=out, check=2, runs=1)
    assert isinstance(r, tinydeploy.FlashReport) and r.out_dir == out
    assert r.exact_match_rate == 1.0 and r.board == "host" and r.runtime == "aot"
    assert r.flash_bytes and r.ram_bytes >= r.stack_high_water_bytes >= 0  # host: no painting
    assert r.ram_bytes == r.report["static_ram_bytes"] + r.stack_high_water_bytes
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk == json.loads(r.to_json())
    assert {"report.json", "report.md", "report.html", "model.tflite"} <= written_files(out)
    assert "<table" in r._repr_html_() and "<html" not in r._repr_html_()
    page = (out / "report.html").read_text()
    # the per-op table, the measured stack named as such, who made it and with what
    assert "<h2>Ops</h2>" in page and page.count("<tr>") > len(r.report["ops"])
    assert "stack high-water" in page and "python: tinydeploy.flash(" in page
    assert "tflite-micro" in r.report["provenance"]["versions"]
    # save() into a folder of the user's: their file stays, a clash is refused
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    r.save(mine)
    assert (mine / "notes.txt").read_text() == "keep"
    assert json.loads((mine / "report.json").read_text()) == on_disk
    r.save(mine)  # its own reports are replaced
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "report.md").write_text("mine")
    with pytest.raises(ForeignFilesError):
        r.save(tmp_path / "theirs")
    assert (tmp_path / "theirs" / "report.md").read_text() == "mine"
    # a second run needs force, which keeps the user's files
    (out / "notes.txt").write_text("keep")
    with pytest.raises(OutputExistsError):
        tinydeploy.flash(kws, "host", out_dir=out, check=1, runs=1)
    tinydeploy.flash(str(kws), "host", out_dir=str(out), check=1, runs=1, force=True)
    assert (out / "notes.txt").read_text() == "keep"


@needs_cc
@pytest.mark.slow
def test_keras_model_and_numpy_data_in_memory(tmp_path: Path) -> None:
    from keras_zoo import build, samples

    model = build("mlp")
    data = samples(model, 32, seed=1)
    conv = tinydeploy.convert(model, data)
    assert conv.out_dir is None and conv.tflite[4:8] == b"TFL3"
    assert conv.report["conversion"]["calibration"] == "data"
    assert conv.report["agreement"]["samples"] == 32
    r = tinydeploy.flash(model, "host", data=data, check=3, runs=1)
    assert r.out_dir is None and r.exact_match_rate == 1.0
    assert r.report["model"]["converted"] and r.report["model"]["path"] == "<Functional>"


def test_bad_input_is_a_tinydeploy_error(tmp_path: Path) -> None:
    with pytest.raises(tinydeploy.TinyDeployError):
        tinydeploy.flash(tmp_path / "missing.tflite", "host")
    with pytest.raises(tinydeploy.TinyDeployError, match="object"):
        tinydeploy.convert(object())
    with pytest.raises(tinydeploy.TinyDeployError, match="qemu-m4"):
        tinydeploy.flash(KWS, "no-such-board", out_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_convert_writes_what_its_report_names(kws: Path, tmp_path: Path) -> None:
    r = tinydeploy.convert(kws, out_dir=tmp_path / "conv")
    md = (tmp_path / "conv" / "report.md").read_text()
    assert "model.tflite" in md and f"{kws.name}`" not in md
    assert r.report["model"]["path"] == str(tmp_path / "conv" / "model.tflite")
    assert "<table" in (tmp_path / "conv" / "report.html").read_text()
    assert np.frombuffer((tmp_path / "conv" / "model.tflite").read_bytes(), np.uint8).size == len(r.tflite)


@needs_cc
def test_flash_checks_the_users_samples_and_labels(kws: Path, tmp_path: Path, capsys) -> None:
    from tinydeploy.cli import main
    from tinydeploy.model.inputs import sample_inputs
    from tinydeploy.model.reference import Reference

    ref = Reference(kws.read_bytes())
    q = ref.input_details["quantization_parameters"]
    samples = np.random.default_rng(3).normal(0, 20, (5, 49, 10)).astype(np.float32)  # 49x10x1
    xs = sample_inputs(ref, samples, 5, "t", (float(q["scales"][0]), int(q["zero_points"][0])))
    labels = np.array([int(ref.run(x).argmax()) for x in xs])
    labels[:2] = (labels[:2] + 1) % 12  # two wrong: 3 of 5 right
    np.save(tmp_path / "x.npy", samples)
    np.save(tmp_path / "y.npy", labels)
    r = tinydeploy.flash(kws, "host", data=samples, labels=labels, check=20, runs=1)
    assert r.report["check"]["source"] == "data" and r.report["check"]["inputs"] == 5
    assert r.exact_match_rate == 1.0 and r.accuracy == pytest.approx(0.6)
    assert r.report["check"]["reference_accuracy"] == pytest.approx(0.6)
    assert (
        main(
            [
                "flash",
                str(kws),
                "--board",
                "host",
                "--data",
                str(tmp_path / "x.npy"),
                "--labels",
                str(tmp_path / "y.npy"),
                "--check",
                "3",
                "--runs",
                "1",
                "-o",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    md = (tmp_path / "o" / "report.md").read_text()
    assert "by `tinydeploy flash " in md and "--labels" in md  # the command line as run
    assert "3 samples of --data" in md and "33.3% / 33.3% on 3 labelled samples" in md
    # labels without samples, and too few labels, are one-line errors
    assert main(["flash", str(kws), "--board", "host", "--labels", str(tmp_path / "y.npy")]) == 1
    assert "pass --data too" in capsys.readouterr().err
    np.save(tmp_path / "y2.npy", labels[:2])
    assert (
        main(
            [
                "flash",
                str(kws),
                "--board",
                "host",
                "--data",
                str(tmp_path / "x.npy"),
                "--labels",
                str(tmp_path / "y2.npy"),
                "--check",
                "3",
                "--runs",
                "1",
                "-o",
                str(tmp_path / "o2"),
            ]
        )
        == 1
    )
    assert "2 labels for 3 checked samples" in capsys.readouterr().err


@pytest.mark.slow
def test_wrong_shaped_samples_are_refused_before_tensorflow_loads(tmp_path: Path) -> None:
    from keras_zoo import build

    build("cnn").save(tmp_path / "cnn.keras")  # input 16x16x3
    np.save(tmp_path / "bad.npy", np.zeros((4, 10, 10, 3), np.float32))
    code = (
        "import sys, tinydeploy\n"
        "try:\n"
        f"    tinydeploy.flash({str(tmp_path / 'cnn.keras')!r}, 'host', "
        f"data={str(tmp_path / 'bad.npy')!r})\n"
        "except tinydeploy.TinyDeployError as e:\n"
        "    print(e)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    ).stdout.splitlines()
    assert out[0].startswith(
        f"{tmp_path / 'bad.npy'}: data has shape [4, 10, 10, 3]; the model expects samples of shape [16, 16, 3]"
    )
    assert out[1] == "False"
