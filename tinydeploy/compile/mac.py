"""Kernel selection for cores without the DSP extension: CONV_2D, FULLY_CONNECTED and
DEPTHWISE_CONV_2D as 32-bit multiply-accumulate loops (modes "v7m" for ARMv7-M such as
the Cortex-M3, "v6m" for ARMv6-M: Cortex-M0/M0+).

Prepare, continued (the C side is firmware/runtime/td_mac.h and td_*_mac.c):

- the input offset is folded into the bias (bias + input_offset * sum of the channel's
  weights); padded taps read the input zero point, so they add
  w * (zp + input_offset) = 0 exactly as TFLite's skipped taps do;
- v7m: two output channels share one multiply. Their weights are stored as one int32
  word w_c + w_(c+1) * 2^23, and SMLAL (x times that word, into 64 bits) accumulates
  S_c + S_(c+1) * 2^23 with no loss: the accumulator starts at 2^22, so while
  |S_c| < 2^22 the low 23 bits hold S_c + 2^22 and the bits above hold S_(c+1).
  The compiler proves |S_c| <= 128 * sum |w_c| < 2^22 for every channel, else the op
  keeps the reference kernel;
- v6m (no 64-bit multiply, MULS destroys an operand, loads of signed bytes take a
  register offset): weights stored as unsigned bytes w + 128, and
  sum (w + 128 - 128) x = sum (w + 128) x - 128 * sum x, the pixel's sum of x being
  computed once per pixel;
- requantization records per channel {bias, m, left, e, h, neg}: TFLite's
  MultiplyByQuantizedMultiplier as ((acc << left) * m + 2^30) >> 31 (its rounding
  doubling high multiply: the asymmetric nudge and the truncating division make
  round-half-up), then (r + h + (r < 0 ? neg : 0)) >> e with h = 2^(e-1) (0 when
  e == 0) and neg = -1 (0 when e == 0): RoundingDivideByPOT. The compiler checks
  that r + h cannot overflow. Layers where every channel shifts right and nothing
  can overflow get the "fast" records of :func:`_requant` (one SMLAL, one add, one
  shift: the sign of the accumulator stands for the sign of r, equal except where
  r == 0, whose output is the zero point either way).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import dsp
from tinydeploy.compile.dsp import NotEligible, _array, _per_channel
from tinydeploy.compile.lower import ConstArray, Step

PAIR_SHIFT = 23  # w_c + w_(c+1) * 2^23 (td_mac.h TD_MAC_PAIR_SHIFT)
INT32_LIMIT = (1 << 31) - 1
REQUANT_WORDS = 6  # bias, m, left, e, h, neg (td_mac.h)
LAYOUTS = {"v7m": 0, "v6m": 1}
# output channels per block of the weights: v7m 8 (four pair words per tap), v6m 8
CHANNEL_BLOCK = {0: 8, 1: 8}


def _requant(
    step: Step, w2d: np.ndarray, bias: np.ndarray, input_offset: int, output_offset: int, input_bias: int = 0
) -> tuple[np.ndarray, int]:
    """([oc, 6] records, fast) or NotEligible.

    fast (every channel shifts right, nothing can overflow): {2 * bias, m, 0, e,
    2^(e-1) + zp * 2^e, -1}: the kernel doubles the sum, so one SMLAL from
    2^31 - 2^32 * (sum < 0) gives SaturatingRoundingDoublingHighMul plus
    RoundingDivideByPOT's -1 for negatives in its high word (td_mac.h); else
    {bias, m, left, e, 2^(e-1) (0 for e == 0), -1 (0 for e == 0)} with the zero point
    added after the shift. input_bias: the kernel reads x + input_bias (unsigned bytes),
    so the bias also takes - input_bias * sum w."""
    oc = w2d.shape[0]
    m, s = _per_channel(step, oc)
    left = np.maximum(s, 0)
    e = np.maximum(-s, 0)
    folded = bias + (input_offset - input_bias) * w2d.sum(axis=1)
    # the accumulator: bias + sum w (x + input_offset), x in [-128, 127]
    lo, hi = -128 + input_offset, 127 + input_offset
    span = np.maximum(
        np.abs(bias + np.maximum(w2d * lo, w2d * hi).sum(axis=1)),
        np.abs(bias + np.minimum(w2d * lo, w2d * hi).sum(axis=1)),
    )
    shifted = span << left
    h = np.where(e > 0, np.left_shift(np.int64(1), np.maximum(e - 1, 0)), 0)
    rmax = (shifted * m >> 31) + 1
    if int(shifted.max(initial=0)) > INT32_LIMIT or int((rmax + np.abs(h)).max(initial=0)) > INT32_LIMIT:
        raise NotEligible("the accumulator or its rounding could overflow 32 bits")
    if np.any(np.abs(folded) > INT32_LIMIT):
        raise NotEligible("the folded bias does not fit 32 bits")
    hz = h + output_offset * np.left_shift(np.int64(1), e)
    fast = bool(
        np.all(left == 0)
        and np.all(e >= 1)
        and 2 * int(span.max(initial=0)) <= INT32_LIMIT
        and 2 * int(np.abs(folded).max(initial=0)) <= INT32_LIMIT
        and int((rmax + 1 + np.abs(hz)).max(initial=0)) <= INT32_LIMIT
    )
    if fast:
        return np.stack([2 * folded, m, left, e, hz, np.full(oc, -1)], axis=1), 1
    neg = np.where(e > 0, -1, 0)
    return np.stack([folded, m, left, e, h, neg], axis=1), 0


def _full(p: dict[str, Any]) -> int:
    """1 when the activation range is all of int8: the kernels saturate, no clamp."""
    return int(p["act_min"] <= -128 and p["act_max"] >= 127)


def _blocks(w2d: np.ndarray, block: int) -> np.ndarray:
    """[oc, K] -> [ceil(oc/block), K, block], out_c padded with zero weights."""
    oc, k = w2d.shape
    ocp = -(-oc // block) * block
    w = np.zeros((ocp, k), np.int64)
    w[:oc] = w2d
    return w.reshape(ocp // block, block, k).transpose(0, 2, 1)


def pair_chunk(w2d: np.ndarray) -> int:
    """Inputs per paired accumulation (v7m): the largest run length L (the whole depth
    where it can) such that over every run [i L, (i + 1) L) of every channel
    128 * sum |w| < 2^22, so the low channel's sum never reaches the high one's bits;
    the kernel adds the runs' sums in 32 bits. L >= 258 for any int8 weights."""
    depth = w2d.shape[1]
    a = np.abs(w2d)
    run = depth
    while run > 1:
        pad = -depth % run
        sums = np.pad(a, ((0, 0), (0, pad))).reshape(a.shape[0], -1, run).sum(axis=2)
        if int(sums.max(initial=0)) * 128 < 1 << (PAIR_SHIFT - 1):
            return run
        run = run // 2
    return 1


