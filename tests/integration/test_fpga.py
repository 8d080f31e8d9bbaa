"""`tinydeploy fpga` on real hls4ml: convert and C-simulate a jet-tagging MLP and a small CNN.

The models are trained for a few seconds on synthetic 5-class data so that their
outputs are confident, as a deployed classifier's are; an untrained network's near-
uniform softmax would make top-1 agreement a coin toss between near-equal scores.

Why the bounds hold for ap_fixed<16,6> (10 fractional bits, step 2^-10 ~ 0.001):
- hls4ml's default types truncate (AP_TRN). Each product is cast to the 16-bit
  accumulator, losing up to one step, so a neuron with n inputs is off by up to n steps,
  always toward -inf, and the next layer's weights carry it on: the logits end up
  within ~0.4 of float (measured 0.37 for the MLP, 0.14 for the CNN). Ranges stay well
  inside +-32 (the precision profile checks it), so nothing wraps.
- hls4ml's softmax reads two 1024-entry tables. exp is indexed by the top 10 bits of
  (x_max - x) in ap_ufixed<15,5> (steps of 1/32: <= 3.1% relative error). 1/sum is
  indexed by the top 10 bits of the sum in its default ap_fixed<18,8>: steps of 0.25 for
  a sum that lies in [1, 5], so 1/sum, and with it the largest probability, can be off by
  up to 20%. Softmax sees only differences of logits, and the truncation bias is
  shared by all of them: the logit errors move p by <= 0.025 here (softmax of the
  fixed-point logits vs float), the exp table by <= 3.1%. Hence max abs error
  <= 0.2 + 0.05 = 0.25. Most outputs are near 0 or 1, where all of these effects
  vanish: mean abs error <= 0.02.
- With the type the precision profile suggests for that sum (ap_fixed<14,4>: steps of
  1/64, <= 1.6%), the output error is bounded by the exp table and the logits: <= 0.05.
- A class decision can only flip where the two best float scores are closer than
  twice the max error: every disagreement must be such a near tie, and with trained
  models they are rare (top-1 agreement >= 95%).
A wrong weight layout, a wrapped overflow or a mis-mapped layer gives errors of order 1
and fails these bounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.cli import main
from tinydeploy.outdir import MANIFEST_NAME

pytestmark = pytest.mark.slow
pytest.importorskip("hls4ml", reason="hls4ml is not installed (pip install 'tinydeploy[fpga]')")

MAX_ABS_ERROR = 0.25  # hls4ml's default softmax types
MAX_ABS_ERROR_SUGGESTED = 0.05  # with the precision profile's suggestions applied
MEAN_ABS_ERROR = 0.02
TOP1 = 0.95


def _blobs(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Five classes: a fixed random pattern per class plus unit noise."""
    centres = np.random.default_rng(42).standard_normal((5, *shape)) * 1.2
    y = rng.integers(0, 5, n)
    x = centres[y] + rng.standard_normal((n, *shape))
    return x.astype(np.float32), y


