"""MFCC features of the keyword-spotting example, in integer arithmetic.

The MLPerf Tiny KWS front end: 1 s of 16 kHz audio, 30 ms Hann windows every
20 ms (49 frames), a 512-point FFT, 40 mel bands over 20-4000 Hz, log, and the
first 10 DCT-II coefficients: a 49x10 feature map.

Every step is integer arithmetic with the rounding spelled out, and
firmware/features/td_mfcc.c performs the same operations in the same order, so
the numpy features used for training and the features the microcontroller
computes are identical, bit for bit (tests/integration/test_kws_features.py).
The constant tables (window, twiddles, mel weights, log2, DCT) are made here
once and written to firmware/features/td_mfcc_tables.c by ``--write-c-tables``.

    mfcc_fixed(audio int16 [..., 16000]) -> int32 [..., 49, 10], units 2**-15 (log2 of energy)
    features(audio) -> float32 [..., 49, 10, 1]     the model's float input (mfcc_fixed / 2**15)
    quant_params(scale, zero_point) -> QuantParams  as td_mfcc_quant_init() computes it
    quantize(mfcc, q) -> int8                        as td_mfcc_quantize() computes it
    mfcc_float(audio) -> float64                     the same front end in floating point

Run ``python features.py --write-c-tables`` after changing a constant below.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
CLIP_SAMPLES = 16000
WINDOW = 480  # 30 ms
HOP = 320  # 20 ms
NFFT = 512
N_BINS = NFFT // 2 + 1  # 257
N_MEL = 40
N_MFCC = 10
F_MIN, F_MAX = 20.0, 4000.0
N_FRAMES = 1 + (CLIP_SAMPLES - WINDOW) // HOP  # 49
WINDOW_SHIFT = 11  # windowed samples keep 4 fractional bits: |x * hann| < 2**19
POWER_SHIFT = 10  # mel sums of |X|^2 * w >> 10: by Parseval they stay below 2**61
FRAC_BITS = 15  # mfcc_fixed() is in units of 2**-15
# c0 (the frame's log energy) spans a far wider range than c1..c9; scaling it
# down keeps one int8 input scale fine enough for the other nine coefficients.
DCT_ROW_GAIN = (0.25,) + (1.0,) * (N_MFCC - 1)

C_TABLES = Path(__file__).resolve().parents[2] / "firmware" / "features" / "td_mfcc_tables.c"


@dataclass(frozen=True)
class Tables:
    window: np.ndarray  # int16 [480]   periodic Hann, Q15
    tw_re: np.ndarray  # int16 [256]   cos(2 pi k / 512), Q15 (1.0 -> 32767)
    tw_im: np.ndarray  # int16 [256]   -sin(2 pi k / 512), Q15
    mel_start: np.ndarray  # int16 [40]    first FFT bin of each mel band
    mel_len: np.ndarray  # int16 [40]    number of bins in the band
    mel_offset: np.ndarray  # int16 [40]    index of the band's first weight in mel_weight
    mel_weight: np.ndarray  # int16 [...]   triangle weights, Q15
    log2_frac: np.ndarray  # int32 [257]   log2(1 + i/256), Q16
    dct: np.ndarray  # int16 [10,40] orthonormal DCT-II x DCT_ROW_GAIN, Q15

    def mel_matrix(self) -> np.ndarray:
        """The sparse mel weights as a dense int64 [257, 40] matrix."""
        m = np.zeros((N_BINS, N_MEL), np.int64)
        for b in range(N_MEL):
            s, n, o = int(self.mel_start[b]), int(self.mel_len[b]), int(self.mel_offset[b])
            m[s : s + n, b] = self.mel_weight[o : o + n]
        return m


def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)  # HTK, as tf.signal


def mel_weights_float() -> np.ndarray:
    """[257, 40] triangles on the mel scale, as tf.signal.linear_to_mel_weight_matrix (DC bin 0)."""
    bin_mel = _hz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2, N_BINS))
    edges = np.linspace(_hz_to_mel(F_MIN), _hz_to_mel(F_MAX), N_MEL + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (bin_mel[:, None] - lower) / (center - lower)
    down = (upper - bin_mel[:, None]) / (upper - center)
    w = np.maximum(0.0, np.minimum(up, down))
    w[0, :] = 0.0
    return w


def dct_float() -> np.ndarray:
    k = np.arange(N_MFCC)[:, None]
    m = np.arange(N_MEL)[None, :]
    d = np.sqrt(2.0 / N_MEL) * np.cos(np.pi * k * (m + 0.5) / N_MEL)
    d[0] /= np.sqrt(2.0)
    return d * np.asarray(DCT_ROW_GAIN)[:, None]


def _q15(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(x) * 32767.0), -32767, 32767).astype(np.int16)


@lru_cache(maxsize=1)
def tables() -> Tables:
    n = np.arange(WINDOW)
    window = _q15(0.5 - 0.5 * np.cos(2 * np.pi * n / WINDOW))
    k = np.arange(NFFT // 2)
    tw_re = _q15(np.cos(2 * np.pi * k / NFFT))
    tw_im = _q15(-np.sin(2 * np.pi * k / NFFT))
    wq = _q15(mel_weights_float())
    starts, lens, offsets, weights = [], [], [], []
    for b in range(N_MEL):
        nz = np.nonzero(wq[:, b])[0]
        s, e = int(nz[0]), int(nz[-1]) + 1
        starts.append(s)
        lens.append(e - s)
        offsets.append(len(weights))
        weights.extend(int(v) for v in wq[s:e, b])
    i = np.arange(257)
    log2_frac = np.round(65536.0 * np.log2(1.0 + i / 256.0)).astype(np.int32)
    return Tables(
        window,
        tw_re,
        tw_im,
        np.array(starts, np.int16),
        np.array(lens, np.int16),
        np.array(offsets, np.int16),
        np.array(weights, np.int16),
        log2_frac,
        _q15(dct_float()),
    )


def _bitrev() -> np.ndarray:
    bits = NFFT.bit_length() - 1
    return np.array([int(format(i, f"0{bits}b")[::-1], 2) for i in range(NFFT)])


def _fft_fixed(re: np.ndarray, im: np.ndarray, t: Tables) -> tuple[np.ndarray, np.ndarray]:
    """Radix-2 decimation-in-time FFT on int64 arrays [..., 512] (|values| < 2**28), as td_mfcc.c:
    each twiddle product rounds half up (+2**14 then an arithmetic >> 15)."""
    order = _bitrev()
    re, im = re[..., order], im[..., order]
    lead = re.shape[:-1]
    m = 2
    while m <= NFFT:
        half = m // 2
        j = np.arange(half) * (NFFT // m)
        wr = t.tw_re[j].astype(np.int64)
        wi = t.tw_im[j].astype(np.int64)
        r = re.reshape(*lead, NFFT // m, m)
        i = im.reshape(*lead, NFFT // m, m)
        ar, ai, br, bi = r[..., :half], i[..., :half], r[..., half:], i[..., half:]
        tr = (br * wr - bi * wi + (1 << 14)) >> 15
        ti = (br * wi + bi * wr + (1 << 14)) >> 15
        re = np.concatenate([ar + tr, ar - tr], axis=-1).reshape(*lead, NFFT)
        im = np.concatenate([ai + ti, ai - ti], axis=-1).reshape(*lead, NFFT)
        m *= 2
    return re, im


def _log2_q16(x: np.ndarray, t: Tables) -> np.ndarray:
    """log2(x) in Q16 for int64 x >= 0 (0 counts as 1): the position of the top bit,
    plus a 256-entry table of log2(1 + f) with linear interpolation on the next 8 bits."""
    x = np.maximum(x, 1)
    msb = np.zeros_like(x)
    v = x.copy()
    for s in (32, 16, 8, 4, 2, 1):
        big = v >= (np.int64(1) << s)
        msb += s * big
        v = np.where(big, v >> s, v)
    down = x >> np.maximum(msb - 16, 0)
    up = x << np.maximum(16 - msb, 0)
    frac16 = np.where(msb >= 16, down, up) & 0xFFFF
    idx, rem = frac16 >> 8, frac16 & 0xFF
    lo = t.log2_frac.astype(np.int64)[idx]
    hi = t.log2_frac.astype(np.int64)[idx + 1]
    return (msb << 16) + lo + (((hi - lo) * rem + 128) >> 8)


def frames(audio: np.ndarray) -> np.ndarray:
    """int16 [..., 16000] -> int64 [..., 49, 480] (shorter clips are zero-padded)."""
    audio = np.asarray(audio)
    if audio.dtype != np.int16:
        raise ValueError(f"audio must be int16 samples, not {audio.dtype}")
    if audio.shape[-1] < CLIP_SAMPLES:
        pad = [(0, 0)] * (audio.ndim - 1) + [(0, CLIP_SAMPLES - audio.shape[-1])]
        audio = np.pad(audio, pad)
    idx = np.arange(N_FRAMES)[:, None] * HOP + np.arange(WINDOW)[None, :]
    return audio[..., :CLIP_SAMPLES].astype(np.int64)[..., idx]


def mfcc_fixed(audio: np.ndarray, batch: int = 256) -> np.ndarray:
    """int16 audio [..., 16000] -> int32 MFCCs [..., 49, 10] in units of 2**-15."""
    audio = np.asarray(audio)
    lead = audio.shape[:-1]
    flat = audio.reshape(-1, audio.shape[-1])
    out = [_mfcc_block(flat[i : i + batch]) for i in range(0, len(flat), batch)]
    res = np.concatenate(out) if out else np.zeros((0, N_FRAMES, N_MFCC), np.int32)
    return res.reshape(*lead, N_FRAMES, N_MFCC)


def _mfcc_block(audio: np.ndarray) -> np.ndarray:
    t = tables()
    x = frames(audio)
    xw = (x * t.window.astype(np.int64) + (1 << (WINDOW_SHIFT - 1))) >> WINDOW_SHIFT
    re = np.zeros((*xw.shape[:-1], NFFT), np.int64)
    re[..., :WINDOW] = xw
    re, im = _fft_fixed(re, np.zeros_like(re), t)
    power = re[..., :N_BINS] ** 2 + im[..., :N_BINS] ** 2
    # sum(power * w) >> POWER_SHIFT without overflow and without dropping quiet bins:
    # the high part exactly, plus each bin's low bits times its weight, shifted.
    mel = (power >> POWER_SHIFT) @ t.mel_matrix()
    low = power & ((1 << POWER_SHIFT) - 1)
    for b in range(N_MEL):
        s, n, o = int(t.mel_start[b]), int(t.mel_len[b]), int(t.mel_offset[b])
        w = t.mel_weight[o : o + n].astype(np.int64)
        mel[..., b] += ((low[..., s : s + n] * w) >> POWER_SHIFT).sum(axis=-1)
    logmel = _log2_q16(mel, t)  # Q16
    acc = logmel @ t.dct.astype(np.int64).T  # Q31
    return ((acc + (1 << 15)) >> 16).astype(np.int32)  # Q15


def features(audio: np.ndarray) -> np.ndarray:
    """The model's float input: mfcc_fixed(audio) / 2**15, shaped [..., 49, 10, 1]."""
    return (mfcc_fixed(audio).astype(np.float64) / (1 << FRAC_BITS)).astype(np.float32)[..., None]


