"""`tinydeploy profile`: exact per-op instruction counts on QEMU, tables and reports."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import mlperf_path
from tinydeploy.cli import main

pytestmark = pytest.mark.slow
needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)


@needs_arm
def test_profile_kws_on_qemu_m4(tmp_path, capsys) -> None:
    out = tmp_path / "p"
    assert main(["profile", str(mlperf_path("kws")), "--board", "qemu-m4", "-o", str(out), "--json"]) == 0, (
        capsys.readouterr().err
    )
    r = json.loads(capsys.readouterr().out)
    assert r["kernels"] == "dsp"
    ops = r["ops"]
    assert [o["index"] for o in ops] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]  # 10 is a reshape
    assert sum(o["macs"] for o in ops) == r["macs"] == 2_656_768
    # per-op counts exclude only the calls between ops: within 1% of the whole inference
    assert 0.99 * r["instructions_per_inference"] <= r["instructions_in_ops"] <= r["instructions_per_inference"]
    conv = [o for o in ops if o["op"] == "CONV_2D"]
    assert all(o["instructions"] >= o["macs"] / 2 for o in conv)  # SMLAD: 2 MACs at most
    # the four pointwise convolutions are the same shape: the same count, give or take
    # the instruction or two of the timer reads around each op
    counts = [o["instructions"] for o in conv[1:]]
    assert max(counts) - min(counts) <= 2
    assert "m4_cycles_estimate" in r and "estimate" in r["note"]
    for name in ("report.json", "report.md", "report.html"):
        assert (out / name).is_file()
    assert "| 0 | CONV_2D |" in (out / "report.md").read_text()


def test_profile_rejects_unknown_kernels(tmp_path, capsys) -> None:
    assert main(["profile", str(mlperf_path("kws")), "--kernels", "turbo", "-o", str(tmp_path / "x")]) == 1
    assert "--kernels: must be one of auto, reference, dsp" in capsys.readouterr().err


def test_op_rows_convert_ticks_exactly() -> None:
    from types import SimpleNamespace

    from tinydeploy.profile import op_rows

    prof = {"tick_hz": 25_000_000, "overhead_ticks": 10, "ops": [[0, 1610], [3, 170]]}
    stats = {0: SimpleNamespace(op="CONV_2D", macs=1000), 3: SimpleNamespace(op="SOFTMAX", macs=0)}
    rows = op_rows(prof, [{"index": 0, "kernel": "td_conv2d_s8_dsp"}], stats, ns_per_insn=64.0)
    # 1600 net ticks of 40 ns = 64,000 ns = 1000 instructions of 64 ns
    assert rows[0]["instructions"] == 1000 and rows[0]["instructions_per_mac"] == 1.0
    assert rows[1]["instructions"] == 100 and rows[1]["instructions_per_mac"] is None
    assert rows[0]["share"] == round(1000 / 1100, 4)
