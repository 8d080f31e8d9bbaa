"""`tinydeploy compress` on a small DS-CNN with synthetic data: every technique runs,
the packed kernels are bit-exact with TFLite Micro (host gcc and qemu-m4), and
impossible requests give one-line errors. Quick settings: ~1-2 minutes."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tinydeploy.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from tinydeploy.compress import dscnn
    from tinydeploy.compress.data import synthetic
    from tinydeploy.compress.train import fit

    tmp = tmp_path_factory.mktemp("compress")
    d = synthetic(classes=4, train=256, val=64, test=64)
    np.savez(tmp / "data.npz", x_train=d.x_train, y_train=d.y_train, x_val=d.x_val,
             y_val=d.y_val, x_test=d.x_test, y_test=d.y_test)
    m = dscnn(d.x_train.shape[1:], d.classes, width=16, depth=2)
    fit(m, d, 1)
    m.save(tmp / "model.keras")
    return tmp


TECHNIQUES = {
    "qat8": ["--bits", "8", "--epochs", "1"],
    "s4": ["--bits", "4", "--epochs", "1"],
    "prune": ["--prune", "0.8", "--prune-min-weights", "128", "--epochs", "1"],
    "cluster": ["--clusters", "16", "--epochs", "1"],
    "structured": ["--structured", "0.5", "--epochs", "1"],
    "structured_steps": ["--structured", "0.5", "--structured-steps", "2", "--structured-by",
                         "l1", "--epochs", "2"],
    "distill": ["--distill-width", "0.5", "--distill-epochs", "1", "--epochs", "0"],
    "prune_s4": ["--prune", "0.8", "--prune-min-weights", "128", "--bits", "4", "--epochs", "1"],
    "prune_skip_distill": ["--prune", "0.8", "--prune-min-weights", "128", "--prune-skip",
                           "first,depthwise", "--bits", "4", "--bits-skip", "first",
                           "--distill", "--epochs", "1", "--lr", "1e-3"],
}


def _compress(setup, name, args, capsys):
    out = setup / name
    code = main(["compress", str(setup / "model.keras"), "--data", str(setup / "data.npz"),
                 "-o", str(out), "--json", *args])
    text = capsys.readouterr()
    assert code == 0, text.err
    return out, json.loads(text.out.strip().splitlines()[-1])


def test_force_keeps_the_users_files(setup, capsys):
    """compress and search with --force into folders holding the user's files."""
    from tinydeploy.outdir import written_files

    for argv in (["compress", str(setup / "model.keras"), "--bits", "8", "--epochs", "1"],
                 ["search", "--budget-flash", "50000", "--budget-ram", "50000", "--time-limit",
                  "60", "--widths", "8", "--depths", "1", "--kernel-sizes", "3", "--epochs", "1"]):
        out = setup / f"{argv[0]}-force"
        (out / "notes").mkdir(parents=True)
        (out / "notes" / "mine.txt").write_text("keep me")
        assert main(argv + ["--data", str(setup / "data.npz"), "-o", str(out), "--force"]) == 0
        assert (out / "notes" / "mine.txt").read_text() == "keep me"
        assert written_files(out) and "notes/mine.txt" not in written_files(out)
    capsys.readouterr()


