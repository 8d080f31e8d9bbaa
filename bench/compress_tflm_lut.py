"""Weight sharing: tinydeploy's packed storage next to TFLite Micro's own lookup-table
(LUT) compression, on the same clustered int8 model.

    python bench/compress_tflm_lut.py --model kws.keras --data kws.npz [--clusters 16]
                                      [-o bench/results/compress/kws]

Clusters the model's weights (tinydeploy compress, post-training, so this takes a
minute; accuracy is not the point here), then stores the same int8 values two ways:
  - tinydeploy: the AOT compiler's packed weights (one value table per layer,
    bit-packed indices), the bytes the firmware's .td_weights section holds;
  - TFLite Micro: the compression tool of the tflite-micro package (LUT, one table
    per tensor, the smallest index width that fits), which rewrites the .tflite with
    DECODE operators.
Both figures count the biases (int32, never compressed). Writes tflm_lut.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--clusters", type=int, default=16)
    ap.add_argument("-o", "--out", default="bench/results/compress/kws")
    args = ap.parse_args()

    import keras

    from tflite_micro.tensorflow.lite.micro.compression.compress import compress as tflm_compress
    from tflite_micro.tensorflow.lite.micro.compression import lut, model_editor, spec

    from tinydeploy.compile import compile_model
    from tinydeploy.compress import Options, compress, load_dataset

    data = load_dataset(args.data)
    model = keras.models.load_model(args.model, compile=False)
    res = compress(model, data, Options(clusters=args.clusters, epochs=0))
    raw = bytes(res.tflite)

    # tinydeploy: the packed weights as compiled (filters packed + tables + biases)
    with tempfile.TemporaryDirectory() as tmp:
        cm = compile_model(read_model_bytes(raw), Path(tmp) / "c")
        ours = {"weights_bytes": cm.weights_bytes, "kernels": sorted(set(cm.kernels))}

    # TFLite Micro: LUT per tensor for every filter of CONV_2D / DEPTHWISE_CONV_2D /
    # FULLY_CONNECTED, index width = the fewest bits that hold its distinct values
    ir = read_model_bytes(raw)
    specs, rows = [], []
    edited = model_editor.read(raw)
    sub = edited.subgraphs[0]
    bias_bytes = 0
    for op in ir.ops:
        if op.opcode not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        w = ir.tensors[op.inputs[1]]
        if len(op.inputs) > 2 and op.inputs[2] >= 0 and ir.tensors[op.inputs[2]].data is not None:
            bias_bytes += ir.tensors[op.inputs[2]].data.size * 4
        uniq = int(np.unique(w.data).size)
        bits = max(1, math.ceil(math.log2(uniq)))
        method = spec.LookUpTableCompression(index_bitwidth=bits, mode=spec.PerTensor())
        specs.append(spec.Tensor(subgraph=0, tensor=op.inputs[1], compression=[method]))
        r = lut.LutCompressor().compress(sub.tensors[op.inputs[1]], method)
        rows.append(
            {
                "op": op.opcode,
                "tensor": w.name,
                "values": uniq,
                "index_bits": bits,
                "int8_bytes": int(w.data.size),
                "tflm_bytes": len(r.encoded_data) + len(r.ancillary_data),
            }
        )
    compressed = bytes(tflm_compress(raw, specs))
    tflm_weights = sum(r["tflm_bytes"] for r in rows) + bias_bytes
    runs = "not tried"
    try:  # the pip package's interpreter may lack the DECODE operator
        from tinydeploy.model.reference import Reference

        x = np.random.default_rng(0).integers(-128, 128, (5, *ir.tensors[ir.inputs[0]].shape[1:]), dtype=np.int8)
        a, b = Reference(raw), Reference(compressed)
        diff = max(int(np.abs(a.run(xi).astype(int) - b.run(xi).astype(int)).max()) for xi in x)
        runs = (
            "outputs equal to the uncompressed model's (5 inputs)"
            if diff == 0
            else f"outputs differ from the uncompressed model's, max |diff| {diff} over 5 "
            "inputs (also with one compressed tensor, per tensor or per channel); cause "
            "not found, so the table sizes are compared, not a running TFLM model"
        )
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        runs = f"not runnable in this tflite-micro build: {str(exc).splitlines()[0][:160]}"
    result = {
        "model": args.model,
        "clusters": args.clusters,
        "tflite_bytes": len(raw),
        "tflm_compressed_tflite_bytes": len(compressed),
        "tinydeploy_weights_bytes": ours["weights_bytes"],
        "tflm_lut_weights_bytes": tflm_weights,
        "bias_bytes": bias_bytes,
        "int8_weights_bytes": sum(r["int8_bytes"] for r in rows) + bias_bytes,
        "tinydeploy_kernels": ours["kernels"],
        "tflm_compressed_model_runs": runs,
        "tensors": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tflm_lut.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "tensors"}, indent=2))
    return 0


def read_model_bytes(raw: bytes):  # type: ignore[no-untyped-def]
    """tinydeploy's model reader takes a path."""
    from tinydeploy.model.ir import read_model

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "model.tflite"
        p.write_bytes(raw)
        return read_model(p)


if __name__ == "__main__":
    sys.exit(main())
