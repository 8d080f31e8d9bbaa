"""`tinydeploy fpga` on PyTorch models, with real torch and real hls4ml.

The models are trained for a few seconds on synthetic 5-class data, as in test_fpga.py,
and its bounds hold for the same reasons (ap_fixed<16,6>, truncating types, hls4ml's
softmax tables). What is new here is the layout: PyTorch is channels-first and hls4ml
channels-last, so a reference compared in the wrong layout gives errors of the order of
the values themselves (a 4x4x4 pooling output has the same shape either way, so only
the values tell); these tests bound every layer's error well below that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow
torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'tinydeploy[torch]')")
pytest.importorskip("hls4ml", reason="hls4ml is not installed (pip install 'tinydeploy[fpga]')")

import tinydeploy  # noqa: E402
from tinydeploy.errors import UnsupportedOpError  # noqa: E402

MAX_ABS_ERROR = 0.25  # hls4ml's default softmax types (test_fpga.py says why)
MEAN_ABS_ERROR = 0.02
TOP1 = 0.95
LAYER_ERROR = 0.5  # as in test_fpga.py: truncation grows with depth; a wrong layout is off by ~1
EARLY_ERROR = 0.05  # the first conv, its ReLU and the pooling: a few truncation steps


def _blobs(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    centres = np.random.default_rng(42).standard_normal((5, *shape)) * 1.2
    y = rng.integers(0, 5, n)
    return (centres[y] + rng.standard_normal((n, *shape))).astype(np.float32), y


def _build(kind: str):
    nn = torch.nn
    torch.manual_seed(0)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5))
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(32, 5)
    )


def _train(model, x: np.ndarray, y: np.ndarray):
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(4):
        for i in range(0, len(x), 64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xs[i : i + 64]), ys[i : i + 64]).backward()
            opt.step()
    # the softmax is part of the model, as in a deployed classifier (hls4ml converts it)
    return torch.nn.Sequential(*model, torch.nn.Softmax(dim=-1)).eval()  # hls4ml streams only dim=-1


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("fpga_torch_models")
    out = {}
    for kind, shape in (("mlp", (16,)), ("cnn", (1, 10, 10))):
        x, y = _blobs(np.random.default_rng(1), 2000, shape)
        model = _train(_build(kind), x, y)
        torch.save(model, d / f"{kind}.pt")
        x_eval, _ = _blobs(np.random.default_rng(2), 200, shape)
        np.save(d / f"{kind}_eval.npy", x_eval)
        out[kind] = {"module": model, "model": d / f"{kind}.pt", "eval": d / f"{kind}_eval.npy", "x": x_eval}
    return out


def _cli(argv: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *argv], capture_output=True, text=True, env=env)


def _check_agreement(report: dict, samples: int) -> None:
    a = report["agreement"]
    assert a["samples"] == samples
    assert 0 < a["max_abs_error"] <= MAX_ABS_ERROR
    assert a["mean_abs_error"] <= MEAN_ABS_ERROR
    assert a["top1_agreement"] >= TOP1 and a["disagreements"] == a["near_ties"]


def test_cli_converts_a_saved_module(models, tmp_path) -> None:
    out = tmp_path / "out"
    m = models["mlp"]
    proc = _cli(["fpga", str(m["model"]), "--input-shape", "1,16", "--data", str(m["eval"]), "-o", str(out), "--json"])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    _check_agreement(report, 200)
    assert report["model"]["framework"] == "pytorch" and report["model"]["torch"] == torch.__version__.split("+")[0]
    assert report["model"]["input_shape"] == [16] and report["warnings"] == []
    # every Linear and activation is a layer of its own (fx node names), each compared
    rows = {r["layer"]: r for r in report["layers"]}
    assert [r["kind"] for r in rows.values()] == ["Dense", "Activation"] * 2 + ["Dense", "Softmax"]
    assert all(r["max_abs_error"] < LAYER_ERROR for r in rows.values() if r["kind"] != "Softmax")
    first = next(iter(rows.values()))
    assert first["max_abs_error"] <= 26 * 2**-10  # as for Keras: < 26 truncation steps
    md = (out / "report.md").read_text()
    assert "C simulation (fixed point) vs float PyTorch" in md and "(PyTorch " in md
    assert "hls::stream" not in (out / "hls_project" / "firmware" / "sequential.cpp").read_text()


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_api_converts_a_module_channels_first(models, tmp_path, io_type: str) -> None:
    m = models["cnn"]
    result = tinydeploy.fpga(
        m["module"], tmp_path / "out", data=m["x"], example_input=m["x"][:1], io_type=io_type, samples=100
    )
    report = result.report
    _check_agreement(report, 100)
    rows = {r["layer"]: r for r in report["layers"]}
    kinds = [r["kind"] for r in rows.values()]
    assert kinds[:3] == ["Conv2D", "Activation", "Pooling2D"] and kinds[-2:] == ["Dense", "Softmax"]
    for r in rows.values():  # channels-first references would be off by the values themselves
        assert r["kind"] == "Softmax" or r["max_abs_error"] < LAYER_ERROR, r
    assert all(r["max_abs_error"] < EARLY_ERROR for r in list(rows.values())[:3])
    assert report["model"]["input_shape"] == [1, 10, 10]  # the samples as the user gave them
    stream = [w for w in report["warnings"] if "channels-last" in w]
    if io_type == "io_stream":
        assert len(stream) == 1 and "[10, 10, 1]" in stream[0]
    else:
        assert stream == []


def test_errors_are_one_line(models, tmp_path) -> None:
    nn = torch.nn
    small = nn.Sequential(nn.Linear(16, 8), nn.ReLU())
    torch.jit.save(torch.jit.script(small), tmp_path / "script.pt")
    torch.export.save(torch.export.export(small, (torch.randn(1, 16),)), tmp_path / "program.pt2")
    torch.save(small.state_dict(), tmp_path / "weights.pt")
    torch.save(nn.Sequential(nn.Linear(16, 8), nn.Hardshrink()), tmp_path / "odd.pt")
    torch.save(_Custom(), tmp_path / "custom.pt")
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "torch.py").write_text("raise ImportError(\"No module named 'torch'\")\n")
    no_torch = dict(os.environ, PYTHONPATH=f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    mlp = str(models["mlp"]["model"])
    cases = [
        ("script.pt", None, "a TorchScript file; hls4ml converts torch.nn modules, not TorchScript: save the whole"),
        ("program.pt2", None, "a torch.export program (.pt2); hls4ml converts torch.nn modules"),
        ("weights.pt", None, "a state_dict (weights without the layers); save the whole module with torch.save("),
        ("custom.pt", None, "holds test_fpga_torch._Custom, which is not a torch.nn class"),
        ("odd.pt", None, "op #2 Hardshrink (1): hls4ml 1.3.0 can't convert this layer; supported torch.nn layers: "),
        (mlp, no_torch, "torch: not installed (No module named 'torch'); install it with: pip install 'tinydeploy"),
    ]
    for name, env, expected in cases:
        out = tmp_path / f"o_{Path(name).stem}"
        proc = _cli(["fpga", str(tmp_path / name), "--input-shape", "1,16", "-o", str(out)], env=env)
        assert proc.returncode == 1, (name, proc.stderr)
        text = " ".join(proc.stderr.split())
        assert expected in text, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.count("error:") == 1 and proc.stdout == ""
        assert not out.exists()
    proc = _cli(["fpga", mlp, "-o", str(tmp_path / "noshape")])
    assert proc.returncode == 1 and "needs its input shape, with the batch axis: --input-shape 1,16" in proc.stderr


def test_api_takes_a_custom_module_with_functional_ops(tmp_path) -> None:
    """A subclass (not loadable from a file) traces with torch.fx; functions are layers too."""
    torch.manual_seed(0)
    result = tinydeploy.fpga(_Conv1d().eval(), tmp_path / "out", example_input=torch.randn(1, 2, 16), samples=20)
    rows = [(r["layer"], r["kind"]) for r in result.report["layers"]]
    assert rows == [("conv", "Conv1D"), ("relu", "Activation"), ("pool", "Pooling1D"), ("fc", "Dense")]
    assert all(r["max_abs_error"] < EARLY_ERROR for r in result.report["layers"])
    with pytest.raises(UnsupportedOpError) as err:
        tinydeploy.fpga(_Gelu(), tmp_path / "gelu", input_shape=(1, 4))
    assert str(err.value).startswith("op #1 gelu (gelu): hls4ml 1.3.0 can't convert this layer; supported torch.nn")
    assert not (tmp_path / "gelu").exists()


class _Conv1d(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(2, 4, 3)
        self.pool = torch.nn.AvgPool1d(2)
        self.fc = torch.nn.Linear(4 * 7, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))


class _Gelu(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.gelu(x)


class _Custom(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)
