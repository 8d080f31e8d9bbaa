"""firmware/features/td_mfcc.c against the numpy front end of the keyword-spotting
example: bit-exact features and quantizer, on the host (gcc + ctypes)."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FEATURES_C = ROOT / "firmware" / "features"
sys.path.insert(0, str(ROOT / "examples" / "keyword_spotting"))

import features as F  # noqa: E402

needs_cc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is needed to build td_mfcc.c")


class _Quant(ctypes.Structure):
    _fields_ = [("multiplier", ctypes.c_int32), ("shift", ctypes.c_int32), ("zero_point", ctypes.c_int32)]


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build td_mfcc.c")
    so = tmp_path_factory.mktemp("mfcc") / "libtdmfcc.so"
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fPIC",
            "-shared",
            str(FEATURES_C / "td_mfcc.c"),
            str(FEATURES_C / "td_mfcc_tables.c"),
            "-o",
            str(so),
            "-lm",
        ],
        check=True,
    )
    c = ctypes.CDLL(str(so))
    p = ctypes.c_void_p
    c.td_mfcc_quant_init.argtypes = [ctypes.c_float, ctypes.c_int32, ctypes.POINTER(_Quant)]
    c.td_mfcc_compute.argtypes = [p, ctypes.c_int32, ctypes.POINTER(_Quant), p, p]
    c.td_mfcc_frame.argtypes = [p, p, p]
    c.td_mfcc_quantize.argtypes = [ctypes.c_int32, ctypes.POINTER(_Quant)]
    c.td_mfcc_quantize.restype = ctypes.c_int8
    return c


def _clips() -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(16000) / 16000
    chirp = np.sin(2 * np.pi * (100 + 3900 * t) * t)
    return np.stack(
        [
            rng.integers(-32768, 32768, 16000).astype(np.int16),  # full-scale noise
            np.zeros(16000, np.int16),  # digital silence
            np.round(rng.normal(0, 2, 16000)).astype(np.int16),  # near silence
            np.full(16000, 32767, np.int16),  # DC at the rail
            np.tile(np.array([32767, -32768], np.int16), 8000),  # Nyquist at the rail
            np.round(chirp * 20000).astype(np.int16),  # a sweep
            np.round(chirp * rng.uniform(0, 1, 16000) * 3000).astype(np.int16),
        ]
    )


def _c_quant(lib, scale: float, zp: int) -> _Quant:
    q = _Quant()
    assert lib.td_mfcc_quant_init(ctypes.c_float(scale), zp, ctypes.byref(q)) == 0
    return q


@pytest.mark.parametrize("scale,zp", [(0.4954, -4), (0.05, 20), (1.7, -128), (0.0123, 127)])
def test_c_features_equal_numpy_bit_for_bit(lib, scale: float, zp: int) -> None:
    clips = _clips()
    ref = F.mfcc_fixed(clips)
    qp = F.quant_params(scale, zp)
    q = _c_quant(lib, scale, zp)
    assert (q.multiplier, q.shift, q.zero_point) == (qp.multiplier, qp.shift, qp.zero_point)
    work = ctypes.create_string_buffer(2 * 512 * 4)
    for clip, r in zip(clips, ref):
        out = np.zeros(490, np.int8)
        assert lib.td_mfcc_compute(clip.ctypes.data, 16000, ctypes.byref(q), work, out.ctypes.data) == 0
        np.testing.assert_array_equal(out, F.quantize(r, qp).ravel())
        coeffs = np.zeros(10, np.int32)
        lib.td_mfcc_frame(clip[320:].ctypes.data, work, coeffs.ctypes.data)
        np.testing.assert_array_equal(coeffs, r[1])


def test_quantizer_rounds_and_saturates_like_numpy(lib) -> None:
    qp = F.quant_params(0.3, 5)
    q = _c_quant(lib, 0.3, 5)
    values = np.array([0, 1, -1, 4915, -4915, 2**26, -(2**26), 123456, -98765], np.int32)
    values = np.concatenate([values, np.random.default_rng(1).integers(-(2**24), 2**24, 2000)])
    got = np.array([lib.td_mfcc_quantize(int(v), ctypes.byref(q)) for v in values], np.int8)
    np.testing.assert_array_equal(got, F.quantize(values, qp))
    assert got.min() == -128 and got.max() == 127


def test_quant_init_refuses_bad_scales(lib) -> None:
    q = _Quant()
    for bad in (0.0, -1.0, float("inf"), float("nan"), 1e-30):
        assert lib.td_mfcc_quant_init(ctypes.c_float(bad), 0, ctypes.byref(q)) == 2
    assert lib.td_mfcc_compute(None, 16000, ctypes.byref(q), None, None) == 1


def test_fixed_point_is_close_to_float64() -> None:
    """The integer front end against the same maths in float64 (log2 units) on
    clips with a noise floor, as recorded audio has. (On pure tones the bands far
    from the tone differ more: there the FFT's rounding noise, not the signal, sets
    their energy.)"""
    clips = _clips()
    rng = np.random.default_rng(3)
    noisy = np.clip(clips[5].astype(np.int64) + np.round(rng.normal(0, 30, 16000)), -32768, 32767).astype(np.int16)
    test = np.stack([clips[0], clips[2], clips[6], noisy])
    diff = np.abs(F.mfcc_fixed(test) / 2**15 - F.mfcc_float(test))
    assert diff.max() < 0.2, diff.max()
    assert np.median(diff) < 0.02, np.median(diff)


def test_c_tables_are_up_to_date() -> None:
    assert (FEATURES_C / "td_mfcc_tables.c").read_text() == F.c_tables_source(), (
        "run: python examples/keyword_spotting/features.py --write-c-tables"
    )


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc is not installed")
def test_features_compile_for_cortex_m4_without_warnings(tmp_path) -> None:
    for src in ("td_mfcc.c", "td_mfcc_tables.c", "td_kws_ext.c"):
        subprocess.run(
            [
                "arm-none-eabi-gcc",
                "-mcpu=cortex-m4",
                "-mthumb",
                "-mfloat-abi=hard",
                "-mfpu=fpv4-sp-d16",
                "-Os",
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-I",
                str(FEATURES_C),
                "-I",
                str(ROOT / "firmware" / "app"),
                "-I",
                str(ROOT / "firmware" / "runtime"),
                "-c",
                str(FEATURES_C / src),
                "-o",
                str(tmp_path / (src + ".o")),
            ],
            check=True,
        )


@pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler (cc) and make"
)
def test_loaded_clip_holds_the_one_audio_buffer_until_td_audio_live(tmp_path) -> None:
    """td-audio-load takes td_kws_audio over (td_kws_clip = 1: the microphone sketch stops
    listening); td-audio-live hands it back and forgets the clip. Built natively with the
    fixture model (its input is not an MFCC map, so td-kws only gets that far)."""
    from device import KwsLink

    from tinydeploy.boards import load_board
    from tinydeploy.build import build
    from tinydeploy.codegen import generate_project
    from tinydeploy.targets import HostTarget

    board = load_board("host")
    sources = sorted(p for p in FEATURES_C.iterdir() if p.suffix in (".c", ".h"))
    project = generate_project(
        board, [ROOT / "tests" / "fixtures" / "fw_echo_model.c"], tmp_path / "host", extra_sources=sources
    )
    with HostTarget(board, build(project, board).elf) as target:
        link = target.link

        def kws() -> str:
            return " ".join(link.command("td-kws", check=False))

        assert "no audio: send td-audio-load first" in kws()
        KwsLink(link).load_audio(np.arange(-800, 800, dtype=np.int16))
        assert "not an int8 49x10 MFCC map" in kws()  # the clip is kept
        assert link.command("td-audio-live") == ["m-audio-live"]
        assert "no audio: send td-audio-load first" in kws()
