"""Resource and latency ESTIMATE of an hls4ml design, from layer sizes alone (no HLS tool).

The model, one rule per layer family, so every figure can be checked by hand:

- Multipliers: a Dense layer multiplies each of its n_in x n_out weights once per
  inference; a convolution's kernel (fh x fw x channels x filters, or fh x fw x
  channels for a depthwise one) is one matrix-vector product per output pixel, done by
  one shared multiplier array (hls4ml's ParallelizationFactor copies it). With the
  ``latency`` strategy, weights are constants and HLS drops multiplications by a weight
  that quantizes to 0, so only nonzero ones count; ``resource`` keeps weights in memory
  and counts all of them.
- DSPs = ceil(multipliers / reuse factor) x DSP slices per product: 1 while the
  product fits a DSP48E2 (27 x 18 bits), more for wider ones. Vivado maps some narrow
  products to LUTs, so synthesis often reports fewer: read this as an upper bound.
- Latency: a layer's logic depth in ns (multiply 3 ns, one adder level 1.5 ns, a table
  lookup 2.5 ns, on an UltraScale+ part) rounded up to whole clock cycles, at least
  one; a reuse factor R adds R - 1 cycles per product; a convolution repeats its
  product once per output pixel (io_parallel) or input pixel (io_stream).
- II (cycles between inputs) is that of the slowest layer: the layers form one pipeline.
- BRAM: only with the ``resource`` strategy, weights in 18 Kb blocks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinydeploy.fpga.hls import LayerInfo

MULT_NS, ADD_NS, TABLE_NS = 3.0, 1.5, 2.5
BRAM_BITS = 18 * 1024
LABEL = (
    "estimate from layer sizes (tinydeploy's model, not HLS synthesis); "
    "run with --synth where Vivado/Vitis HLS is installed for synthesis figures"
)


def _cycles(ns: float, clock_ns: float) -> int:
    return max(1, math.ceil(ns / clock_ns - 1e-9))


def _tree(n: int) -> int:
    """Adder levels to sum n values."""
    return math.ceil(math.log2(n)) if n > 1 else 0


def dsp_per_product(a_bits: int, b_bits: int) -> int:
    big, small = max(a_bits, b_bits), min(a_bits, b_bits)
    return math.ceil(big / 27) * math.ceil(small / 18)


def _nonzero(layer: LayerInfo) -> tuple[int, int]:
    """(all, nonzero after quantization) weights of the layer's main weight array."""
    w, p = layer.weights.get("weight", (np.zeros(0), None))
    if not w.size:
        return 0, 0
    q = np.floor(w / p.step) if p is not None else w
    return int(w.size), int(np.count_nonzero(q))


def layer_estimate(layer: LayerInfo, input_bits: int, clock_ns: float, io_type: str) -> dict[str, Any]:
    a = layer.attrs
    rf = max(layer.reuse_factor, 1)
    kind = layer.kind
    mults, latency, ii, bram, note = 0, 0, 1, 0, ""
    total, nonzero = _nonzero(layer)
    counted = nonzero if layer.strategy == "latency" else total
    wbits = layer.weights.get("weight", (None, None))[1]
    if kind == "Dense":
        mults = math.ceil(counted / rf)
        latency = _cycles(MULT_NS + ADD_NS * _tree(a.get("n_in", 1) + 1), clock_ns) + rf - 1
        ii = rf
    elif kind in ("Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D", "PointwiseConv1D", "PointwiseConv2D"):
        pf = max(int(a.get("parallelization_factor", 1) or 1), 1)
        per_pixel = a.get("filt_height", 1) * a.get("filt_width", 1) * a.get("n_chan", 1)
        pixels = (
            a.get("out_height", 1) * a.get("out_width", 1)
            if io_type == "io_parallel"
            else a.get("in_height", 1) * a.get("in_width", 1)
        )
        steps = math.ceil(pixels / pf)
        mults = math.ceil(counted / rf) * pf if io_type == "io_parallel" else math.ceil(counted / rf)
        depth = _cycles(MULT_NS + ADD_NS * _tree(per_pixel + 1), clock_ns)
        ii = steps * rf
        latency = ii + depth - 1
        note = f"{steps} pixel steps"
    elif kind == "BatchNormalization":
        mults = math.ceil(a.get("n_in", 1) / rf)
        latency = _cycles(MULT_NS + ADD_NS, clock_ns) + rf - 1
        ii = rf
    elif kind in ("Pooling1D", "Pooling2D"):
        window = a.get("pool_height", 1) * a.get("pool_width", 1)
        if io_type == "io_stream":
            ii = a.get("in_height", 1) * a.get("in_width", 1)
        latency = ii + _cycles(ADD_NS * _tree(window), clock_ns) - 1
    elif kind in ("GlobalPooling1D", "GlobalPooling2D"):
        latency = _cycles(ADD_NS * _tree(a.get("in_height", 1) * a.get("in_width", 1)) + MULT_NS, clock_ns)
    elif kind == "Merge":
        if a.get("op") == "multiply":
            mults = math.ceil(int(np.prod(layer.shape)) / rf)
        latency = 1
    elif kind == "Softmax":
        n = a.get("n_in", int(np.prod(layer.shape)))
        mults = n
        latency = _cycles(2 * TABLE_NS + ADD_NS * _tree(n) + MULT_NS, clock_ns)
    elif kind in (
        "Activation",
        "ParametrizedActivation",
        "LeakyReLU",
        "ThresholdedReLU",
        "ELU",
        "PReLU",
        "HardActivation",
    ):
        simple = a.get("activation") in ("relu", "linear")
        latency = 1 if simple else _cycles(TABLE_NS, clock_ns)
    elif kind in ("Input", "Reshape", "Transpose"):
        latency = 0
    else:
        latency, note = 1, "no rule for this layer; counted as 1 cycle"
    per = dsp_per_product(wbits.width if wbits else 16, input_bits) if mults else 0
    if layer.strategy == "resource" and total and wbits is not None:
        bram = math.ceil(total * wbits.width / BRAM_BITS)
    return {
        "layer": layer.name,
        "kind": kind,
        "reuse_factor": rf,
        "multipliers": mults,
        "dsp": mults * per,
        "bram_18k": bram,
        "latency_cycles": latency,
        "ii_cycles": ii,
        "weights": total,
        "nonzero_weights": nonzero,
        "note": note,
    }


def estimate(layers: list[LayerInfo], clock_ns: float, io_type: str) -> dict[str, Any]:
    rows, bits = [], 16
    for layer in layers:
        rows.append(layer_estimate(layer, bits, clock_ns, io_type))
        if layer.result is not None:
            bits = layer.result.width  # the next layer's input width
    cycles = sum(r["latency_cycles"] for r in rows)
    ii = max((r["ii_cycles"] for r in rows), default=1)
    return {
        "label": LABEL,
        "clock_period_ns": clock_ns,
        "io_type": io_type,
        "dsp": sum(r["dsp"] for r in rows),
        "multipliers": sum(r["multipliers"] for r in rows),
        "bram_18k": sum(r["bram_18k"] for r in rows),
        "latency_cycles": cycles,
        "latency_ns": cycles * clock_ns,
        "ii_cycles": ii,
        "throughput_per_s": 1e9 / (ii * clock_ns),
        "layers": rows,
    }