def _weights(w2d: np.ndarray, layout: int, pre: str) -> ConstArray:
    b = _blocks(w2d, CHANNEL_BLOCK[layout])
    if layout == 0:
        words = b[:, :, 0::2] + (b[:, :, 1::2] << PAIR_SHIFT)  # [blocks, K, 4]
        return ConstArray(f"{pre}_mac_pairs", "int32_t", words.reshape(-1), "weights")
    return ConstArray(f"{pre}_mac_bytes", "int8_t", _as_int8(b + 128), "weights")


def _as_int8(u: np.ndarray) -> np.ndarray:
    """Unsigned bytes 0..255 as the int8 values with the same bits."""
    return np.where(u >= 128, u - 256, u).reshape(-1)


def _conv_step(
    step: Step, w2d: np.ndarray, bias: np.ndarray, geo: dict[str, int], p: dict[str, Any], layout: int
) -> Step:
    pre = f"op{step.op_index}"
    rq, fast = _requant(step, w2d, bias, p["input_offset"], p["output_offset"])
    weights = _weights(w2d, layout, pre)
    records = ConstArray(f"{pre}_mac_requant", "int32_t", rq.reshape(-1), "params")
    depth = w2d.shape[1]
    direct = int((geo["filter_h"], geo["filter_w"], geo["pad_h"], geo["pad_w"]) == (1, 1, 0, 0))
    params = dict(
        **geo,
        pad_value=-p["input_offset"],
        depth=depth,
        chunk=pair_chunk(w2d) if layout == 0 else depth,
        direct=direct,
        output_offset=p["output_offset"],
        act_min=p["act_min"],
        act_max=p["act_max"],
        layout=layout,
        pairs=weights.name if layout == 0 else None,
        bytes=weights.name if layout == 1 else None,
        requant=records.name,
        full=_full(p),
        fast=fast,
    )
    # the column of one pixel (im2col) when it is not the input row itself
    scratch = 4 if direct else (depth + 3) // 4 * 4
    return Step(
        step.op_index,
        step.opcode,
        "td_conv2d_s8_mac",
        "td_conv_mac_params",
        params,
        list(step.inputs),
        list(step.outputs),
        [weights, records],
        dict(step.inplace),
        scratch=[("mac", scratch)],
    )


def conv_mac(step: Step, layout: int) -> Step:
    p = step.params
    if p["batches"] != 1:
        raise NotEligible("batch size above 1")
    if p["filter_c"] != p["in_c"]:
        raise NotEligible("grouped convolution")
    oc = p["out_c"]
    w2d = _array(step, p["filter"]).reshape(oc, -1)
    bias = _array(step, p["bias"])
    bias = np.zeros(oc, np.int64) if bias is None else bias
    geo = {
        k: p[k]
        for k in (
            "in_h",
            "in_w",
            "in_c",
            "out_h",
            "out_w",
            "out_c",
            "filter_h",
            "filter_w",
            "stride_h",
            "stride_w",
            "dilation_h",
            "dilation_w",
            "pad_h",
            "pad_w",
        )
    }
    return _conv_step(step, w2d, bias, geo, p, layout)


