"""Packed weights (4-bit, lookup table, sparse) on the SIMD kernels.

A SIMD kernel reads its weights as records of 32-bit words (compile/dsp.py): raw
words (pre-scaled biases, requantization) around weight lanes, which are the layer's
int8 weights in the kernel's order, either as bytes (the int8 ``w8`` conv / FC
records of dsp-small) or widened to int16 and shifted left by their channel's
pre-scaling (dsp, and the depthwise layouts). Here the lanes of every record become one int8 stream, packed
with the codecs of the reference packed kernels (lower.encode_weights), and the raw
words stay as they are; td_unpack_records rebuilds the records in arena scratch
before the SIMD kernel runs. Each rebuild is replayed here and compared with the
records word for word, so the kernel's results stay bit-exact.

A layer whose SIMD records are not such a stream keeps the reference packed kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinydeploy.compile import kernels as registry
from tinydeploy.compile.lower import ConstArray, Step, encode_weights, pack_weights

# Rebuilding records costs about ten instructions per weight on every inference, so a
# layer takes the SIMD path only when each weight serves at least this many MACs (a
# dense layer's weights serve one each: decoding them costs more than its MACs) ...
MIN_REUSE = 16
# ... and when its rebuilt records need no more arena scratch than the largest layer's
# int8 weights, which the reference packed kernels decode into anyway, or this floor
# (the largest layers of an image model would otherwise need hundreds of KB of RAM).
MIN_SCRATCH_CAP = 16 * 1024

# SIMD kernel -> its packed variant
PACKED_SIMD = {
    "td_conv2d_s8_dsp": "td_conv2d_s8_dsp_packed",
    "td_fully_connected_s8_dsp": "td_fully_connected_s8_dsp_packed",
    "td_depthwise_conv2d_s8_dsp": "td_depthwise_conv2d_s8_dsp_packed",
    "td_depthwise_conv2d_s8_dsp3x3": "td_depthwise_conv2d_s8_dsp3x3_packed",
}


def _u32(words: np.ndarray) -> np.ndarray:
    return np.asarray(words, dtype=np.int64) & 0xFFFFFFFF


def _lanes8(body: np.ndarray) -> np.ndarray:
    """Words [R, n] -> their bytes [R, 4n] as int8, low byte first."""
    b = (_u32(body)[:, :, None] >> np.array([0, 8, 16, 24])) & 0xFF
    b = b.reshape(body.shape[0], -1)
    return np.where(b >= 128, b - 256, b)


def _word_shift_class(words: int, shifts: int, group: int) -> np.ndarray:
    """For each lane word of a record: the index of its shift (td_unpack_records)."""
    return (np.arange(words) // group) % shifts


def _lanes16(body: np.ndarray, shifts: int, group: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Words [R, n] of int16 pairs -> (int8 values [R, 2n], shifts [R, shifts]) with
    value << shift == lane, or None when some lane is no shifted int8."""
    h = (_u32(body)[:, :, None] >> np.array([0, 16])) & 0xFFFF
    h = np.where(h >= 1 << 15, h - (1 << 16), h)  # [R, n, 2]
    cls = _word_shift_class(body.shape[1], shifts, group)
    sh = np.zeros((body.shape[0], shifts), dtype=np.int64)
    for r in range(body.shape[0]):
        for k in range(shifts):
            nz = h[r, cls == k].ravel()
            nz = nz[nz != 0]
            if nz.size:  # the largest shift dividing every lane: the smallest values
                sh[r, k] = min(7, min((int(v) & -int(v)).bit_length() - 1 for v in nz))
    per_lane = sh[:, cls][:, :, None]  # [R, n, 1]
    v = h >> per_lane
    if np.any(v << per_lane != h) or v.min(initial=0) < -128 or v.max(initial=0) > 127:
        return None
    return v.reshape(body.shape[0], -1), sh