def mfcc_float(audio: np.ndarray) -> np.ndarray:
    """The same front end in float64 (numpy FFT, exact window/mel/DCT/log2): the
    yardstick for the fixed-point rounding. Same units as features()."""
    x = frames(audio).astype(np.float64)
    n = np.arange(WINDOW)
    xw = x * (0.5 - 0.5 * np.cos(2 * np.pi * n / WINDOW)) * 2.0 ** (15 - WINDOW_SHIFT)
    spec = np.fft.rfft(xw, NFFT)
    power = (spec.real**2 + spec.imag**2) / (1 << POWER_SHIFT)
    mel = power @ (mel_weights_float() * 32767.0)  # the Q15 weights' scale
    return np.log2(np.maximum(mel, 1.0)) @ dct_float().T


@dataclass(frozen=True)
class QuantParams:
    multiplier: int  # Q31, in [2**30, 2**31)
    shift: int  # right shift after the 64-bit product, 1..62
    zero_point: int


def quant_params(scale: float, zero_point: int) -> QuantParams:
    """int8 = zero_point + round(mfcc_fixed / 2**15 / scale), as a Q31 multiplier and
    a shift; td_mfcc_quant_init() does the same in double precision (exact ops only)."""
    real = 1.0 / (float(np.float32(scale)) * float(1 << FRAC_BITS))
    mant, exp = math.frexp(real)
    mult = int(math.floor(mant * 2.0**31 + 0.5))
    if mult == 1 << 31:
        mult //= 2
        exp += 1
    shift = 31 - exp
    if not 1 <= shift <= 62:
        raise ValueError(f"input scale {scale} is outside what the fixed-point quantizer handles")
    return QuantParams(mult, shift, int(zero_point))


