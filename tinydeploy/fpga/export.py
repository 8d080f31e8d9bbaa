"""The FPGA stage: Keras model -> HLS project, C-simulated against float, profiled, estimated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy.fpga import hls
from tinydeploy.fpga.compare import float_tensors, layer_errors, output_agreement, wanted_tensors
from tinydeploy.fpga.config import FpgaConfig
from tinydeploy.fpga.estimate import estimate
from tinydeploy.fpga.profile import precision_profile, suggestions

PROJECT_DIR = "hls_project"
MAX_SAMPLES = 200  # C simulation runs one sample per call; 200 give stable figures


def input_samples(model, data: Path | None, count: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Samples from ``data`` fitted to the model input, or random normal ones with a warning."""
    shape = tuple(model.inputs[0].shape)
    if data is not None:
        from tinydeploy.model.data import fit_to_input, load_samples

        return fit_to_input(load_samples(data), shape, str(data))[:count], []
    x = np.random.default_rng(seed).standard_normal((count, *shape[1:])).astype(np.float32)
    return x, [
        f"no --data: C simulation ran on {count} RANDOM normal inputs; agreement and "
        "value ranges on real data can differ (pass --data samples.npy)"
    ]


def _reuse_changes(layers: list[hls.LayerInfo], cfg: FpgaConfig) -> list[str]:
    notes = []
    for d in layers:
        own = cfg.layers.get(d.name)
        wanted = (own.reuse_factor if own and own.reuse_factor else None) or cfg.reuse_factor
        if d.weights and d.reuse_factor != wanted:
            notes.append(
                f"hls4ml set the reuse factor of {d.name} to {d.reuse_factor}, not "
                f"{wanted} (it must suit the layer's size)"
            )
    return notes


def export(
    model_path: Path,
    cfg: FpgaConfig,
    out_dir: Path,
    data: Path | None = None,
    samples: int = MAX_SAMPLES,
    synth: bool = False,
) -> dict[str, Any]:
    """Run the whole stage into ``out_dir`` (which must exist); return the report."""
    if synth:
        hls.check_synth_tool(cfg.backend)  # fail before minutes of work
    hls4ml = hls.import_hls4ml()  # and before TensorFlow loads
    model = hls.load_keras(model_path)
    x, warnings = input_samples(model, data, samples)
    design = hls.convert(model, cfg, out_dir / PROJECT_DIR)
    y_fixed, traces = hls.c_simulate(design, x)
    layers = hls.layer_infos(design)
    floats = float_tensors(model, x, wanted_tensors(layers))
    y_float = floats.get(model.outputs[0].name)
    if y_float is None:
        y_float = np.asarray(model.predict(x, verbose=0))
    profile = precision_profile(layers, floats)
    warnings += _reuse_changes(layers, cfg)
    import keras

    report: dict[str, Any] = {
        "model": {
            "path": str(model_path),
            "name": model.name,
            "input_shape": list(x.shape[1:]),
            "output_shape": list(y_float.shape[1:]),
            "hls4ml": hls4ml.__version__,
            "keras": keras.__version__,
        },
        "config": cfg.as_dict(),
        "project": {"dir": PROJECT_DIR, "name": design.project_name},
        "data": {"source": str(data) if data is not None else "random normal", "samples": int(len(x))},
        "agreement": output_agreement(y_float, y_fixed).as_dict(),
        "layers": layer_errors(layers, traces, floats),
        "profile": profile,
        "suggested_config": suggestions(profile),
        "estimate": estimate(layers, cfg.clock_period, cfg.io_type),
        "design": [
            {
                "layer": d.name,
                "kind": d.kind,
                "shape": list(d.shape),
                "types": {k: str(v) if v else None for k, v in d.types.items()},
                "reuse_factor": d.reuse_factor,
            }
            for d in layers
        ],
        "synthesis": hls.synthesize(design) if synth else None,
        "warnings": warnings,
    }
    (out_dir / "fpga.toml").write_text(cfg.toml())
    (out_dir / "hls4ml.log").write_text("\n".join(design.log) + "\n")
    return report