def _rebuilt(
    raw: np.ndarray, lanes: np.ndarray, shifts: np.ndarray | None, head: int, bits: int, group: int
) -> np.ndarray:
    """What td_unpack_records writes, as int32 values [R, words per record]."""
    if bits == 8:
        b = lanes.reshape(lanes.shape[0], -1, 4) & 0xFF
        body = b[:, :, 0] | (b[:, :, 1] << 8) | (b[:, :, 2] << 16) | (b[:, :, 3] << 24)
    else:
        assert shifts is not None
        pairs = lanes.reshape(lanes.shape[0], -1, 2)
        cls = _word_shift_class(pairs.shape[1], shifts.shape[1], group)
        h = (pairs << shifts[:, cls][:, :, None]) & 0xFFFF
        body = h[:, :, 0] | (h[:, :, 1] << 16)
    body = np.where(body >= 1 << 31, body - (1 << 32), body)
    return np.concatenate([raw[:, :head], body, raw[:, head:]], axis=1)


def _records(
    step: Step,
    words: np.ndarray,
    head: int,
    tail: int,
    bits: int,
    min_saving: int,
    shifts_per_record: int = 1,
    group: int = 0,
) -> tuple[dict[str, Any], list[ConstArray], int] | None:
    """(td_packed_records params, its arrays, scratch bytes) for ``words`` [R, W], or
    None when the rebuild would differ or would not save ``min_saving`` bytes. 16-bit
    lanes: ``shifts_per_record`` shifts alternating every ``group`` lane words (0: all)."""
    words = np.asarray(words, dtype=np.int64)
    n = words.shape[1] - head - tail
    body = words[:, head : head + n]
    raw = np.concatenate([words[:, :head], words[:, head + n :]], axis=1)
    group = group or max(n, 1)
    shifts = None
    if bits == 8:
        lanes = _lanes8(body)
    else:
        got = _lanes16(body, shifts_per_record, group)
        if got is None:
            return None
        lanes, shifts = got
    if not np.array_equal(_rebuilt(raw, lanes, shifts, head, bits, group), words):
        return None
    enc = encode_weights(lanes.ravel())
    pre = f"op{step.op_index}"
    if (
        enc["bytes"] + 4 * raw.size + (0 if shifts is None else shifts.size) > 4 * words.size - min_saving
    ):  # the records as the int8 build stores them
        return None
    as_s8 = lambda a: np.asarray(a, np.uint8).view(np.int8).astype(np.int64)  # noqa: E731
    arrays = [ConstArray(f"{pre}_lanes", "int8_t", as_s8(enc["data"]), "weights")]
    weights = dict(
        count=int(lanes.size),
        codec=enc["codec"],
        index_bits=enc["index_bits"],
        data=f"{pre}_lanes",
        table=None,
        mask=None,
    )
    if enc["table"] is not None:
        arrays.append(ConstArray(f"{pre}_lanes_table", "int8_t", enc["table"], "weights"))
        weights["table"] = f"{pre}_lanes_table"
    if enc["mask"] is not None:
        arrays.append(ConstArray(f"{pre}_lanes_mask", "int8_t", as_s8(enc["mask"]), "weights"))
        weights["mask"] = f"{pre}_lanes_mask"
    params: dict[str, Any] = dict(
        weights=weights,
        records=int(words.shape[0]),
        head=head,
        lanes=int(lanes.shape[1]),
        tail=tail,
        lane_bits=bits,
        shifts=shifts_per_record if bits == 16 else 0,
        shift_group=group if bits == 16 else 0,
        words=int(words.size),
        raw=None,
        shift=None,
    )
    if raw.size:
        arrays.append(ConstArray(f"{pre}_raw", "int32_t", raw.ravel(), "weights"))
        params["raw"] = f"{pre}_raw"
    if shifts is not None:
        arrays.append(ConstArray(f"{pre}_shift", "int8_t", shifts.ravel(), "params"))
        params["shift"] = f"{pre}_shift"
    return params, arrays, 4 * int(words.size) + int(lanes.size)


