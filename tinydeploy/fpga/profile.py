"""Precision profile: the value range of every weight and activation and the type it calls for.

Integer bits come from the observed range: a signed type with I integer bits holds
[-2^(I-1), 2^(I-1)), an unsigned one [0, 2^I). Activations get one bit of headroom over
the range seen on the data (other inputs go further); weights are known exactly and
get none. A suggestion keeps the fractional bits of the current type, so the
resolution stays and only the width changes: wider where the type overflows (which
wraps around in ap_fixed's default WRAP mode), narrower where integer bits are never
used. Keeping the width and moving the spare bits to the fraction is the other choice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinydeploy.fpga.compare import reference_of
from tinydeploy.fpga.config import Precision
from tinydeploy.fpga.hls import LayerInfo

WASTE_BITS = 2  # report integer bits as wasted from this many unused bits
ZEROED_NOTE = 0.05  # note weights when this fraction of nonzero ones quantize to 0


def needed_integer_bits(lo: float, hi: float, signed: bool) -> int:
    """Fewest integer bits (sign included) whose range holds [lo, hi]; at least 0."""
    peak = max(abs(lo), abs(hi)) if signed else max(hi, 0.0)
    if peak == 0:
        return 0
    bits = math.floor(math.log2(peak)) + 1
    return max(bits + 1 if signed else bits, 0)


def _zeroed(w: np.ndarray, p: Precision) -> float:
    nonzero = w[w != 0]
    if not nonzero.size:
        return 0.0
    scaled = nonzero / p.step
    rounded = np.round(scaled) if p.modes and p.modes[0].upper().endswith("RND") else np.floor(scaled)
    return float((rounded == 0).mean())


def _row(layer: str, what: str, values: np.ndarray, p: Precision | None, headroom: int) -> dict[str, Any]:
    lo, hi = float(values.min()), float(values.max())
    row: dict[str, Any] = {
        "layer": layer,
        "what": what,
        "type": str(p) if p else "float",
        "min": lo,
        "max": hi,
        "status": "ok",
        "suggested": None,
    }
    if p is None or (lo == 0 and hi == 0):
        return row
    signed = p.signed or lo < 0
    need = needed_integer_bits(lo, hi, signed) + headroom
    row["needed_integer_bits"] = need
    if need > p.integer or (lo < 0 and not p.signed):
        row["status"] = "overflow"
    elif p.integer - need >= WASTE_BITS:
        row["status"] = f"wastes {p.integer - need} bits"
    if row["status"] != "ok":
        width = max(p.fractional + need, 1)
        row["suggested"] = str(Precision(signed=signed, width=width, integer=need, modes=p.modes))
    return row


def precision_profile(layers: list[LayerInfo], floats: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """One row per layer output (range on the data) and per weight array (exact range)."""
    rows = []
    for layer in layers:
        for what, (w, p) in layer.weights.items():
            if w.size == 0:
                continue
            row = _row(layer.name, what, w, p, headroom=0)
            if p is not None:
                row["zeroed"] = _zeroed(w, p)
                if row["zeroed"] >= ZEROED_NOTE and row["status"] == "ok":
                    row["status"] = f"{row['zeroed']:.0%} round to 0"
            rows.append(row)
        ref = reference_of(layer, floats)
        if ref is not None:
            rows.append(_row(layer.name, "output", ref, layer.result, headroom=1))
        if layer.kind == "Softmax" and "inv_inp_t" in layer.types:
            rows.append(_softmax_sum_row(layer))
    return rows


def _softmax_sum_row(layer: LayerInfo) -> dict[str, Any]:
    """The sum of exp(x - max) that indexes the 1/sum table lies in [1, n], whatever the data.

    hls4ml indexes its 1024-entry table with the top 10 bits of this type, so every
    unused integer bit doubles the index step (hls4ml's default ap_fixed<18,8> for
    5 classes: steps of 0.25, so 1/sum can be off by 20%).
    """
    n = int(layer.attrs.get("n_in", int(np.prod(layer.shape))))
    n //= int(layer.attrs.get("n_outer", 1) or 1) * int(layer.attrs.get("n_inner", 1) or 1)
    return _row(layer.name, "exp sum", np.array([1.0, float(n)]), layer.types["inv_inp_t"], headroom=0)


def suggestions(rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The suggested types as a ``[layers.<name>.precision]`` table for --config."""
    key = {"output": "result", "weight": "weight", "bias": "bias", "exp sum": "inv_inp"}
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.get("suggested") and r["what"] in key:
            out.setdefault(r["layer"], {})[key[r["what"]]] = r["suggested"]
    return out
