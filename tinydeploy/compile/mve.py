"""Kernel selection for cores with Helium (MVE, the Armv8.1-M vector extension: the
Cortex-M55): CONV_2D and FULLY_CONNECTED as an int8 matrix product of 16-byte vector
dot products (VMLADAVA), with their data prepared at compile time. The layers these
kernels do not take get the dsp kernels (compile/dsp.py): the M55 has the DSP
extension too.

Prepare, continued (the C side is firmware/runtime/td_mve.h and td_conv2d_s8_mve.c):

- the input offset is folded into the bias (bias + input_offset * sum of the channel's
  weights, modulo 2^32 like the int32 sums the kernel makes); padded taps read the
  input zero point, so they add w * (zp + input_offset) = 0, as TFLite's skipped taps;
- weights in blocks of four output channels: [ceil(out_c / 4)][ceil(depth / 16)][4][16]
  bytes, each channel's depth padded with zero weights to whole vectors (the padded
  channels of the last block are zero too, their outputs never stored): the kernel
  reads one stream with post-increment, four channel vectors per input vector;
- requantization records per block of four channels: four vectors of four int32
  {bias, m, left shift, -right shift} (td_mve.h): VQRDMULH is TFLite's
  SaturatingRoundingDoublingHighMul, and RoundingDivideByPOT is a rounding shift
  (VRSHL) after negatives lose 1 (saturating), see td_mve_requant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import dsp
from tinydeploy.compile.dsp import NotEligible, _array, _per_channel
from tinydeploy.compile.lower import ConstArray, Step

LANES = 16  # int8 lanes of a Helium vector
BLOCK = 4  # output channels per weight block (td_mve.h TD_MVE_BLOCK)
RECORD_WORDS = 4 * BLOCK  # bias, m, left, -right of a block's four channels


def _wrap32(v: np.ndarray) -> np.ndarray:
    """int64 values modulo 2^32 as int32 values (two's complement)."""
    return ((v + (1 << 31)) % (1 << 32)) - (1 << 31)


def weight_blocks(w2d: np.ndarray) -> np.ndarray:
    """[oc, K] int8 weights -> the flat int8 stream [ceil(oc/4)][ceil(K/16)][4][16],
    zero-padded in both channels and depth."""
    oc, k = w2d.shape
    ocp = -(-oc // BLOCK) * BLOCK
    kp = -(-k // LANES) * LANES
    w = np.zeros((ocp, kp), np.int64)
    w[:oc, :k] = w2d
    return w.reshape(ocp // BLOCK, BLOCK, kp // LANES, LANES).transpose(0, 2, 1, 3).reshape(-1)


def requant_records(bias: np.ndarray, w2d: np.ndarray, m: np.ndarray, s: np.ndarray, input_offset: int) -> np.ndarray:
    """[ceil(oc/4)][4 kinds][4 channels] int32: bias folded with the input offset, the
    multiplier, the left shift and the negated right shift (VRSHL shifts right by it)."""
    oc = w2d.shape[0]
    ocp = -(-oc // BLOCK) * BLOCK
    folded = _wrap32(bias.astype(np.int64) + input_offset * w2d.sum(axis=1))
    rec = np.zeros((4, ocp), np.int64)
    rec[0, :oc] = folded
    rec[1, :oc] = m
    rec[2, :oc] = np.maximum(s, 0)
    rec[3, :oc] = np.minimum(s, 0)
    return rec.reshape(4, ocp // BLOCK, BLOCK).transpose(1, 0, 2).reshape(-1)


def _conv_step(
    step: Step, w2d: np.ndarray, bias: np.ndarray, geo: dict[str, int], p: dict[str, Any], direct: int
) -> Step:
    pre = f"op{step.op_index}"
    oc, depth = w2d.shape
    m, s = _per_channel(step, oc)
    if np.any(s > 30) or np.any(s < -31):
        raise NotEligible("a shift outside [-31, 30]")
    weights = ConstArray(f"{pre}_mve_weights", "int8_t", weight_blocks(w2d), "weights")
    records = ConstArray(f"{pre}_mve_requant", "int32_t", requant_records(bias, w2d, m, s, p["input_offset"]), "params")
    params = dict(
        **geo,
        pad_value=-p["input_offset"],
        depth=depth,
        direct=direct,
        output_offset=p["output_offset"],
        act_min=p["act_min"],
        act_max=p["act_max"],
        left=int(bool(np.any(s > 0))),
        weights=weights.name,
        requant=records.name,
    )
    # the int32 sums of two pixels, then their columns (im2col) unless they are input rows
    blocks = -(-oc // BLOCK)
    scratch = [("mve", 2 * 4 * BLOCK * blocks + (0 if direct else 2 * -(-depth // LANES) * LANES))]
    return Step(
        step.op_index,
        step.opcode,
        "td_conv2d_s8_mve",
        "td_conv_mve_params",
        params,
        list(step.inputs),
        list(step.outputs),
        [weights, records],
        dict(step.inplace),
        scratch=scratch,
    )


GEO = (
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


def conv_mve(step: Step) -> Step:
    p = step.params
    if p["batches"] != 1:
        raise NotEligible("batch size above 1")
    if p["filter_c"] != p["in_c"]:
        raise NotEligible("grouped convolution")
    oc = p["out_c"]
    w2d = _array(step, p["filter"]).reshape(oc, -1)
    bias = _array(step, p["bias"])
    bias = np.zeros(oc, np.int64) if bias is None else bias
    geo = {k: p[k] for k in GEO}
    # 1x1 without padding: a pixel's column is its input row
    direct = int((p["filter_h"], p["filter_w"], p["pad_h"], p["pad_w"]) == (1, 1, 0, 0))
    return _conv_step(step, w2d, bias, geo, p, direct)


def fc_mve(step: Step) -> Step:
    p = step.params
    w2d, bias, geo = dsp.fc_as_conv(step)
    return _conv_step(step, w2d, bias, geo, p, direct=1)


PLANES_BUDGET = 16384  # bytes of scratch for a depthwise band's channel planes


def dw_band(p: dict[str, Any], plane_w: int, budget: int = PLANES_BUDGET) -> tuple[int, int]:
    """(output rows per band, input rows its planes hold): all rows when their planes fit
    ``budget`` bytes, else as many as fit (one at least)."""
    c, sh, span = p["in_c"], p["stride_h"], (p["filter_h"] - 1) * p["dilation_h"] + 1
    rows = p["out_h"]
    while rows > 1 and c * ((rows - 1) * sh + span) * plane_w > budget:
        rows -= 1
    return rows, (rows - 1) * sh + span


def dwconv_mve(step: Step) -> Step:
    p = step.params
    if p["batches"] != 1 or p["depth_multiplier"] != 1:
        raise NotEligible("batch size or depth multiplier above 1")
    kh, kw, c = p["filter_h"], p["filter_w"], p["in_c"]
    w2d = _array(step, p["filter"]).reshape(kh * kw, c).T  # [c, taps]
    bias = _array(step, p["bias"])
    bias = np.zeros(c, np.int64) if bias is None else bias
    m, s = _per_channel(step, c)
    if np.any(s > 30) or np.any(s < -31):
        raise NotEligible("a shift outside [-31, 30]")
    pre = f"op{step.op_index}"
    folded = _wrap32(bias.astype(np.int64) + p["input_offset"] * w2d.sum(axis=1))
    # {bias, m, -right, zp, left}: the assembly loop loads the first four at once
    rec = np.stack([folded, m, np.minimum(s, 0), np.full(c, p["output_offset"]), np.maximum(s, 0)], axis=1)
    weights = ConstArray(f"{pre}_mve_dw_weights", "int32_t", w2d.reshape(-1), "weights")
    records = ConstArray(f"{pre}_mve_dw_requant", "int32_t", rec.reshape(-1), "params")
    # planes as wide as every window needs: the padding on both sides
    span_w = (p["out_w"] - 1) * p["stride_w"] + (kw - 1) * p["dilation_w"] + 1
    plane_w = max(p["pad_w"] + p["in_w"], span_w)
    band_rows, band_in_rows = dw_band(p, plane_w)
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
        dilation_h=p["dilation_h"],
        dilation_w=p["dilation_w"],
        pad_h=p["pad_h"],
        pad_w=p["pad_w"],
        pad_value=-p["input_offset"],
        output_offset=p["output_offset"],
        act_min=p["act_min"],
        act_max=p["act_max"],
        plane_w=plane_w,
        band_rows=band_rows,
        band_in_rows=band_in_rows,
        left=int(bool(np.any(s > 0))),
        weights=weights.name,
        requant=records.name,
    )
    offsets = -(-band_rows * p["out_w"] // 4) * 3 * 16  # three vectors a group of four
    planes = -(-c * band_in_rows * plane_w // 4) * 4
    return Step(
        step.op_index,
        step.opcode,
        "td_depthwise_conv2d_s8_mve",
        "td_dwconv_mve_params",
        params,
        list(step.inputs),
        list(step.outputs),
        [weights, records],
        {step.inputs[0]: _dw_inplace(params)},
        scratch=[("mve", offsets + planes)],
    )


def _dw_inplace(p: dict[str, Any]) -> int:
    """In-place distance: a band's input rows are all read (into the planes) before its
    output rows are written, and the next band reads again from its own first row (the
    rows two bands share are read twice)."""
    in_row = p["in_w"] * p["channels"]
    out_row = p["out_w"] * p["channels"]
    d = -(1 << 30)
    for oy0 in range(0, p["out_h"], p["band_rows"]):
        end = min(oy0 + p["band_rows"], p["out_h"])
        # the first input row read after this band's output is written
        after = p["in_h"] if end >= p["out_h"] else max(0, end * p["stride_h"] - p["pad_h"])
        d = max(d, end * out_row - min(after, p["in_h"]) * in_row)
    return d


# base kernel -> the function that swaps in its Helium variant (the Helium block of kernels.py)
CONVERTERS = {
    "td_conv2d_s8": conv_mve,
    "td_fully_connected_s8": fc_mve,
    "td_depthwise_conv2d_s8": dwconv_mve,
}


def select(steps: list[Step]) -> tuple[list[Step], dict[int, str]]:
    """Steps with the Helium kernels where eligible, else the dsp ones where those are;
    {op index: why neither} for the others (both reasons when both declined)."""
    out: list[Step] = []
    skipped: dict[int, str] = {}
    for st in steps:
        why = []
        conv = CONVERTERS.get(st.kernel or "")
        if conv is not None:
            try:
                out.append(conv(st))
                continue
            except NotEligible as exc:
                why.append(f"mve: {exc}")
        fallback = dsp.CONVERTERS.get(st.kernel or "")
        if fallback is not None:
            try:
                out.append(fallback(st))
                continue
            except NotEligible as exc:
                why.append(f"dsp: {exc}")
        if why:
            skipped[st.op_index] = "; ".join(why)
        out.append(st)
    return out, skipped