def _pack_simd_step(st: Step, min_saving: int, cap: int) -> Step | str:
    """The packed variant of SIMD step ``st``, or why it keeps the reference packed kernel."""
    p = st.params
    arrays = {a.name: a for a in st.arrays}
    if p["out_h"] * p["out_w"] < MIN_REUSE:
        return (
            f"packed weights: each serves {p['out_h'] * p['out_w']} MACs, fewer than "
            f"{MIN_REUSE}, so rebuilding the SIMD records would cost more than it saves"
        )
    if st.kernel in ("td_conv2d_s8_dsp", "td_fully_connected_s8_dsp"):
        # a record per channel pair: 2 biases, the weight words, 6 requantization words;
        # int8 weights (w8) four to a word, else int16 pairs, two words per input quad
        # of channel c, then two of channel c + 1 (each its own pre-scaling)
        body = p["depth"] // 2 if p["w8"] else p["depth"]
        rec = arrays[p["filter"]].values.reshape(-1, 2 + body + 6)
        got = (
            _records(st, rec, 2, 6, 8, min_saving)
            if p["w8"]
            else _records(st, rec, 2, 6, 16, min_saving, shifts_per_record=2, group=2)
        )
        inner, which = "conv", [p["filter"]]
    elif st.kernel == "td_depthwise_conv2d_s8_dsp":
        filt = arrays[p["filter"]].values.reshape(p["channels"], -1)
        got = _records(st, filt, 0, 0, 16, min_saving)
        inner, which = "dw", [p["filter"]]
    elif st.kernel == "td_depthwise_conv2d_s8_dsp3x3":
        rec = arrays[p["filter"]].values.reshape(p["channels"], registry.DW3X3_RECORD_WORDS)
        got = _records(st, rec, 1, 3, 16, min_saving)
        inner, which = "dw", [p["filter"], p["bias"], p["requant"]]
    else:
        return "no packed SIMD variant"
    if got is None:
        return "packed weights: the SIMD records are not a stream of them"
    records, new_arrays, scratch = got
    if scratch > cap:
        return f"packed weights: the rebuilt SIMD records would take {scratch:,} B of arena, over {cap:,} B"
    fields = {"filter", "bias", "requant"} & set(p)
    cleared = {k: None for k in fields if p[k] in which}
    kept = [a for a in st.arrays if a.name not in which]
    return Step(
        st.op_index,
        st.opcode,
        PACKED_SIMD[st.kernel],
        registry.kernel(PACKED_SIMD[st.kernel]).params.C_NAME,
        {inner: dict(p, **cleared), "records": records},
        list(st.inputs),
        list(st.outputs),
        kept + new_arrays,
        dict(st.inplace),
        scratch=list(st.scratch) + [("weights", (scratch + 3) // 4 * 4)],
    )


def pack_simd(reference: list[Step], simd: list[Step], skipped: dict[int, str], min_saving: int = 16) -> list[Step]:
    """Packed weights for a SIMD build: ``simd`` is dsp.select's output for the
    ``reference`` steps (one to one). A SIMD step whose records are a lane stream gets
    its packed variant; one that is not keeps its op's reference packed kernel (noted
    in ``skipped``); steps the SIMD pass left alone are packed as the reference build
    packs them."""
    out: list[Step] = []
    weights = [
        a.values.size
        for st in reference
        if registry.packed_variant(st.kernel or "")
        for a in st.arrays
        if a.name == st.params["filter"]
    ]
    cap = max([MIN_SCRATCH_CAP, *weights])
    for ref, st in zip(reference, simd, strict=True):
        if st.kernel not in PACKED_SIMD:
            out.extend(pack_weights([st], min_saving) if st is ref else [st])
            continue
        packed = _pack_simd_step(st, min_saving, cap)
        if not isinstance(packed, str):
            out.append(packed)
            continue
        plain = pack_weights([ref], min_saving)
        if plain[0].kernel != ref.kernel:  # the reference packed kernel saves flash
            skipped[st.op_index] = f"{packed}: the packed reference kernel"
            out.extend(plain)
        else:
            out.append(st)
    return out