@pytest.mark.parametrize("name", list(TECHNIQUES))
def test_each_technique_compiles_bit_exact(setup, name, capsys):
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import read_model

    out, summary = _compress(setup, name, TECHNIQUES[name], capsys)
    assert 0.0 <= summary["int8_accuracy"] <= 1.0 and summary["steps"]
    model = read_model(out / "model.tflite")
    cm = compile_model(model, out / "compiled")
    if name in ("s4", "cluster", "prune", "prune_s4"):
        assert any(k.endswith("_packed") for k in cm.kernels), cm.kernels
    if shutil.which("gcc"):
        result = check(cm, (out / "model.tflite").read_bytes(), inputs=10)
        assert result["exact_match_rate"] == 1.0, result
    if name == "s4":
        w = [t.data for t in model.tensors if t.data is not None and t.dtype == "int8"
             and t.data.size >= 64]
        assert w and all(np.abs(a).max() <= 7 for a in w)
    if name == "prune_skip_distill":
        assert any("distillation from the original model" in st for st in summary["steps"])
        ops = [op for op in model.ops if op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D")]
        zeros = [float(np.mean(model.tensors[op.inputs[1]].data == 0)) for op in ops]
        kinds = [op.opcode for op in ops]
        # the first conv and the depthwise kernels are spared, the pointwise ones pruned
        assert zeros[0] < 0.5 and all(z < 0.5 for z, k in zip(zeros, kinds) if k != "CONV_2D")
        assert all(z >= 0.75 for z, k in zip(zeros[1:], kinds[1:]) if k == "CONV_2D"), zeros
        # --bits-skip first: the first conv keeps 8-bit values, the others are 4-bit
        w = [np.abs(model.tensors[op.inputs[1]].data).max() for op in ops]
        assert w[0] > 7 and max(w[1:]) <= 7, w
    if name == "cluster":
        w = [t.data for t in model.tensors if t.data is not None and t.dtype == "int8"
             and t.data.size >= 64]
        assert w and all(np.unique(a).size <= 16 for a in w)
    if name.startswith("structured"):
        # width 16 -> 8 channels in every Conv2D; the depthwise and dense layers follow
        assert "16/16/16 -> 8/8/8 channels" in summary["steps"][0], summary["steps"]
        conv = [op for op in model.ops if op.opcode == "CONV_2D"]
        assert all(model.tensors[op.outputs[0]].shape[-1] == 8 for op in conv)
        assert ("in 2 steps" in summary["steps"][0]) == (name == "structured_steps")


@pytest.mark.qemu
@pytest.mark.skipif(shutil.which("qemu-system-arm") is None or
                    shutil.which("arm-none-eabi-gcc") is None,
                    reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_packed_kernels_bit_exact_on_qemu(setup, capsys):
    from tinydeploy.pipeline import flash

    out = setup / "prune_s4"  # written by test_each_technique_compiles_bit_exact[prune_s4]
    if not (out / "model.tflite").exists():
        out, _ = _compress(setup, "prune_s4", TECHNIQUES["prune_s4"], capsys)
    (out / "flash").mkdir()
    report = flash(out / "model.tflite", "qemu-m4", out / "flash", check=10, runs=1)
    kernels = json.loads((out / "flash" / "compiled" / "compiled.json").read_text())["kernels"]
    assert any(k.endswith("_packed") for k in kernels), kernels
    assert report["exact_match_rate"] == 1.0 and report["max_abs_diff"] == 0.0


@pytest.mark.parametrize("args,message", [
    (["--prune", "1.5"], "--prune: sparsity 1.5 is outside 0..1"),
    (["--structured", "-0.1"], "--structured: sparsity -0.1 is outside 0..1"),
    (["--bits", "3"], "--bits: 3 bits; supported: 8 and 4"),
    (["--prune", "0.5", "--prune-skip", "first,nosuch"],
     "--prune-skip: 'nosuch' matches no weight layer; use first, last, depthwise, dense, conv"),
    (["--distill", "--epochs", "0"], "--distill: distillation during fine-tuning needs --epochs > 0"),
    (["--distill", "--alpha", "1.5"], "--alpha: alpha 1.5 must be in 0..1"),
    (["--structured", "0.5", "--lr", "0"], "--lr: learning rate 0.0 must be > 0"),
    (["--bits-skip", "first"], "--bits-skip: keeps layers at 8 bits when the others get 4"),
])
def test_impossible_settings(setup, args, message, capsys):
    code = main(["compress", str(setup / "model.keras"), "--data", str(setup / "data.npz"),
                 "-o", str(setup / "bad"), *args])
    assert code == 1
    assert message in capsys.readouterr().err


def test_layer_type_named(setup):
    import keras

    from tinydeploy.compress import UnsupportedLayerError
    from tinydeploy.compress.layers import structured_prune

    inp = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(4, 3, padding="same")(inp)
    b = keras.layers.Conv2D(4, 3, padding="same")(a)
    y = keras.layers.Add(name="skip")([a, b])
    with pytest.raises(UnsupportedLayerError, match="layer 'skip' \\(Add\\)"):
        structured_prune(keras.Model(inp, y), 0.5)
    seq = keras.Sequential([keras.Input((8, 4)), keras.layers.LSTM(4, name="rnn")])
    with pytest.raises(UnsupportedLayerError, match="layer 'rnn' \\(LSTM\\)"):
        structured_prune(seq, 0.5)


def test_search_pareto_and_infeasible():
    from tinydeploy.compress import NoFeasibleModelError
    from tinydeploy.compress.data import synthetic
    from tinydeploy.compress.search import Budget, search

    d = synthetic(classes=3, shape=(16, 8, 1), train=128, val=32, test=32)
    res = search(d, Budget(flash_bytes=20_000, ram_bytes=20_000, seconds=60), widths=(8, 16),
                 depths=(1,), kernels=(3,), epochs=1)
    assert res.pareto and all(c.flash_bytes <= 20_000 for c in res.evaluated)
    with pytest.raises(NoFeasibleModelError, match="no candidate fits flash 10 B"):
        search(d, Budget(flash_bytes=10, ram_bytes=10, seconds=60), widths=(8,), depths=(1,),
               kernels=(3,), epochs=1)


def test_search_cli_writes_pareto_models(setup, capsys):
    import keras

    out = setup / "search"
    code = main(["search", "--data", str(setup / "data.npz"), "-o", str(out), "--json",
                 "--budget-flash", "50000", "--budget-ram", "50000", "--time-limit", "60",
                 "--widths", "8,16", "--depths", "1", "--kernel-sizes", "3", "--epochs", "1"])
    text = capsys.readouterr()
    assert code == 0, text.err
    summary = json.loads(text.out.strip().splitlines()[-1])
    assert summary["pareto"] and json.loads((out / "search.json").read_text()) == summary
    for row in summary["pareto"]:
        assert row["flash_bytes"] <= 50_000 and 0.0 <= row["accuracy"] <= 1.0
        model = keras.models.load_model(out / row["file"], compile=False)
        assert model.layers[1].filters == row["width"]


@pytest.mark.parametrize("args,message", [
    (["--widths", "16,x"], "--widths: '16,x' is not a comma-separated list of positive"),
    (["--budget-flash", "10"], "search: no candidate fits flash 10 B"),
])
def test_search_cli_errors(setup, args, message, capsys):
    base = ["search", "--data", str(setup / "data.npz"), "-o", str(setup / "search-bad"),
            "--budget-flash", "50000", "--budget-ram", "50000", "--widths", "8", "--depths", "1",
            "--kernel-sizes", "3", "--epochs", "1", "--force"]
    code = main(base + args)
    assert code == 1
    assert message in capsys.readouterr().err
