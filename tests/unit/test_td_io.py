"""firmware/app/td_io.c built on the host and checked against Python: the number
printers (integer-only: no float rounding, no libgcc 64-bit division) and the JSON
string escaper (UTF-8 names arrive intact as \\uXXXX escapes)."""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from tinydeploy.resources import firmware_dir

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a host C compiler (cc)")

# A driver: one request per stdin line, one reply line each.
#   u <decimal>      td_put_u64           i <decimal>   td_put_i32
#   d <n> <d>        td_udiv64 -> "q r"   f <hex bits>  td_put_fixed3
#   j <hex bytes>    td_put_json_str
DRIVER = r"""
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "td_hal.h"
#include "td_io.h"

void hal_putc(char c) { putchar(c); }
void hal_flush(void) {}
int hal_getc(void) { return -1; }
uint64_t hal_ticks(void) { return 0; }
uint32_t hal_tick_hz(void) { return 1000000u; }

int main(void) {
  static char line[70000];
  while (fgets(line, sizeof line, stdin)) {
    char *arg = line + 2;
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == 'u') {
      td_put_u64(strtoull(arg, 0, 10));
    } else if (line[0] == 'i') {
      td_put_i32((int32_t)strtol(arg, 0, 10));
    } else if (line[0] == 'd') {
      char *end;
      uint64_t n = strtoull(arg, &end, 10);
      uint32_t r;
      uint64_t q = td_udiv64(n, (uint16_t)strtoul(end, 0, 10), &r);
      printf("%" PRIu64 " %" PRIu32, q, r);
    } else if (line[0] == 'f') {
      union { uint32_t u; float f; } bits;
      bits.u = (uint32_t)strtoul(arg, 0, 16);
      td_put_fixed3(bits.f);
    } else if (line[0] == 'j') {
      size_t i, n = strlen(arg) / 2;
      char *text = malloc(n + 1);  /* exactly: ASan sees a read past the NUL */
      for (i = 0; i < n; i++) {
        unsigned v;
        sscanf(arg + 2 * i, "%2x", &v);
        text[i] = (char)v;
      }
      text[n] = '\0';
      td_put_json_str(text);
      free(text);
    }
    putchar('\n');
  }
  return 0;
}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("td_io")
    (tmp / "driver.c").write_text(DRIVER)
    exe = tmp / "driver"
    app = firmware_dir() / "app"
    subprocess.run(
        [
            "cc",
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            f"-I{app}",
            str(tmp / "driver.c"),
            str(app / "td_io.c"),
            "-o",
            str(exe),
        ],
        check=True,
        capture_output=True,
        text=True,
    )

    def _run(requests: list[str]) -> list[str]:
        proc = subprocess.run(
            [str(exe)], input="\n".join(requests) + "\n", capture_output=True, text=True, check=True, timeout=60
        )
        assert proc.stderr == ""  # UBSan is quiet
        return proc.stdout.split("\n")[: len(requests)]

    return _run


def test_integers_and_64_bit_division(run) -> None:
    rng = np.random.default_rng(1)
    u64 = (
        [0, 9, 10, 2**32 - 1, 2**32, 10**19, 2**64 - 1]
        + [int(v) for v in rng.integers(0, 2**63, 200, dtype=np.uint64)]
        + [int(v) >> int(s) for v, s in zip(rng.integers(0, 2**63, 100, dtype=np.uint64), rng.integers(0, 63, 100))]
    )
    assert run([f"u {v}" for v in u64]) == [str(v) for v in u64]
    i32 = [0, -1, 1, -(2**31), 2**31 - 1, -123456]
    assert run([f"i {v}" for v in i32]) == [str(v) for v in i32]
    # the lap timestamps: ticks / ticks-per-microsecond (25 on qemu-m4, 1000 on the host)
    pairs = [(n, d) for n in u64[:60] for d in (1, 10, 25, 64, 480, 1000, 4294, 65535)]
    assert run([f"d {n} {d}" for n, d in pairs]) == [f"{n // d} {n % d}" for n, d in pairs]


def _fixed3(bits: int) -> str:
    """The exact float32 value rounded half up on the magnitude to three decimals."""
    x = struct.unpack("<f", struct.pack("<I", bits))[0]
    if math.isnan(x):
        return "nan"
    sign = "-" if x < 0 else ""
    if abs(x) > np.float32(1e15):
        return sign + "inf"
    text = str(Decimal(abs(x)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    return sign + text


def test_fixed3_is_the_exact_value_rounded(run) -> None:
    rng = np.random.default_rng(2)
    floats = np.concatenate(
        [
            np.float32(
                [
                    0.0,
                    -0.0,
                    0.0625,
                    -0.0625,
                    0.0005,
                    0.0015,
                    0.9995,
                    0.99949998,
                    1.0005,
                    999.9995,
                    16777216.0,
                    1e15,
                    np.nextafter(np.float32(1e15), np.float32(2e15)),
                    3.4e38,
                    np.inf,
                    -np.inf,
                    np.nan,
                    1e-45,
                    -1e-30,
                    123.456,
                    -7.8125e-3,
                ]
            ),
            rng.standard_normal(2000).astype(np.float32) * np.float32(10.0) ** rng.integers(-6, 12, 2000),
            # every int8 output an EEMBC runner sees: scale * (q - zero_point)
            np.float32(0.00390625) * (np.arange(-128, 128, dtype=np.float32) + 128),
            np.float32(0.1234567) * (np.arange(-128, 128, dtype=np.float32) - 3),
        ]
    ).astype(np.float32)
    bits = floats.view(np.uint32).tolist()
    got = run([f"f {b:08x}" for b in bits])
    want = [_fixed3(b) for b in bits]
    bad = [(f, g, w) for f, g, w in zip(floats.tolist(), got, want) if g != w]
    assert not bad, bad[:10]
    assert got[:3] == ["0.000", "0.000", "0.063"]  # half up on the magnitude: 0.0625 -> 0.063
    # what the host parses (Link.infer: float(v)) is within half a thousandth
    finite = [(f, g) for f, g in zip(floats.tolist(), got) if math.isfinite(f) and abs(f) <= 1e15]
    assert all(abs(float(g) - f) <= 0.0005 * (1 + 1e-12) + abs(f) * 1e-16 for f, g in finite)


@pytest.mark.parametrize(
    "text", ["kws_ref_model", "Ω名前 ünïcödé 🙂", 'a"b\\c\n\td\x7f\x01', "𝄞 beyond the BMP", "x" * 5000]
)
def test_json_str_carries_utf8_text(run, text: str) -> None:
    (line,) = run(["j " + text.encode("utf-8").hex()])
    assert line.isascii() and all(0x20 <= ord(c) < 0x7F for c in line)  # one printable line
    assert json.loads(line) == text


def test_json_str_malformed_utf8_is_replaced(run) -> None:
    cases = {
        b"\xff": "\ufffd",
        b"a\x80b": "a\ufffdb",
        b"\xc0\xaf": "\ufffd\ufffd",  # overlong
        b"\xed\xa0\x80": "\ufffd" * 3,  # a UTF-16 surrogate spelled in UTF-8
        b"\xf4\x90\x80\x80": "\ufffd" * 4,  # above U+10FFFF
        b"\xe2\x82": "\ufffd\ufffd",
        b"ok\xe2\x82\xac": "ok\u20ac",
    }  # cut short / whole
    lines = run(["j " + raw.hex() for raw in cases])
    for (raw, want), line in zip(cases.items(), lines):
        assert line.isascii() and json.loads(line) == want, (raw, line)