def quantize(mfcc: np.ndarray, q: QuantParams) -> np.ndarray:
    """int32 mfcc_fixed values -> int8, rounding half up, saturating."""
    v = (np.asarray(mfcc, np.int64) * q.multiplier + (np.int64(1) << (q.shift - 1))) >> q.shift
    return np.clip(v + q.zero_point, -128, 127).astype(np.int8)


# -- the C tables ------------------------------------------------------------------
def _c_array(ctype: str, name: str, values: np.ndarray, per_line: int = 12) -> str:
    vals = [str(int(v)) for v in np.asarray(values).ravel()]
    lines = [", ".join(vals[i : i + per_line]) for i in range(0, len(vals), per_line)]
    body = ",\n  ".join(lines)
    return f"const {ctype} {name}[{len(vals)}] = {{\n  {body}\n}};\n"


def c_tables_source() -> str:
    t = tables()
    parts = [
        "/* Generated by examples/keyword_spotting/features.py --write-c-tables; do not edit.\n"
        f" * MFCC constants: Hann {WINDOW}, FFT {NFFT}, {N_MEL} mel bands {F_MIN:g}-{F_MAX:g} Hz,\n"
        f" * DCT-II {N_MFCC}x{N_MEL} with row gains {list(DCT_ROW_GAIN)}. */\n",
        '#include "td_mfcc_tables.h"\n',
        _c_array("int16_t", "td_mfcc_window", t.window),
        _c_array("int16_t", "td_mfcc_tw_re", t.tw_re),
        _c_array("int16_t", "td_mfcc_tw_im", t.tw_im),
        _c_array("int16_t", "td_mfcc_mel_start", t.mel_start),
        _c_array("int16_t", "td_mfcc_mel_len", t.mel_len),
        _c_array("int16_t", "td_mfcc_mel_offset", t.mel_offset),
        _c_array("int16_t", "td_mfcc_mel_weight", t.mel_weight),
        _c_array("int32_t", "td_mfcc_log2_frac", t.log2_frac, 8),
        _c_array("int16_t", "td_mfcc_dct", t.dct),
    ]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description="MFCC tables for firmware/features")
    parser.add_argument(
        "--write-c-tables", action="store_true", help=f"write {C_TABLES.relative_to(C_TABLES.parents[2])}"
    )
    args = parser.parse_args()
    if args.write_c_tables:
        C_TABLES.write_text(c_tables_source())
        print(f"wrote {C_TABLES} ({len(tables().mel_weight)} mel weights)")


if __name__ == "__main__":
    main()
