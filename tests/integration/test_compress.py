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
    np.savez(
        tmp / "data.npz",
        x_train=d.x_train,
        y_train=d.y_train,
        x_val=d.x_val,
        y_val=d.y_val,
        x_test=d.x_test,
        y_test=d.y_test,
    )
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
    "structured_steps": ["--structured", "0.5", "--structured-steps", "2", "--structured-by", "l1", "--epochs", "2"],
    "distill": ["--distill-width", "0.5", "--distill-epochs", "1", "--epochs", "0"],
    "prune_s4": ["--prune", "0.8", "--prune-min-weights", "128", "--bits", "4", "--epochs", "1"],
    "prune_skip_distill": [
        "--prune",
        "0.8",
        "--prune-min-weights",
        "128",
        "--prune-skip",
        "first,depthwise",
        "--bits",
        "4",
        "--bits-skip",
        "first",
        "--distill",
        "--epochs",
        "1",
        "--lr",
        "1e-3",
    ],
}


def _compress(setup, name, args, capsys):
    out = setup / name
    code = main(
        ["compress", str(setup / "model.keras"), "--data", str(setup / "data.npz"), "-o", str(out), "--json", *args]
    )
    text = capsys.readouterr()
    assert code == 0, text.err
    return out, json.loads(text.out.strip().splitlines()[-1])


def test_force_keeps_the_users_files(setup, capsys):
    """compress and search with --force into folders holding the user's files."""
    from tinydeploy.outdir import written_files

    for argv in (
        ["compress", str(setup / "model.keras"), "--bits", "8", "--epochs", "1"],
        [
            "search",
            "--study",
            f"sqlite:///{setup}/force.db",
            "--trials",
            "1",
            "--families",
            "mlp",
            "--widths",
            "8",
            "--depths",
            "1",
            "--epochs",
            "1",
        ],
    ):
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
        w = [t.data for t in model.tensors if t.data is not None and t.dtype == "int8" and t.data.size >= 64]
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
        w = [t.data for t in model.tensors if t.data is not None and t.dtype == "int8" and t.data.size >= 64]
        assert w and all(np.unique(a).size <= 16 for a in w)
    if name.startswith("structured"):
        # width 16 -> 8 channels in every Conv2D; the depthwise and dense layers follow
        assert "16/16/16 -> 8/8/8 channels" in summary["steps"][0], summary["steps"]
        conv = [op for op in model.ops if op.opcode == "CONV_2D"]
        assert all(model.tensors[op.outputs[0]].shape[-1] == 8 for op in conv)
        assert ("in 2 steps" in summary["steps"][0]) == (name == "structured_steps")


@pytest.mark.qemu
@pytest.mark.skipif(
    shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
    reason="needs qemu-system-arm and arm-none-eabi-gcc",
)
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


def test_target_accuracy_drop_picks_the_smallest_within_the_bound(setup, capsys):
    """Each recipe measured on qemu-m4; the choice is made on validation accuracy only."""
    from tinydeploy.search.autocompress import RECIPES

    out = setup / "auto"
    code = main(
        [
            "compress",
            str(setup / "model.keras"),
            "--data",
            str(setup / "data.npz"),
            "--target-accuracy-drop",
            "1.0",
            "--board",
            "qemu-m4",
            "--epochs",
            "1",
            "-o",
            str(out),
            "--json",
        ]
    )
    text = capsys.readouterr()
    assert code == 0, text.err
    s = json.loads(text.out.strip().splitlines()[-1])
    assert [v["name"] for v in s["variants"]] == [name for name, _ in RECIPES]
    rows = [s["baseline"], *s["variants"]]
    assert all(r["exact_match_rate"] == 1.0 and r["flash_bytes"] > 0 for r in rows)
    eligible = [r for r in rows if 100 * (s["baseline"]["val_accuracy"] - r["val_accuracy"]) <= 1.0 + 1e-9]
    assert s["chosen"]["flash_bytes"] == min(r["flash_bytes"] for r in eligible)
    assert s["chosen"]["val_drop_points"] <= 1.0 and "test_drop_points" in s["chosen"]
    assert (out / "model.tflite").read_bytes() and "Chosen" in (out / "compress.md").read_text()


def test_target_accuracy_drop_refuses_a_hand_picked_technique(setup, capsys):
    code = main(
        [
            "compress",
            str(setup / "model.keras"),
            "--data",
            str(setup / "data.npz"),
            "--target-accuracy-drop",
            "1.0",
            "--bits",
            "4",
            "-o",
            str(setup / "x"),
        ]
    )
    assert code == 1
    assert "--target-accuracy-drop: picks the technique itself; drop --bits" in " ".join(
        capsys.readouterr().err.split()
    )
