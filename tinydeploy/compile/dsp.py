"""Kernel selection for cores with the DSP extension: SIMD variants of CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED, with their data prepared at compile time.

Prepare, continued (the C side is firmware/runtime/td_dsp.h and td_*_dsp.c):

- weights pre-widened to int16 pairs, reordered to match SXTB16's (x0, x2)
  (x1, x3) split of four inputs, and scaled by 2^(left shift + 1) so the kernel
  needs neither the left shift nor SMMULR's missing doubling;
- bias scaled the same way; the input offset is added while widening the input,
  so padding is plain zeros;
- requantization as (m, e, h, s) per channel, h = 2^(e-1) + output zero point * 2^e,
  s = -1 (0 when e == 0) masks RoundingDivideByPOT's correction for negatives;
  layers where that could overflow use a 64-bit multiply of the undoubled
  accumulator and add the zero point after the shift (``wide``).

Every identity is exact when no intermediate overflows; :func:`select` proves
that from the weights and the quantization (worst-case accumulator) and keeps the
reference kernel for any op where it cannot; the reason lands in compiled.json
(``dsp_skipped`` of the op).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import kernels as registry
from tinydeploy.compile import quant
from tinydeploy.compile.lower import ConstArray, Step

INT32_LIMIT = (1 << 31) - 1


class NotEligible(Exception):
    """This op keeps its reference kernel (the message says why)."""


def _array(step: Step, name: str | None) -> np.ndarray | None:
    if name is None:
        return None
    for a in step.arrays:
        if a.name == name:
            return np.asarray(a.values, dtype=np.int64)
    raise KeyError(name)


def _per_channel(step: Step, n: int) -> tuple[np.ndarray, np.ndarray]:
    p = step.params
    m = _array(step, p["multiplier"])
    s = _array(step, p["shift"])
    if not p["per_channel"]:
        m, s = np.repeat(m[:1], n), np.repeat(s[:1], n)
    return m, s


def _pairs(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """int16 pairs as int32 words (lo in the low half)."""
    word = (lo.astype(np.int64) & 0xFFFF) | ((hi.astype(np.int64) & 0xFFFF) << 16)
    return np.where(word >= 1 << 31, word - (1 << 32), word)


def _requant(
    step: Step, w2d: np.ndarray, bias: np.ndarray, input_offset: int, output_offset: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(scaled weights [oc, K], scaled bias [oc], requant [oc, 4], wide) or NotEligible.

    The accumulator is bias + sum w * (x + input_offset) with x in [-128, 127]; SMLAD
    wraps modulo 2^32, so only the final value has to fit: its exact range per
    channel is checked after scaling by 2^(left + 1) (SMMULR), or, when that could
    overflow, by 2^left with a 64-bit rounding multiply instead (``wide``).
    """
    oc = w2d.shape[0]
    m, s = _per_channel(step, oc)
    left = np.maximum(s, 0)
    e = np.maximum(-s, 0)
    lo, hi = -128 + input_offset, 127 + input_offset
    top = bias + np.maximum(w2d * lo, w2d * hi).sum(axis=1)
    bottom = bias + np.minimum(w2d * lo, w2d * hi).sum(axis=1)
    span = np.maximum(np.abs(top), np.abs(bottom))
    half = np.where(e > 0, np.left_shift(np.int64(1), np.maximum(e - 1, 0)), 0)
    for wide in (0, 1):
        if np.any(left + 1 - wide > 7):
            continue  # pre-scaled weights would not fit int16
        scale = np.left_shift(np.int64(1), left + 1 - wide)
        acc = span * scale
        # wide: the output zero point is added after the shift, not folded into h
        h = half if wide else half + output_offset * np.left_shift(np.int64(1), e)
        after_mul = (acc * m) >> 31 if wide else (acc * m) >> 32
        if int(acc.max(initial=0)) < INT32_LIMIT and int((after_mul + 1 + np.abs(h) + 1).max(initial=0)) < INT32_LIMIT:
            break
    else:
        raise NotEligible("an intermediate could overflow 32 bits, or a left shift above 6")
    sign = np.where(e > 0, -1, 0)  # RoundingDivideByPOT's -1 for negatives; none when e == 0
    rq = np.stack([m, e, h, sign], axis=1)
    return w2d * scale[:, None], bias * scale, rq, wide


