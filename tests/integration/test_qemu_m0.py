"""ARMv6-M on QEMU's `microbit` machine (Cortex-M0, nRF51 UART and TIMER0): MLPerf Tiny
models built for v6-M, run bit-exact with instruction counts; the real part's 16 KB of
RAM refuses what does not fit before anything runs."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import mlperf_path
from tinydeploy.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.qemu,
    pytest.mark.skipif(
        shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
        reason="arm-none-eabi-gcc and qemu-system-arm are needed (apt-get install "
        "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)",
    ),
]


def _flash(capsys, *argv: str) -> dict:
    assert main(["flash", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


# KWS fits the real micro:bit (about 11 KB of static RAM); AD (FC only) and ResNet-8
# (ADD, residual branches) need the enlarged qemu-m0. VWW uses only ops KWS covers.
@pytest.mark.parametrize("key,board", [("kws", "qemu-microbit"), ("ad", "qemu-m0"), ("resnet", "qemu-m0")])
def test_mlperf_on_cortex_m0_is_bit_exact_and_counted(tmp_path, capsys, key, board) -> None:
    r = _flash(
        capsys, str(mlperf_path(key)), "--board", board, "--check", "3", "--runs", "2", "-o", str(tmp_path / key)
    )
    assert (r["board"], r["cpu"], r["kernels"]) == (board, "cortex-m0", "v6m")
    assert r["device_info"]["timer"] == "timer0" and r["device_info"]["tick_hz"] == 16_000_000
    assert r["check"]["inputs"] == 3 and r["exact_match_rate"] == 1.0
    # whole instructions: ticks of 62.5 ns under half a 128 ns instruction round exactly
    ipi = r["instructions_per_inference"]
    assert ipi == int(ipi) and r["macs"] <= ipi <= 60 * r["macs"]
    assert 0 < r["stack_bytes"] < r["stack_reserved_bytes"]
    assert r["static_ram_bytes"] + r["stack_reserved_bytes"] <= r["board_ram_bytes"]


def test_model_too_big_for_the_real_nrf51_is_refused_with_numbers(tmp_path, capsys) -> None:
    code = main(
        ["flash", str(mlperf_path("resnet")), "--board", "qemu-microbit", "--check", "1", "-o", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert code != 0 and "does not fit board 'qemu-microbit'" in err
    assert "RAM:" in err and "16,384" in err
