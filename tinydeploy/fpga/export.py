"""The FPGA stage: Keras or PyTorch model -> HLS project, C-simulated against float, profiled, estimated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy.fpga import hls, torch_in
from tinydeploy.fpga.compare import float_tensors, layer_errors, output_agreement, wanted_tensors
from tinydeploy.fpga.config import FpgaConfig
from tinydeploy.fpga.estimate import estimate
from tinydeploy.fpga.profile import precision_profile, suggestions

PROJECT_DIR = "hls_project"
MAX_SAMPLES = 200  # C simulation runs one sample per call; 200 give stable figures


def input_samples(shape: tuple, data: Path | None, count: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Samples from ``data`` fitted to the input ``shape`` (batch axis first), or random
    normal ones with a warning."""
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
    model_path: Path | None,
    cfg: FpgaConfig,
    out_dir: Path,
    data: Path | None = None,
    samples: int = MAX_SAMPLES,
    synth: bool = False,
    module: Any = None,
    input_shape: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """Run the whole stage into ``out_dir`` (which must exist); return the report.

    The model is the Keras or PyTorch file ``model_path``, or the torch.nn.Module
    ``module``; a PyTorch model needs ``input_shape`` (batch axis first)."""
    if synth:
        hls.check_synth_tool(cfg.backend)  # fail before minutes of work
    if module is None and model_path is not None and model_path.suffix.lower() in torch_in.TORCH_SUFFIXES:
        torch_in.import_torch()  # before hls4ml's import, slower and naming the wrong extra
        module = torch_in.load_module(model_path)
    hls4ml = hls.import_hls4ml()  # and before TensorFlow loads
    if module is not None:
        run = _pytorch(module, input_shape, cfg, out_dir, data, samples)
    else:
        assert model_path is not None
        run = _keras(model_path, cfg, out_dir, data, samples)
    design, x, y_fixed, traces, layers, floats, y_float, model_info, warnings = run
    profile = precision_profile(layers, floats)
    warnings += _reuse_changes(layers, cfg)
    report: dict[str, Any] = {
        "model": {
            "path": str(model_path) if model_path is not None else f"<{type(module).__name__}>",
            **model_info,
            "input_shape": list(x.shape[1:]),
            "output_shape": list(y_float.shape[1:]),
            "hls4ml": hls4ml.__version__,
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


def _keras(model_path: Path, cfg: FpgaConfig, out_dir: Path, data: Path | None, samples: int) -> tuple:
    model = hls.load_keras(model_path)
    x, warnings = input_samples(tuple(model.inputs[0].shape), data, samples)
    design = hls.convert(model, cfg, out_dir / PROJECT_DIR)
    y_fixed, traces = hls.c_simulate(design, x)
    layers = hls.layer_infos(design)
    floats = float_tensors(model, x, wanted_tensors(layers))
    y_float = floats.get(model.outputs[0].name)
    if y_float is None:
        y_float = np.asarray(model.predict(x, verbose=0))
    import keras

    info = {"name": model.name, "framework": "keras", "keras": keras.__version__}
    return design, x, y_fixed, traces, layers, floats, y_float, info, warnings


def _pytorch(
    module: Any, input_shape: tuple[int, ...] | None, cfg: FpgaConfig, out_dir: Path, data: Path | None, samples: int
) -> tuple:
    torch = torch_in.import_torch()
    shape = torch_in.input_shape_of(input_shape, None)
    x, warnings = input_samples(shape, data, samples)
    design = torch_in.convert(module, shape, cfg, out_dir / PROJECT_DIR)
    x_hls = x
    if torch_in.channels_last_input(shape, cfg):
        x_hls = np.moveaxis(x, 1, -1)
        warnings.append(
            f"io_stream: hls4ml's PyTorch front end takes channels-last input, so the C simulation was fed "
            f"the samples as {list(x_hls.shape[1:])}, not {list(x.shape[1:])}; the FPGA's input stream is "
            "channels-last too"
        )
    y_fixed, traces = hls.c_simulate(design, x_hls)
    layers = hls.layer_infos(design)
    floats, y_float = torch_in.float_tensors(module, x, layers)
    info = {"name": design.project_name, "framework": "pytorch", "torch": torch.__version__.split("+")[0]}
    return design, x, y_fixed, traces, layers, floats, y_float, info, warnings