def _pack_conv(w2d: np.ndarray, depth: int) -> np.ndarray:
    """[oc, K] int16 values -> words [ceil(oc/2)][depth/4][c:(0,2) c:(1,3) c+1:(0,2) c+1:(1,3)]."""
    oc, k = w2d.shape
    ocp = oc + (oc & 1)
    w = np.zeros((ocp, depth), dtype=np.int64)
    w[:oc, :k] = w2d
    q = w.reshape(ocp, depth // 4, 4)
    even = _pairs(q[:, :, 0], q[:, :, 2])  # [ocp, quads]
    odd = _pairs(q[:, :, 1], q[:, :, 3])
    per_ch = np.stack([even, odd], axis=2)  # [ocp, quads, 2]
    pairs = per_ch.reshape(ocp // 2, 2, depth // 4, 2).transpose(0, 2, 1, 3)
    return pairs.reshape(-1)


def _pad_even(a: np.ndarray) -> np.ndarray:
    if a.shape[0] % 2 == 0:
        return a
    return np.concatenate([a, np.zeros((1, *a.shape[1:]), dtype=a.dtype)])


def conv_dsp(step: Step, small: bool = False) -> Step:
    p = step.params
    if p["batches"] != 1:
        raise NotEligible("batch size above 1")
    if p["filter_c"] != p["in_c"]:
        raise NotEligible("grouped convolution")
    w = _array(step, p["filter"])
    oc = p["out_c"]
    w2d = w.reshape(oc, -1)
    bias = _array(step, p["bias"])
    bias = np.zeros(oc, np.int64) if bias is None else bias
    return _conv_like(
        step,
        w2d,
        bias,
        dict(
            in_h=p["in_h"],
            in_w=p["in_w"],
            in_c=p["in_c"],
            out_h=p["out_h"],
            out_w=p["out_w"],
            out_c=oc,
            filter_h=p["filter_h"],
            filter_w=p["filter_w"],
            stride_h=p["stride_h"],
            stride_w=p["stride_w"],
            dilation_h=p["dilation_h"],
            dilation_w=p["dilation_w"],
            pad_h=p["pad_h"],
            pad_w=p["pad_w"],
        ),
        p,
        small=small,
    )


def fc_as_conv(step: Step) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """FULLY_CONNECTED as the 1x1 convolution over a 1 x batches "image" it is (every column an
    input row): its [out, in] weights, its int64 bias (zeros when it has none) and that
    geometry. The dsp, v7m/v6m and mve kernels all lower it this way."""
    p = step.params
    if p["filter_offset"] != 0:
        raise NotEligible("weights with a zero point")
    w2d = _array(step, p["filter"]).reshape(p["out_depth"], p["accum_depth"])
    bias = _array(step, p["bias"])
    bias = np.zeros(p["out_depth"], np.int64) if bias is None else bias
    geo = dict(
        in_h=1,
        in_w=p["batches"],
        in_c=p["accum_depth"],
        out_h=1,
        out_w=p["batches"],
        out_c=p["out_depth"],
        filter_h=1,
        filter_w=1,
        stride_h=1,
        stride_w=1,
        dilation_h=1,
        dilation_w=1,
        pad_h=0,
        pad_w=0,
    )
    return w2d, bias, geo


def fc_dsp(step: Step, small: bool = False) -> Step:
    w2d, bias, geo = fc_as_conv(step)
    # its kernel widens the int8 input on the fly, so it needs no scratch (a column buffer
    # would be the largest buffer of a small MLP such as the AD model)
    return _conv_like(step, w2d, bias, geo, step.params, kernel="td_fully_connected_s8_dsp", small=small)


def _pack_int8(w2d: np.ndarray, depth: int) -> np.ndarray:
    """[oc, K] int8 values -> words [ceil(oc/2)][depth/4][c: x0..x3, c+1: x0..x3], the
    bytes in input order (SXTB16 and SXTB16 ROR #8 give the (0,2) (1,3) pairs)."""
    oc, k = w2d.shape
    ocp = oc + (oc & 1)
    w = np.zeros((ocp, depth), dtype=np.int64)
    w[:oc, :k] = w2d
    b = (w & 0xFF).reshape(ocp, depth // 4, 4)
    word = b[:, :, 0] | (b[:, :, 1] << 8) | (b[:, :, 2] << 16) | (b[:, :, 3] << 24)
    word = np.where(word >= 1 << 31, word - (1 << 32), word)  # [ocp, quads]
    return word.reshape(ocp // 2, 2, depth // 4).transpose(0, 2, 1).reshape(-1)


def _band_bytes(g: dict[str, int]) -> int:
    """Scratch of the zero-point padded input rows (bands) through which a convolution
    with in_c not a multiple of 4 gathers its columns: filter_h rows of the window
    span, twice when pairs of pixels can straddle two output rows (odd out_w), and 4
    bytes of slack that a row-padded window may read past the last row."""
    if g["in_c"] % 4 == 0:
        return 0
    span = (g["out_w"] - 1) * g["stride_w"] + (g["filter_w"] - 1) * g["dilation_w"] + 1
    slots = 2 if g["out_w"] % 2 else 1
    return (slots * g["filter_h"] * span * g["in_c"] + 3) // 4 * 4 + 4


def _conv_like(
    step: Step,
    w2d: np.ndarray,
    bias: np.ndarray,
    geo: dict[str, int],
    p: dict[str, Any],
    kernel: str = "td_conv2d_s8_dsp",
    small: bool = False,
) -> Step:
    row_quads = 0
    if kernel == "td_conv2d_s8_dsp" and geo["in_c"] % 4 and geo["dilation_w"] == 1:
        # few input channels (an image's 3): every filter row padded with zero weights
        # to whole quads, so the kernel widens each row straight from its band
        run = geo["filter_w"] * geo["in_c"]
        row_quads = (run + 3) // 4
        rows = w2d.reshape(w2d.shape[0], geo["filter_h"], run)
        w2d = np.concatenate([rows, np.zeros((*rows.shape[:2], 4 * row_quads - run), np.int64)], axis=2).reshape(
            w2d.shape[0], -1
        )
    k = w2d.shape[1]
    depth = (k + 3) // 4 * 4
    ws, bs, rq, wide = _requant(step, w2d, bias, p["input_offset"], p["output_offset"])
    pre = f"op{step.op_index}"
    # small: int8 weights when the scale is the bare 2 of SMMULR (no left shift, not
    # wide; the kernel doubles the accumulator instead, the same checked range) or 1
    # (wide, no left shift: the accumulator is used as it is)
    unit = 1 if wide else 2
    w8 = int(small and bool(np.all(ws == unit * w2d)) and bool(np.all(bs == unit * bias)))
    # one record per channel pair: bias (2), the weight words, m e h of both channels
    pairs = _pack_int8(w2d, depth).reshape(-1, depth // 2) if w8 else _pack_conv(ws, depth).reshape(-1, depth)
    bs = bias if w8 else bs
    rec = np.concatenate([_pad_even(bs).reshape(-1, 2), pairs, _pad_even(rq)[:, :3].reshape(-1, 6)], axis=1)
    arrays = [ConstArray(f"{pre}_records", "int32_t", rec.reshape(-1), "weights")]
    params = dict(
        batches=1,
        **geo,
        input_offset=p["input_offset"],
        depth=depth,
        act_min=p["act_min"],
        act_max=p["act_max"],
        wide=wide,
        output_offset=p["output_offset"],
        pos=int(bool(np.all(rq[:, 1] >= 1))),
        w8=w8,
        row_quads=row_quads,
        filter=arrays[0].name,
    )
    scratch = [] if kernel == "td_fully_connected_s8_dsp" else [("dsp", 5 * depth + _band_bytes(geo))]
    return Step(
        step.op_index,
        step.opcode,
        kernel,
        "td_conv_dsp_params",
        params,
        list(step.inputs),
        list(step.outputs),
        arrays,
        dict(step.inplace),
        scratch=scratch,
    )


def dwconv_dsp(step: Step, small: bool = False) -> Step:  # small: depthwise weights are few
    p = step.params
    if p["batches"] != 1 or p["depth_multiplier"] != 1:
        raise NotEligible("batch size or depth multiplier above 1")
    if p["dilation_h"] != 1 or p["dilation_w"] != 1:
        raise NotEligible("dilation")
    kh, kw, c = p["filter_h"], p["filter_w"], p["in_c"]
    if kh > 8 or p["stride_h"] > kh:
        raise NotEligible("filter taller than 8 rows or stride above the filter height")
    w = _array(step, p["filter"]).reshape(kh, kw, c).transpose(2, 0, 1)  # [c, kh, kw]
    bias = _array(step, p["bias"])
    bias = np.zeros(c, np.int64) if bias is None else bias
    ws, bs, rq, wide = _requant(step, w.reshape(c, -1), bias, p["input_offset"], p["output_offset"])
    ws = ws.reshape(c, kh, kw)
    fast3 = kh == 3 and kw == 3 and p["stride_w"] == 1
    vert = fast3 and p["stride_h"] == 1
    if vert:  # per filter column: (w0, w1) (w1, w2) down the column
        words = np.stack([_pairs(ws[:, 0, :], ws[:, 1, :]), _pairs(ws[:, 1, :], ws[:, 2, :])], axis=2)  # [c, kw, 2]
        pairs = 2
    elif fast3:
        words = np.stack([_pairs(ws[:, :, 0], ws[:, :, 1]), _pairs(ws[:, :, 1], ws[:, :, 2])], axis=2)  # [c, kh, 2]
        pairs = 2
    elif p["stride_w"] == 1:  # two outputs a step (td_dw_dual): the row padded to 2m + 1 taps,
        # A_j = (w_2j, w_2j+1) for j = 0..m, then B_j = (w_2j-1, w_2j) for j = 1..m
        kwo = kw | 1
        padded = np.zeros((c, kh, kwo + 1), np.int64)
        padded[:, :, :kw] = ws
        a = _pairs(padded[:, :, 0::2], padded[:, :, 1::2])
        b = _pairs(padded[:, :, 1:kwo:2], padded[:, :, 2::2])
        words = np.concatenate([a, b], axis=2)
        pairs = (kwo + 1) // 2
    else:
        kwp = kw + (kw & 1)
        padded = np.zeros((c, kh, kwp), np.int64)
        padded[:, :, :kw] = ws
        words = _pairs(padded[:, :, 0::2], padded[:, :, 1::2])
        pairs = kwp // 2
    out_w = p["out_w"]
    plane_w = max(p["pad_w"] + p["in_w"], (out_w - 1) * p["stride_w"] + 2 * pairs, out_w + 3)
    plane_w += plane_w & 1
    if vert:  # columns of a slot; words, so no evenness needed
        plane_w = max(p["pad_w"] + p["in_w"], out_w + 2)
    pre = f"op{step.op_index}"
    if vert:  # one record per channel: bias, the six weight words, m, e, h
        rec = np.concatenate([bs[:, None], words.reshape(c, 6), rq[:, :3]], axis=1)
        assert rec.shape[1] == registry.DW3X3_RECORD_WORDS
        arrays = [ConstArray(f"{pre}_records", "int32_t", rec.reshape(-1), "weights")] * 3
    else:
        arrays = [
            ConstArray(f"{pre}_filter_s16", "int32_t", words.reshape(-1), "weights"),
            ConstArray(f"{pre}_bias_scaled", "int32_t", bs, "weights"),
            ConstArray(f"{pre}_requant", "int32_t", rq.reshape(-1), "params"),
        ]
    params = dict(
        in_h=p["in_h"],
        in_w=p["in_w"],
        channels=c,
        out_h=p["out_h"],
        out_w=out_w,
        filter_h=kh,
        filter_w=kw,
        stride_h=p["stride_h"],
        stride_w=p["stride_w"],
        pad_h=p["pad_h"],
        pad_w=p["pad_w"],
        input_offset=p["input_offset"],
        act_min=p["act_min"],
        act_max=p["act_max"],
        wide=wide,
        output_offset=p["output_offset"],
        plane_w=plane_w,
        pairs=pairs,
        fast3=int(fast3),
        dual=int(not fast3 and p["stride_w"] == 1),
        vert=int(vert),
        pos=int(bool(np.all(rq[:, 1] >= 1))),
        filter=arrays[0].name,
        bias=arrays[1].name,
        requant=arrays[2].name,
    )
    scratch = 8 * c * plane_w if vert else (kh * c + 1) * plane_w * 2
    kernel = "td_depthwise_conv2d_s8_dsp3x3" if vert else "td_depthwise_conv2d_s8_dsp"
    return Step(
        step.op_index,
        step.opcode,
        kernel,
        "td_dwconv_dsp_params",
        params,
        list(step.inputs),
        list(step.outputs),
        arrays[:1] if vert else arrays,
        {step.inputs[0]: _dw_inplace(params)},
        scratch=[("dsp", (scratch + 3) // 4 * 4)],
    )


def _dw_inplace(p: dict[str, Any]) -> int:
    """In-place distance of the SIMD depthwise kernels: output row oy is written once
    input rows up to last(oy) are in the ring, and before any later row is read."""
    in_row = p["in_w"] * p["channels"]
    out_row = p["out_w"] * p["channels"]
    d = -(1 << 30)
    if p["vert"]:  # rows oy, oy + 1 written once pairs up to oy / 2 + 1 are widened
        for oy in range(0, p["out_h"], 2):
            last = min(p["in_h"] - 1, oy + 3 - p["pad_h"])
            d = max(d, min(oy + 2, p["out_h"]) * out_row - (last + 1) * in_row)
        return d
    for oy in range(p["out_h"]):
        last = min(p["in_h"] - 1, oy * p["stride_h"] - p["pad_h"] + p["filter_h"] - 1)
        d = max(d, (oy + 1) * out_row - (last + 1) * in_row)
    return d


def avgpool_dsp(step: Step, small: bool = False) -> Step:
    """Global average pooling (the window is the image) with SIMD int16 sums."""
    p = step.params
    n = p["in_h"] * p["in_w"]
    if (
        p["batches"] != 1
        or (p["out_h"], p["out_w"]) != (1, 1)
        or (p["filter_h"], p["filter_w"]) != (p["in_h"], p["in_w"])
        or p["pad_h"]
        or p["pad_w"]
    ):
        raise NotEligible("not a global average (window = image, no padding, batch 1)")
    if p["channels"] % 4 or n > 255:
        raise NotEligible("channels not a multiple of 4, or more than 255 pixels")
    return Step(
        step.op_index,
        step.opcode,
        "td_avg_pool2d_s8_dsp",
        step.params_type,
        dict(p),
        list(step.inputs),
        list(step.outputs),
        list(step.arrays),
        dict(step.inplace),
    )


def maxpool_dsp(step: Step, small: bool = False) -> Step:
    """Four channels per word with SSUB8/SEL (any window, stride and padding)."""
    if step.params["channels"] % 4:
        raise NotEligible("channels not a multiple of 4")
    return Step(
        step.op_index,
        step.opcode,
        "td_max_pool2d_s8_dsp",
        step.params_type,
        dict(step.params),
        list(step.inputs),
        list(step.outputs),
        list(step.arrays),
        dict(step.inplace),
    )


def mean_dsp(step: Step, small: bool = False) -> Step:
    """MEAN over height and width of an NHWC tensor with SIMD int16 partial sums."""
    p = step.params
    if list(p["reduced"]) != [0, 1, 1, 0]:
        raise NotEligible("not a mean over height and width")
    if p["in_shape"][3] % 4:
        raise NotEligible("channels not a multiple of 4")
    return Step(
        step.op_index,
        step.opcode,
        "td_mean_s8_dsp",
        step.params_type,
        dict(p),
        list(step.inputs),
        list(step.outputs),
        list(step.arrays),
        dict(step.inplace),
    )


def add_dsp(step: Step, small: bool = False) -> Step:
    """Same-shape ADD with each input's rescaling looked up in a 256-entry table.

    TFLite rescales input k as RoundingDivideByPOT(SRDHM((x + offset_k) << 20, m_k),
    -shift_k): a function of the int8 value x alone, so the compiler tabulates it
    (doubled, for SMMULR) and the kernel is two loads, one add and the output
    requantization per element. 2 KB of flash per ADD, so dsp-small keeps the
    reference kernel.
    """
    p = step.params
    if small:
        raise NotEligible("dsp-small: the lookup tables cost 2 KB of flash per ADD")
    if p["bc"]["dims"] != 0 or p["left_shift"] != 20:
        raise NotEligible("broadcasting ADD (the tables need same-shape inputs)")
    if step.const_inputs:
        raise NotEligible("a constant operand")
    if max(p["input1_shift"], p["input2_shift"], p["output_shift"]) > 0:
        raise NotEligible("a multiplier above 1")
    xs = range(-128, 128)
    tables = []
    for k in (1, 2):
        off, m, sh = p[f"input{k}_offset"], p[f"input{k}_multiplier"], p[f"input{k}_shift"]
        tables.append(
            np.array(
                [2 * quant.rounding_divide_by_pot(quant.srdhm((x + off) << 20, m), -sh) for x in xs], dtype=np.int64
            )
        )
    m, e, zp = p["output_multiplier"], -p["output_shift"], p["output_offset"]
    top = int(np.abs(tables[0]).max() + np.abs(tables[1]).max())
    h = ((1 << (e - 1)) if e > 0 else 0) + zp * (1 << e)
    # SMMULR(2v, m) is SRDHM(v, m) for every v (no tie differs); the sum must not wrap,
    # and neither may x + h after it
    if m < 0 or top >= INT32_LIMIT or (top * m >> 32) + abs(h) + 1 >= INT32_LIMIT:
        raise NotEligible("an intermediate could overflow 32 bits")
    name = f"op{step.op_index}_add_table"
    arrays = [
        ConstArray(f"{name}1", "int32_t", tables[0], "params"),
        ConstArray(f"{name}2", "int32_t", tables[1], "params"),
    ]
    params = dict(
        bc=dict(p["bc"]),
        output_multiplier=m,
        e=e,
        h=h,
        neg=-1 if e > 0 else 0,
        act_min=p["act_min"],
        act_max=p["act_max"],
        table1=arrays[0].name,
        table2=arrays[1].name,
    )
    return Step(
        step.op_index,
        step.opcode,
        "td_add_s8_dsp",
        "td_add_dsp_params",
        params,
        list(step.inputs),
        list(step.outputs),
        arrays,
        dict(step.inplace),
    )


# base kernel -> the function that swaps in one of its SIMD variants (kernels.py lists
# them: Kernel.simd; a unit test holds the two together)
CONVERTERS = {
    "td_conv2d_s8": conv_dsp,
    "td_fully_connected_s8": fc_dsp,
    "td_depthwise_conv2d_s8": dwconv_dsp,
    "td_avg_pool2d_s8": avgpool_dsp,
    "td_max_pool2d_s8": maxpool_dsp,
    "td_mean_s8": mean_dsp,
    "td_add_s8": add_dsp,
}


# --kernels auto on a core with the DSP extension stores a convolution's or dense
# layer's weights widened to int16 (the fastest records, twice the weight flash) only
# where each weight serves at least this many MACs per inference (its output pixels;
# a dense layer's batch), else int8 (dsp-small's records, widened at run time). The
# int8 records cost a few tenths of an instruction per MAC more (the SXTB16s), so a
# widened weight saves about 0.3 x reuse instructions per inference for its extra
# byte: some 30 per byte at 96. Measured (bench/results/kernels_auto.json): the four
# MLPerf Tiny models then take less flash than with TFLite Micro + CMSIS-NN; KWS's
# convolutions (125 pixels) stay widened, VWW's 6x6 and 3x3 layers, ResNet-8's 8x8
# ones and AD's dense layers keep int8 weights.
WIDEN_MIN_REUSE = 96
# ... and a convolution of at most this many weights is widened whatever its reuse: it
# costs at most 4 KB of flash, and small models (few positions per layer, as a strided
# keyword-spotting net has) then run at the widened speed. A weight used once (a dense
# layer at batch 1) gains nothing from being widened in flash.
WIDEN_FREE_WEIGHTS = 4096

# the kernels whose weights dsp-small / WIDEN_MIN_REUSE may keep int8
_WEIGHTED = ("td_conv2d_s8", "td_fully_connected_s8")


def reuse(step: Step) -> int:
    """MACs each weight of a CONV_2D or FULLY_CONNECTED step serves per inference."""
    p = step.params
    return int(p["batches"]) if step.kernel == "td_fully_connected_s8" else int(p["out_h"] * p["out_w"])


def weight_count(step: Step) -> int:
    """Weights of a CONV_2D or FULLY_CONNECTED step."""
    p = step.params
    if step.kernel == "td_fully_connected_s8":
        return int(p["accum_depth"] * p["out_depth"])
    return int(p["out_c"] * p["filter_h"] * p["filter_w"] * p["filter_c"])


def keeps_int8(step: Step, int8_below: int) -> bool:
    """Whether --kernels auto keeps this layer's weights int8: each serves fewer than
    ``int8_below`` MACs, and either only one, or widening them would cost more than
    WIDEN_FREE_WEIGHTS bytes."""
    if step.kernel not in _WEIGHTED:
        return False
    each = reuse(step)
    return each < int8_below and (each == 1 or weight_count(step) > WIDEN_FREE_WEIGHTS)


def select(steps: list[Step], small: bool = False, int8_below: int = 0) -> tuple[list[Step], dict[int, str]]:
    """Steps with SIMD kernels where eligible; {op index: why not} for the others.
    small: keep convolution and fully-connected weights int8 where the scale allows
    (dsp-small); int8_below: the same for the layers whose weights serve fewer MACs
    than that each, unless they are few (keeps_int8; --kernels auto passes WIDEN_MIN_REUSE)."""
    out: list[Step] = []
    skipped: dict[int, str] = {}
    for st in steps:
        conv = CONVERTERS.get(st.kernel or "")
        if conv is None:
            out.append(st)
            continue
        try:
            out.append(conv(st, small=small or keeps_int8(st, int8_below)))
        except NotEligible as exc:
            skipped[st.op_index] = str(exc)
            out.append(st)
    return out, skipped
