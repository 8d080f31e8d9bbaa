"""Compile-time quantization math, and the C fixed-point helpers against it."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.compile import quant
from tinydeploy.resources import firmware_dir


def test_quantize_multiplier_matches_definition():
    for real in (0.5, 0.75, 1.0, 3.0, 1e-3, 0.00390625, 0.0123456789, 123.456):
        m, s = quant.quantize_multiplier(real)
        assert (1 << 30) <= m < (1 << 31)
        assert math.isclose(m * 2.0 ** (s - 31), real, rel_tol=2**-30)


def test_quantize_multiplier_rounds_up_to_the_next_power_of_two():
    # q * 2^31 rounds to exactly 2^31: TFLite halves it and bumps the shift
    real = (1 << 31) - 0.25
    real = real / (1 << 31) * 0.5  # frexp mantissa 0.99999999988, exponent 0
    m, s = quant.quantize_multiplier(real)
    assert (m, s) == (1 << 30, 0)


def test_tiny_multipliers_flush_to_zero_and_zero_is_zero():
    assert quant.quantize_multiplier(0.0) == (0, 0)
    assert quant.quantize_multiplier(2.0**-40) == (0, 0)


def test_round_is_half_away_from_zero():
    assert quant.tflite_round(2.5) == 3 and quant.tflite_round(-2.5) == -3
    assert quant.tflite_round(0.49999999) == 0


def test_activation_ranges():
    # output scale 6/255, zero point -128: RELU6 spans the whole int8 range
    assert quant.activation_range("RELU6", 6 / 255, -128) == (-128, 127)
    # a wider output range clamps at the quantized 0 and 6
    assert quant.activation_range("RELU6", 0.1, 0) == (0, 60)
    assert quant.activation_range("RELU", 0.1, -10) == (-10, 127)
    assert quant.activation_range("RELU_N1_TO_1", 0.01, 0) == (-100, 100)
    with pytest.raises(ValueError):
        quant.activation_range("TANH", 0.1, 0)


def test_fc_per_tensor_product_is_formed_in_double():
    # Empirically what tflite-micro 0.dev20261023 does (the float32 product it once
    # used gives multipliers 92 units away here, and AD outputs off by one step).
    s_in, s_w, s_out = 0.3910152316093445, 0.0035, 0.2
    assert quant.fc_per_tensor_multiplier(s_in, s_w, s_out) == quant.quantize_multiplier(s_in * s_w / s_out)
    prod32 = float(np.float32(s_in) * np.float32(s_w))
    assert quant.fc_per_tensor_multiplier(s_in, s_w, s_out) != quant.quantize_multiplier(prod32 / s_out)


def test_softmax_params_for_a_typical_input_scale():
    p = quant.softmax_params(1.0, 0.1)
    assert p["input_left_shift"] >= 0 and p["input_multiplier"] >= 1 << 30
    assert p["diff_min"] < 0


def test_mean_multiplier_folds_the_count():
    mult, shift = quant.mean_params(0.05, 0.05, 25)
    # real multiplier = 1/25
    assert math.isclose(mult * 2.0 ** (shift - 31), 1 / 25, rel_tol=1e-6)


_HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "td_fixedpoint.h"
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "r");
  long x, m, s;
  (void)argc;
  while (fscanf(f, "%ld %ld %ld", &x, &m, &s) == 3) {
    printf("%d %d\n", (int)td_mbqm((int32_t)x, (int32_t)m, (int32_t)s),
           (int)td_rdivpot((int32_t)x, (int)(s < 0 ? -s : s) % 32));
  }
  fclose(f);
  return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_c_fixed_point_agrees_with_the_python_model(tmp_path: Path):
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(3000):
        x = int(rng.integers(-(1 << 31), 1 << 31)) if rng.random() < 0.3 else int(rng.integers(-(1 << 20), 1 << 20))
        m = int(rng.integers(1 << 30, 1 << 31))
        s = int(rng.integers(-31, 1))
        rows.append((x, m, s))
    rows += [(-(1 << 31), (1 << 31) - 1, 0), (5, 1 << 30, -1), (-5, 1 << 30, -1), (7, 1 << 30, 2)]
    (tmp_path / "in.txt").write_text("\n".join(f"{x} {m} {s}" for x, m, s in rows))
    (tmp_path / "t.c").write_text(_HARNESS)
    exe = tmp_path / "t"
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-O2",
            f"-I{firmware_dir() / 'runtime'}",
            str(tmp_path / "t.c"),
            "-o",
            str(exe),
        ],
        check=True,
    )
    out = subprocess.run([str(exe), str(tmp_path / "in.txt")], capture_output=True, text=True, check=True).stdout.split(
        "\n"
    )
    for (x, m, s), line in zip(rows, out):
        got_mbqm, got_rd = (int(v) for v in line.split())
        if s > 0 and not -(1 << 31) <= x * (1 << s) < (1 << 31):
            continue  # TFLite's x * 2^s would overflow; not reachable with int8 data
        assert got_mbqm == quant.multiply_by_quantized_multiplier(x, m, s), (x, m, s)
        assert got_rd == quant.rounding_divide_by_pot(x, (-s if s < 0 else s) % 32), (x, s)
