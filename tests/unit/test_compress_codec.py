"""Packed weights: every codec decodes (C, host gcc) to exactly the int8 values."""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from tinydeploy.compile.lower import CODEC_LUT, CODEC_S4, CODEC_S8, encode_weights
from tinydeploy.resources import firmware_dir

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not on PATH")


class _Packed(ctypes.Structure):
    _fields_ = [
        ("count", ctypes.c_int32),
        ("codec", ctypes.c_int32),
        ("index_bits", ctypes.c_int32),
        ("data", ctypes.c_void_p),
        ("table", ctypes.c_void_p),
        ("mask", ctypes.c_void_p),
    ]


@pytest.fixture(scope="module")
def unpack(tmp_path_factory):
    rt = firmware_dir() / "runtime"
    lib = tmp_path_factory.mktemp("unpack") / "libunpack.so"
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-O2",
            "-shared",
            "-fPIC",
            f"-I{rt}",
            str(rt / "td_unpack_weights.c"),
            "-o",
            str(lib),
        ],
        check=True,
    )
    so = ctypes.CDLL(str(lib))

    def run(values: np.ndarray) -> tuple[np.ndarray, dict]:
        enc = encode_weights(values)
        keep = [
            np.ascontiguousarray(a, np.uint8 if a is not enc["table"] else np.int8)
            for a in (enc["data"], enc["table"], enc["mask"])
            if a is not None
        ]
        ptr = lambda a: None if a is None else np.ascontiguousarray(a).ctypes.data  # noqa: E731
        data = np.ascontiguousarray(enc["data"], np.uint8)
        table = None if enc["table"] is None else np.ascontiguousarray(enc["table"], np.int8)
        mask = None if enc["mask"] is None else np.ascontiguousarray(enc["mask"], np.uint8)
        p = _Packed(values.size, enc["codec"], enc["index_bits"], ptr(data), ptr(table), ptr(mask))
        out = np.zeros(values.size, np.int8)
        assert so.td_unpack_weights(ctypes.byref(p), out.ctypes.data_as(ctypes.c_void_p)) == 0
        del keep
        return out, enc

    return run


@pytest.mark.parametrize(
    "case", ["s4", "s4_odd", "lut16", "lut40", "sparse_s8", "sparse_s4", "sparse_lut", "dense_s8", "empty_mask"]
)
def test_unpack_matches(unpack, case):
    rng = np.random.default_rng(hash(case) % 2**32)
    n = 1001 if case == "s4_odd" else 4096
    if case.startswith("s4"):
        v = rng.integers(-8, 8, n)
    elif case.startswith("lut"):
        v = rng.choice(rng.integers(-128, 128, int(case[3:])), n)
    elif case == "sparse_s8":
        v = rng.integers(-128, 128, n) * (rng.random(n) < 0.1)
    elif case == "sparse_s4":
        v = rng.integers(-7, 8, n) * (rng.random(n) < 0.2)
    elif case == "sparse_lut":
        v = rng.choice([-100, -20, 33, 90, 127], n) * (rng.random(n) < 0.2)
    elif case == "empty_mask":
        v = np.zeros(n, np.int64)
    else:
        v = rng.integers(-128, 128, n)
    out, enc = unpack(v.astype(np.int8))
    np.testing.assert_array_equal(out, v.astype(np.int8))
    expect = {"s4": CODEC_S4, "s4_odd": CODEC_S4, "lut16": CODEC_LUT, "lut40": CODEC_LUT, "dense_s8": CODEC_S8}
    if case in expect:
        assert enc["codec"] == expect[case]
    if case.startswith("sparse"):
        assert enc["mask"] is not None
    if case != "dense_s8":
        assert enc["bytes"] < n


def test_kmeans_keeps_k_clusters_of_repeated_values():
    """Repeated values (int8 weights of a clustered layer, most of them near zero) whose
    quantiles coincide still get k centroids; k or fewer distinct values are exact."""
    from tinydeploy.compress.tflite import kmeans_1d

    values = np.linspace(-1, 1, 20)
    counts = np.r_[np.full(9, 10), 1000, 1000, np.full(9, 10)]
    v = np.repeat(values, counts)
    cent, idx = kmeans_1d(v, 16)
    assert cent.size == 16 and np.abs(v - cent[idx]).max() <= values[1] - values[0]
    exact, idx = kmeans_1d(np.repeat(values[:5], 3), 16)
    assert np.array_equal(exact, values[:5]) and np.array_equal(exact[idx], np.repeat(values[:5], 3))