def build(kind: str):
    import keras

    keras.utils.set_random_seed(0)
    L = keras.layers
    if kind == "mlp":  # the classic hls4ml jet-tagging shape
        inp = keras.Input((16,))
        x = L.Dense(64, activation="relu", name="fc1")(inp)
        x = L.Dense(32, activation="relu", name="fc2")(x)
        x = L.Dense(32, activation="relu", name="fc3")(x)
        out = L.Dense(5, activation="softmax", name="output")(x)
        return keras.Model(inp, out, name="jet_mlp")
    inp = keras.Input((10, 10, 1))
    x = L.Conv2D(4, 3, activation="relu", name="conv1")(inp)
    x = L.MaxPooling2D(2, name="pool1")(x)
    x = L.Conv2D(8, 3, activation="relu", name="conv2")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(16, activation="relu", name="fc1")(x)
    out = L.Dense(5, activation="softmax", name="output")(x)
    return keras.Model(inp, out, name="tiny_cnn")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each model trained briefly and saved, with held-out evaluation data."""
    d = tmp_path_factory.mktemp("fpga_models")
    out = {}
    for kind, shape in (("mlp", (16,)), ("cnn", (10, 10, 1))):
        model = build(kind)
        x, y = _blobs(np.random.default_rng(1), 2000, shape)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=8, batch_size=64, verbose=0)
        model.save(d / f"{kind}.keras")
        x_eval, _ = _blobs(np.random.default_rng(2), 200, shape)
        np.save(d / f"{kind}_eval.npy", x_eval)
        out[kind] = {"model": d / f"{kind}.keras", "eval": d / f"{kind}_eval.npy"}
    return out


@pytest.fixture(scope="module")
def reports(models, tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    """`tinydeploy fpga ... --json` once per model (one g++ build each)."""
    out = {}
    for kind, paths in models.items():
        d = tmp_path_factory.mktemp(f"fpga_{kind}") / "out"
        proc = _cli(["fpga", str(paths["model"]), "--data", str(paths["eval"]), "-o", str(d), "--json"])
        assert proc.returncode == 0, proc.stderr
        out[kind] = (json.loads(proc.stdout), d)  # stdout holds exactly one JSON object
    return out


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_c_simulation_agrees_with_float(reports, kind: str) -> None:
    report, out = reports[kind]
    a = report["agreement"]
    assert a["samples"] == 200
    assert a["max_abs_error"] <= MAX_ABS_ERROR
    assert a["mean_abs_error"] <= MEAN_ABS_ERROR
    assert a["top1_agreement"] >= TOP1
    assert a["disagreements"] == a["near_ties"]  # only near ties may flip
    assert a["max_abs_error"] > 0  # it really ran in fixed point


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_report_files_and_contents(reports, kind: str) -> None:
    report, out = reports[kind]
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST_NAME,
        "fpga.toml",
        "hls4ml.log",
        "hls_project",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert json.loads((out / "report.json").read_text()) == report
    project = out / "hls_project"
    name = report["project"]["name"]
    assert (project / "firmware" / f"{name}.cpp").is_file()
    assert (project / "build_prj.tcl").is_file()
    assert list((project / "firmware").glob(f"{name}-*.so"))  # the C-simulation library
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for text in (
        "C simulation (fixed point) vs float Keras",
        "Error per layer",
        "Precision profile",
        "Resource and latency estimate",
        "not HLS synthesis",
    ):
        assert text in md and text in html
    assert report["config"]["precision"] == "ap_fixed<16,6>"
    assert report["synthesis"] is None
    assert report["warnings"] == []  # --data given


def test_per_layer_errors_follow_the_network(reports) -> None:
    report, _ = reports["mlp"]
    rows = {r["layer"]: r for r in report["layers"]}
    # Each Dense is split by hls4ml into the product and its activation; both are traced.
    assert list(rows) == ["fc1", "fc1_relu", "fc2", "fc2_relu", "fc3", "fc3_relu", "output", "output_softmax"]
    for r in rows.values():
        assert r["type"] == "ap_fixed<16,6>" and r["out_of_range"] == 0
        assert r["max_abs_error"] < 0.5
    # first layer: 16 truncated products + the truncated input (|w| < 0.5, 16 inputs
    # -> < 8 steps) + the result cast: < 26 steps
    assert rows["fc1"]["max_abs_error"] <= 26 * 2**-10
    # errors grow with depth: truncation is biased, it does not average out
    assert rows["fc1"]["max_abs_error"] < rows["fc3"]["max_abs_error"]


def test_precision_profile_and_estimate(reports) -> None:
    report, _ = reports["mlp"]
    prof = {(p["layer"], p["what"]): p for p in report["profile"]}
    w = prof["fc1", "weight"]
    # trained weights are well below 1: ap_fixed<16,6> spends integer bits on nothing
    assert w["status"].startswith("wastes") and w["suggested"].startswith("ap_fixed<")
    assert report["suggested_config"]["fc1"]["weight"] == w["suggested"]
    # the softmax's sum of exponentials lies in [1, 5]: 4 integer bits, not 8
    s = prof["output_softmax", "exp sum"]
    assert s["type"] == "ap_fixed<18,8,AP_RND,AP_SAT>" and s["needed_integer_bits"] == 4
    assert report["suggested_config"]["output_softmax"]["inv_inp"] == "ap_fixed<14,4,AP_RND,AP_SAT>"
    est = report["estimate"]
    assert "estimate" in est["label"]
    dense = {r["layer"]: r for r in est["layers"]}
    assert dense["fc1"]["weights"] == 16 * 64
    assert dense["fc1"]["dsp"] == dense["fc1"]["nonzero_weights"] <= 16 * 64
    assert est["dsp"] >= 0.9 * (16 * 64 + 64 * 32 + 32 * 32 + 32 * 5)  # reuse factor 1
    assert est["ii_cycles"] == 1 and 5 <= est["latency_cycles"] <= 60
    cnn = {r["layer"]: r for r in reports["cnn"][0]["estimate"]["layers"]}
    assert cnn["conv1"]["ii_cycles"] == 8 * 8  # one 3x3x1x4 product per output pixel
    assert cnn["conv1"]["multipliers"] <= 3 * 3 * 1 * 4


def test_cnn_layers_traced(reports) -> None:
    report, _ = reports["cnn"]
    kinds = {r["layer"]: r["kind"] for r in report["layers"]}
    assert kinds["conv1"] == "Conv2D" and kinds["pool1"] == "Pooling2D"
    assert kinds["output_softmax"] == "Softmax"


def test_suggested_types_in_a_config_file_with_stream_and_resource(tmp_path, models, reports, capfd) -> None:
    """Apply the profile's suggestions through --config; io_stream, resource, reuse 4."""
    lines = ['strategy = "resource"', 'io_type = "io_stream"', "reuse_factor = 4", ""]
    for name, types in reports["mlp"][0]["suggested_config"].items():
        lines.append(f'[layers."{name}".precision]')
        lines += [f'{k} = "{v}"' for k, v in types.items()]
    lines += ["[layers.fc2]", "reuse_factor = 8"]
    cfg = tmp_path / "fpga.toml"
    cfg.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o"
    code = main(
        [
            "fpga",
            str(models["mlp"]["model"]),
            "--config",
            str(cfg),
            "--data",
            str(models["mlp"]["eval"]),
            "--samples",
            "100",
            "--layer-precision",
            "fc1.weight=ap_fixed<14,2>",
            "-o",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capfd.readouterr().out)  # in-process too: nothing else on fd 1
    design = {d["layer"]: d for d in report["design"]}
    assert design["fc1"]["types"]["weight_t"] == "ap_fixed<14,2>"  # the CLI wins
    assert design["output_softmax"]["types"]["inv_inp_t"] == "ap_fixed<14,4,AP_RND,AP_SAT>"
    assert design["fc2"]["reuse_factor"] == 8 and design["fc3"]["reuse_factor"] == 4
    est = {r["layer"]: r for r in report["estimate"]["layers"]}
    assert est["fc3"]["multipliers"] == 32 * 32 // 4 and est["fc3"]["ii_cycles"] == 4
    assert report["estimate"]["bram_18k"] > 0  # resource strategy keeps weights in BRAM
    a = report["agreement"]
    assert a["samples"] == 100 and a["max_abs_error"] <= MAX_ABS_ERROR_SUGGESTED
    assert a["mean_abs_error"] <= MEAN_ABS_ERROR and a["disagreements"] == a["near_ties"]
    assert not [p for p in report["profile"] if p["status"] == "overflow"]
    assert "hls::stream" in (out / "hls_project" / "firmware" / "jet_mlp.cpp").read_text()


def test_random_inputs_warn_and_refuse_overwrite(tmp_path, models, reports, capfd) -> None:
    _, out = reports["mlp"]
    assert main(["fpga", str(models["mlp"]["model"]), "-o", str(out)]) == 1
    err = capfd.readouterr().err
    assert "already holds" in err and "--force" in err
    new = tmp_path / "random"
    new.mkdir()
    (new / "notes.txt").write_text("the user's")  # --force keeps what tinydeploy did not write
    assert main(["fpga", str(models["mlp"]["model"]), "-o", str(new), "--samples", "20", "--force"]) == 0
    assert (new / "notes.txt").read_text() == "the user's"
    captured = capfd.readouterr()
    assert "WARNING" in captured.err and "RANDOM normal inputs" in " ".join(captured.err.split())
    assert "top-1 agreement" in captured.out and "ESTIMATE (not synthesis)" in captured.out
    report = json.loads((new / "report.json").read_text())
    assert report["data"] == {"source": "random normal", "samples": 20}


def _cli(argv: list[str], env: dict | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "tinydeploy.cli", *argv], capture_output=True, text=True, env=env, cwd=cwd
    )


