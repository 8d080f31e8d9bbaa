"""The Helium kernels' compile-time data (tinydeploy/compile/mve.py) and td_mve.h's vector
requantization: its plain-C twin, instruction by instruction (VSHL, VQRDMULH, VQADD,
VRSHL), against TFLite's MultiplyByQuantizedMultiplier (td_fixedpoint.h's td_mbqm) on
the host, over the edge cases (INT32_MIN / INT32_MAX accumulators, every shift, rounding
ties of either sign). The Helium code itself runs on qemu-m55
(tests/integration/test_mve_kernels.py)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from tinydeploy.compile import mve
from tinydeploy.resources import firmware_dir


def test_weight_blocks_are_four_channels_by_sixteen_bytes_zero_padded() -> None:
    w = np.arange(1, 6 * 20 + 1, dtype=np.int64).reshape(6, 20) % 127  # oc 6, depth 20
    flat = mve.weight_blocks(w)
    blocks = flat.reshape(2, 2, 4, 16)  # [ceil(6/4)][ceil(20/16)][4][16]
    assert flat.size == 2 * 2 * 4 * 16
    for c in range(6):
        for k in range(20):
            assert blocks[c // 4, k // 16, c % 4, k % 16] == w[c, k]
    assert not blocks[1, :, 2:].any()  # channels 6, 7 of the last block
    assert not blocks[:, 1, :, 4:].any()  # depth 20..31


def test_requant_records_fold_the_input_offset_and_split_the_shift() -> None:
    w = np.array([[1, -2, 3], [4, 5, -6], [0, 0, 1], [7, 7, 7], [-1, -1, -1]], dtype=np.int64)
    bias = np.array([10, -20, 30, 2**31 - 1, 0], dtype=np.int64)
    m = np.array([1 << 30, (1 << 31) - 1, 1 << 30, 1 << 30, 1 << 30], dtype=np.int64)
    s = np.array([-3, 0, 2, -31, 30], dtype=np.int64)
    rec = mve.requant_records(bias, w, m, s, input_offset=128).reshape(2, 4, 4)
    folded = (bias + 128 * w.sum(axis=1) + 2**31) % 2**32 - 2**31  # int32 wrap-around
    got = np.concatenate([rec[0], rec[1]], axis=1)[:, :5]  # [kind][channel]
    assert list(got[0]) == list(folded)
    assert list(got[1]) == list(m)
    assert list(got[2]) == [0, 0, 2, 0, 30]
    assert list(got[3]) == [-3, 0, 0, -31, 0]
    assert not rec[1][:, 1:].any()  # padded channels 5..7


def test_depthwise_band_keeps_planes_within_the_budget() -> None:
    p = dict(in_c=64, stride_h=1, filter_h=3, dilation_h=1, out_h=25)
    assert mve.dw_band(p, plane_w=7) == (25, 27)  # 64 * 27 * 7 bytes fit 16 KB
    rows, in_rows = mve.dw_band(dict(p, in_c=256, stride_h=2, out_h=48), plane_w=98)
    assert in_rows == (rows - 1) * 2 + 3 and rows == 1  # 256 planes of 98: one row a band
    rows, in_rows = mve.dw_band(dict(p, in_c=8, out_h=48), plane_w=50)
    assert 8 * in_rows * 50 <= mve.PLANES_BUDGET and rows == 38


HARNESS = r"""
#include <stdio.h>
#include "td_fixedpoint.h"
#include "td_mve.h"

static unsigned rng = 2024u;
static unsigned rnd(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static long bad = 0, cases = 0;

/* one lane of td_mve_requant against TFLite: bias 0 in the record, acc the sum */
static void one(int32_t acc, int32_t m, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
  int32_t rec[16];
  td_mve_v32 v = {{acc, acc, acc, acc}};
  int32_t want = (int32_t)((uint32_t)td_mbqm(acc, m, shift) + (uint32_t)zp);
  int j;
  want = want < lo ? lo : (want > hi ? hi : want);
  for (j = 0; j < 4; ++j) {
    rec[j] = 0;
    rec[4 + j] = m;
    rec[8 + j] = shift > 0 ? shift : 0;
    rec[12 + j] = shift > 0 ? 0 : shift;
  }
  v = td_mve_requant(v, rec, zp, lo, hi);
  cases++;
  for (j = 0; j < 4; ++j) {
    if (v.v[j] != want) {
      if (bad++ < 5) printf("acc %ld m %ld shift %ld zp %ld: want %ld got %ld\n", (long)acc,
                            (long)m, (long)shift, (long)zp, (long)want, (long)v.v[j]);
      break;
    }
  }
}

int main(void) {
  static const int32_t edges[] = {INT32_MIN, INT32_MIN + 1, -65536, -32769, -32768, -3, -2,
                                  -1, 0, 1, 2, 3, 32767, 32768, 65535, INT32_MAX - 1,
                                  INT32_MAX};
  static const int32_t mults[] = {0, 1, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX};
  const int ne = sizeof(edges) / sizeof(edges[0]);
  const int nm = sizeof(mults) / sizeof(mults[0]);
  int32_t shift;
  for (shift = -31; shift <= 2; ++shift) { /* left shifts only where TFLite's x << left fits */
    int i, k;
    for (i = 0; i < ne; ++i) {
      for (k = 0; k < nm; ++k) {
        const int32_t acc = shift > 0 ? edges[i] / (1 << shift) : edges[i];
        one(acc, mults[k], shift, 0, INT32_MIN, INT32_MAX);
        one(acc, mults[k], shift, -128, -128, 127);
        one(acc, mults[k], shift, 5, -128, 0); /* relu-style clamp */
      }
    }
  }
  for (int i = 0; i < 300000; ++i) { /* random multipliers, shifts; ties of either sign */
    const int32_t m = (int32_t)((1u << 30) + (rnd() & 0x3FFFFFFFu));
    const int32_t e = (int32_t)(rnd() % 32u);
    const int32_t zp = (int32_t)(rnd() % 256u) - 128;
    int32_t acc = (int32_t)rnd();
    if (rnd() & 1u && e > 0) { /* the product's high word near k * 2^e +- 2^(e-1) */
      const int64_t target = ((int64_t)((int32_t)(rnd() % 201u) - 100) << e) + (1 << (e - 1));
      acc = (int32_t)((target << 31) / m) + (int32_t)(rnd() % 5u) - 2;
    }
    one(acc, m, -e, zp, -128, 127);
  }
  printf("cases %ld bad %ld\n", cases, bad);
  return bad != 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is needed")
def test_vector_requantization_twin_equals_tflite(tmp_path) -> None:
    src = tmp_path / "rq.c"
    src.write_text(HARNESS)
    exe = tmp_path / "rq"
    runtime = firmware_dir() / "runtime"
    subprocess.run(
        ["gcc", "-std=c99", "-O2", "-Wall", "-I", str(runtime), str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        text=True,
    )
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode == 0 and "bad 0" in run.stdout, run.stdout