def fc_mac(step: Step, layout: int) -> Step:
    p = step.params
    w2d, bias, geo = dsp.fc_as_conv(step)
    return _conv_step(step, w2d, bias, geo, p, layout)


def dwconv_mac(step: Step, layout: int) -> Step:
    p = step.params
    if p["batches"] != 1 or p["depth_multiplier"] != 1:
        raise NotEligible("batch size or depth multiplier above 1")
    if p["dilation_h"] != 1 or p["dilation_w"] != 1:
        raise NotEligible("dilation")
    kh, kw, c = p["filter_h"], p["filter_w"], p["in_c"]
    w2d = _array(step, p["filter"]).reshape(kh * kw, c).T  # [c, taps]
    bias = _array(step, p["bias"])
    bias = np.zeros(c, np.int64) if bias is None else bias
    pre = f"op{step.op_index}"
    # the byte ring (not pairs) holds x + 128 as unsigned bytes: ARMv6-M loads those with
    # an immediate offset (LDRSB has none)
    pairs = int(
        layout == 0 and (kh, kw) == (3, 3) and int(np.abs(w2d).sum(axis=1).max(initial=0)) * 128 < 1 << (PAIR_SHIFT - 1)
    )
    rq, fast = _requant(step, w2d, bias, p["input_offset"], p["output_offset"], input_bias=0 if pairs else 128)
    records = ConstArray(f"{pre}_mac_requant", "int32_t", rq.reshape(-1), "params")
    band_w = max(p["pad_w"] + p["in_w"], (p["out_w"] - 1) * p["stride_w"] + kw)
    # v7m, 3x3: two vertically adjacent outputs per SMLAL over a ring of pair words
    # x[y][i] + x[y + stride_h][i] * 2^23 (the bound of the paired channels: 128 * sum |w|);
    # the weights as int32 words (no sign extension in the loop: a word load each)
    words = ConstArray(f"{pre}_mac_filter_words", "int32_t", w2d.reshape(-1), "weights")
    params = dict(
        in_h=p["in_h"],
        in_w=p["in_w"],
        channels=c,
        out_h=p["out_h"],
        out_w=p["out_w"],
        filter_h=kh,
        filter_w=kw,
        stride_h=p["stride_h"],
        stride_w=p["stride_w"],
        pad_h=p["pad_h"],
        pad_w=p["pad_w"],
        pad_value=-p["input_offset"],
        output_offset=p["output_offset"],
        act_min=p["act_min"],
        act_max=p["act_max"],
        band_w=band_w,
        words=words.name,
        requant=records.name,
        full=_full(p),
        fast=fast,
        pairs=pairs,
    )
    inplace = _dw_pairs_inplace(params) if pairs else dsp._dw_inplace(dict(params, vert=0))
    # the ring of filter_h input rows, channel-major, padded with the zero point: bytes,
    # or pair words
    scratch = kh * c * band_w * 4 if pairs else (kh * c * band_w + 3) // 4 * 4
    return Step(
        step.op_index,
        step.opcode,
        "td_depthwise_conv2d_s8_mac",
        "td_dwconv_mac_params",
        params,
        list(step.inputs),
        list(step.outputs),
        [words, records],
        {step.inputs[0]: inplace},
        scratch=[("mac", scratch)],
    )


def _dw_pairs_inplace(p: dict[str, Any]) -> int:
    """In-place distance of the vertical pairs: output rows oy, oy + 1 are written after
    their pair rows are built, and the lowest input row read after that is the first
    pair row of the next step (a row may be read twice: as the lower row of one pair
    and the upper of the next when stride_h is 2)."""
    in_row = p["in_w"] * p["channels"]
    out_row = p["out_w"] * p["channels"]
    sh, ph = p["stride_h"], p["pad_h"]
    d = -(1 << 30)
    for oy in range(0, p["out_h"], 2):
        first = oy * sh - ph
        later = min(max((oy + 2) * sh - ph, first + p["filter_h"], 0), p["in_h"])
        d = max(d, min(oy + 2, p["out_h"]) * out_row - later * in_row)
    return d


# base kernel -> the function that swaps in its MAC variant (the MAC block of kernels.py)
CONVERTERS = {
    "td_conv2d_s8": conv_mac,
    "td_fully_connected_s8": fc_mac,
    "td_depthwise_conv2d_s8": dwconv_mac,
}


def select(steps: list[Step], mode: str) -> tuple[list[Step], dict[int, str]]:
    """Steps with the MAC kernels of ``mode`` ("v7m" or "v6m") where eligible; {op index:
    why not} for the others."""
    layout = LAYOUTS[mode]
    out: list[Step] = []
    skipped: dict[int, str] = {}
    for st in steps:
        conv = CONVERTERS.get(st.kernel or "")
        if conv is None:
            out.append(st)
            continue
        try:
            out.append(conv(st, layout))
        except NotEligible as exc:
            skipped[st.op_index] = str(exc)
            out.append(st)
    return out, skipped