def test_errors_are_one_line(tmp_path, models) -> None:
    import keras

    inp = keras.Input((8,))
    x = keras.layers.Dense(4)(inp)
    odd = keras.Model(inp, keras.layers.GaussianNoise(0.1, name="noise")(x), name="odd")
    odd.save(tmp_path / "odd.keras")
    mlp = str(models["mlp"]["model"])
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "hls4ml.py").write_text("raise ImportError(\"No module named 'hls4ml'\")\n")
    no_hls = dict(os.environ, PYTHONPATH=f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    cases = [
        (
            ["fpga", str(tmp_path / "odd.keras"), "-o", str(tmp_path / "a")],
            None,
            "op #2 GaussianNoise (noise): hls4ml 1.3.0 can't convert this layer; supported "
            "Keras layers: Activation, Add,",
        ),
        (
            ["fpga", mlp, "--precision", "ap_fixed<16;6>", "-o", str(tmp_path / "b")],
            None,
            "--precision: precision 'ap_fixed<16;6>' is not a fixed-point type; write ap_fixed<W,I>",
        ),
        (
            ["fpga", mlp, "--layer-precision", "fc1=ap_fixed<8>", "-o", str(tmp_path / "c")],
            None,
            "--layer-precision fc1: precision 'ap_fixed<8>' is not a fixed-point type",
        ),
        (
            ["fpga", mlp, "--layer-precision", "nope=ap_fixed<8,2>", "-o", str(tmp_path / "d")],
            # (the input layer's name depends on how many Keras models the process made)
            None,
            "layer settings: no layer named 'nope' in the hls4ml model; its layers: ",
        ),
        (
            ["fpga", mlp, "--strategy", "fast", "-o", str(tmp_path / "e")],
            None,
            "--strategy: unknown strategy 'fast'; one of: latency, resource",
        ),
        # the CLI prints through rich, whose markup swallows "[fpga]"; the exception text
        # itself is checked in test_missing_hls4ml_message
        (
            ["fpga", mlp, "-o", str(tmp_path / "f")],
            no_hls,
            "hls4ml: not installed (No module named 'hls4ml'); install it with: pip install 'tinydeploy",
        ),
        (
            ["fpga", mlp, "--synth", "-o", str(tmp_path / "g")],
            None,
            "vivado_hls: not on PATH; --synth runs C synthesis with Vivado HLS",
        ),
        (
            ["fpga", mlp, "--synth", "--backend", "vitis", "-o", str(tmp_path / "h")],
            None,
            "vitis-run: not on PATH; --synth runs C synthesis with Vitis HLS",
        ),
    ]
    for argv, env, expected in cases:
        if "--synth" in argv and any(
            subprocess.run(["sh", "-c", f"command -v {t}"], capture_output=True).returncode == 0
            for t in ("vivado_hls", "vitis-run")
        ):
            continue  # a machine with the tools would run synthesis instead
        proc = _cli(argv, env=env, cwd=tmp_path)
        assert proc.returncode == 1, (argv, proc.stderr)
        text = " ".join(proc.stderr.split())
        assert expected in text, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.count("error:") == 1
        assert proc.stdout == ""
        assert not Path(argv[argv.index("-o") + 1]).exists()  # nothing left behind


def test_missing_hls4ml_message(monkeypatch) -> None:
    from tinydeploy.errors import ToolchainError
    from tinydeploy.fpga import hls

    monkeypatch.setitem(sys.modules, "hls4ml", None)  # makes `import hls4ml` fail
    with pytest.raises(ToolchainError) as err:
        hls.import_hls4ml()
    assert str(err.value).startswith("hls4ml: not installed (")
    assert str(err.value).endswith("install it with: pip install 'tinydeploy[fpga]'")


def test_cli_import_stays_light() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, tinydeploy.cli; print('hls4ml' in sys.modules)"],
        capture_output=True,
        text=True,
    )
    assert proc.stdout.split() == ["False"], proc.stderr
