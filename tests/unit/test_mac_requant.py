"""td_mac.h's requantization (both record forms, tinydeploy/compile/mac.py) against
TFLite's MultiplyByQuantizedMultiplier (td_fixedpoint.h's td_mbqm) on the host: random
multipliers, shifts and zero points, accumulators around zero (where the fast form puts
the sign of the accumulator for the sign of the rounded product) and on rounding
boundaries."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tinydeploy.resources import firmware_dir

HARNESS = r"""
#include <stdio.h>
#include "td_fixedpoint.h"
#include "td_mac.h"

static unsigned rng = 12345u;
static unsigned rnd(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

int main(void) {
  long bad = 0, cases = 0;
  for (int i = 0; i < 400000; ++i) {
    const int32_t m = (int32_t)((1u << 30) + (rnd() & 0x3FFFFFFFu));
    const int32_t e = 1 + (int32_t)(rnd() % 20u);
    const int32_t zp = (int32_t)(rnd() % 256u) - 128;
    const int32_t bias = (int32_t)(rnd() % 2001u) - 1000;
    int32_t sum;
    switch (rnd() % 4u) {
      case 0: sum = (int32_t)(rnd() % 64u) - 32 - bias; break;       /* acc near 0 */
      case 1: sum = (int32_t)(rnd() % 2000001u) - 1000000; break;
      case 2: { /* acc * m / 2^31 near k * 2^e + 2^(e-1): a rounding boundary */
        const int64_t target = ((int64_t)((int32_t)(rnd() % 201u) - 100) << e) + (1 << (e - 1));
        sum = (int32_t)((target << 31) / m) - bias + (int32_t)(rnd() % 5u) - 2;
        break;
      }
      default: sum = (int32_t)(rnd() >> 2) - (1 << 29); break;   /* |2 acc| < 2^31 */
    }
    const int32_t want = td_mbqm(sum + bias, m, -e) + zp;
    const int32_t slow[6] = {bias, m, 0, e, 1 << (e - 1), -1};
    const int32_t fast[6] = {2 * bias, m, 0, e, (1 << (e - 1)) + zp * (1 << e), -1};
    const int32_t a = td_mac_requant(sum, slow, zp, 0);
    const int32_t b = td_mac_requant(sum, fast, zp, 1);
    cases++;
    if (a != want || b != want) {
      if (bad++ < 5) printf("sum %ld bias %ld m %ld e %ld zp %ld: want %ld slow %ld fast %ld\n",
                            (long)sum, (long)bias, (long)m, (long)e, (long)zp, (long)want,
                            (long)a, (long)b);
    }
  }
  /* e == 0 and left shifts: the general form only */
  for (int i = 0; i < 100000; ++i) {
    const int32_t m = (int32_t)((1u << 30) + (rnd() & 0x3FFFFFFFu));
    const int32_t left = (int32_t)(rnd() % 3u);
    const int32_t sum = (int32_t)(rnd() % 200001u) - 100000;
    const int32_t want = td_mbqm(sum, m, left) + 3;
    const int32_t slow[6] = {0, m, left, 0, 0, 0};
    cases++;
    if (td_mac_requant(sum, slow, 3, 0) != want) bad++;
  }
  /* the 16-bit product itself, over the whole range of a */
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = (int32_t)rnd();
    const int32_t m = (int32_t)(rnd() >> 1);
    const int32_t want = (int32_t)(((int64_t)a * m + ((int64_t)1 << 31)) >> 32);
    cases++;
    if (td_mac_mulhi_round(a, m) != want) bad++;
  }
  printf("cases %ld bad %ld\n", cases, bad);
  return bad != 0;
}
"""


# TD_MAC_MUL32: the ARMv6-M product from 16-bit halves, on the host too
@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is needed")
@pytest.mark.parametrize("defines", [[], ["-DTD_MAC_MUL32=1"]])
def test_mac_requantization_equals_tflite(tmp_path, defines: list[str]) -> None:
    src = tmp_path / "rq.c"
    src.write_text(HARNESS)
    exe = tmp_path / "rq"
    runtime = firmware_dir() / "runtime"
    subprocess.run(
        ["gcc", "-std=c99", "-O2", "-Wall", *defines, "-I", str(runtime), str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        text=True,
    )
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode == 0 and "bad 0" in run.stdout, run.stdout
