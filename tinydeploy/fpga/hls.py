"""hls4ml for a Keras model: load, convert, write, C-simulate and synthesize (torch_in.py
converts PyTorch models and hands back the same HlsDesign).

hls4ml 1.3 converts Keras 3 models with its own Keras-v3 front end (the ``keras-v3``
extra, Keras >= 3.10), so the Keras 3.15 that TensorFlow 2.21 brings is used as is:
no tf.keras 2 / tf-keras shim. hls4ml prints to stdout while it works; every call
here runs inside :func:`capture_native_output` and keeps the text as a log.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy._fdcapture import capture_native_output
from tinydeploy.errors import ConfigError, ConversionError, ModelFormatError, ToolchainError, UnsupportedOpError
from tinydeploy.fpga.config import BACKENDS, FpgaConfig, Precision

INSTALL_HINT = "pip install 'tinydeploy[fpga]'"
# C synthesis tool per backend, as hls4ml 1.3 calls it.
SYNTH_TOOLS = {
    "vivado": ("vivado_hls", "Vivado HLS (Vivado 2020.1 or older)"),
    "vitis": ("vitis-run", "Vitis HLS (Vitis 2024.1 or newer)"),
}
# g++ flags for the C-simulation library: hls4ml uses -O3; ap_fixed arithmetic is
# integer arithmetic, so the optimisation level changes compile time, not results.
CSIM_OPT = os.environ.get("TINYDEPLOY_CSIM_OPT", "-O1")


# Layer attributes the estimate reads (all plain ints or strings in hls4ml's layers).
_ATTRS = (
    "n_in",
    "n_out",
    "n_chan",
    "n_filt",
    "filt_height",
    "filt_width",
    "in_height",
    "in_width",
    "out_height",
    "out_width",
    "pool_height",
    "pool_width",
    "n_partitions",
    "parallelization_factor",
    "activation",
    "pool_op",
    "op",
    "depth_multiplier",
    "n_outer",
    "n_inner",
)


@dataclass
class LayerInfo:
    """One layer of the converted design, as plain data (no hls4ml objects)."""

    name: str  # hls4ml layer name (Keras name; "<name>_<act>" for activations)
    kind: str  # hls4ml class: Dense, Conv2D, Activation, Softmax, Pooling2D...
    tensors: tuple[str, ...]  # Keras tensors it produces ("<t>_activation" = before activation); fx node for PyTorch
    shape: tuple[int, ...]  # output shape without the batch axis
    types: dict[str, Precision | None]  # result_t, accum_t, weight_t, ... as fixed point
    weights: dict[str, tuple[np.ndarray, Precision | None]]
    reuse_factor: int = 1
    strategy: str = "latency"
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def result(self) -> Precision | None:
        return self.types.get("result_t")


@dataclass
class HlsDesign:
    graph: Any  # hls4ml ModelGraph
    project_dir: Path
    project_name: str
    strategy: str = "latency"
    log: list[str] = field(default_factory=list)


def import_hls4ml():  # -> the hls4ml module
    try:
        with capture_native_output(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import hls4ml
    except ImportError as exc:
        raise ToolchainError(f"not installed ({exc}); install it with: {INSTALL_HINT}", tool="hls4ml") from exc
    return hls4ml


def load_keras(path: Path):  # -> keras.Model
    """A Keras model from .keras/.h5; hls4ml needs the layers, so nothing else will do."""
    from tinydeploy.model.convert import source_kind

    kind = source_kind(path)
    if kind != "keras":
        raise ModelFormatError(
            f"hls4ml converts Keras models and this is a {kind}; pass the .keras or .h5 file the model was saved as",
            path=str(path),
        )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with capture_native_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import keras

            model = keras.models.load_model(path, compile=False)
        except Exception as exc:  # Keras raises many types for unreadable files
            last = log.text.strip().splitlines()[-1:] or [""]
            raise ModelFormatError(f"cannot load the Keras model: {exc or last[0]}", path=str(path)) from exc
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelFormatError(
            f"the model has {len(model.inputs)} inputs and "
            f"{len(model.outputs)} outputs; tinydeploy supports one of each",
            path=str(path),
        )
    return model


def _handlers(hls4ml) -> tuple[set[str], set[str]]:
    from hls4ml.converters.keras_v2_to_hls import layer_handlers as v2
    from hls4ml.converters.keras_v3 import layer_handlers as v3

    return set(v3), set(v2)


def supported_layers(hls4ml) -> list[str]:
    """Plain Keras layer classes hls4ml's converter knows (quantized QKeras/HGQ ones aside)."""
    v3, v2 = _handlers(hls4ml)
    names = {k.rsplit(".", 1)[-1] for k in v3 if k.startswith("keras.")}
    names |= {k for k in v2 if not k.startswith(("Q", "HGQ", "Binary", "Ternary", "GarNet"))}
    return sorted(names - {"InputLayer", "Functional", "Sequential", "FixedPointQuantizer"})


def check_layers(model, hls4ml) -> None:
    """Name the first layer hls4ml can't convert, before its converter fails obscurely."""
    v3, v2 = _handlers(hls4ml)
    for index, layer in enumerate(model.layers):
        cls = type(layer).__name__
        if f"{type(layer).__module__}.{cls}" in v3 or cls in v3 or cls in v2:
            continue
        raise UnsupportedOpError(
            f"hls4ml {hls4ml.__version__} can't convert this layer; supported Keras layers: "
            f"{', '.join(supported_layers(hls4ml))}",
            index=index,
            op=cls,
            tensor=layer.name,
        )


def project_name(name: str | None) -> str:
    from tinydeploy.cgen import sanitize

    return sanitize(re.sub(r"\W", "_", name or "model"))


def convert(model, cfg: FpgaConfig, project_dir: Path) -> HlsDesign:
    """Keras model -> hls4ml ModelGraph with every layer traced; nothing written yet."""
    hls4ml = import_hls4ml()
    check_layers(model, hls4ml)
    name = project_name(model.name)
    with capture_native_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            graph = hls4ml.converters.convert_from_keras_model(
                model,
                output_dir=str(project_dir),
                project_name=name,
                backend=BACKENDS[cfg.backend],
                io_type=cfg.io_type,
                part=cfg.part,
                clock_period=cfg.clock_period,
                hls_config=cfg.hls_config(),
                allow_da_fallback=False,
            )
        except Exception as exc:
            raise ConversionError(f"hls4ml could not convert the model: {exc}", path=model.name) from exc
    return finish_convert(graph, cfg, project_dir, name, log.text.splitlines())


def finish_convert(graph: Any, cfg: FpgaConfig, project_dir: Path, name: str, log: list[str]) -> HlsDesign:
    """Check the per-layer settings name real layers and turn tracing on (any front end)."""
    layers = {layer.name for layer in graph.get_layers()}
    unknown = sorted(set(cfg.layers) - layers)
    if unknown:
        raise ConfigError(
            f"no layer named {unknown[0]!r} in the hls4ml model; its layers: "
            f"{', '.join(layer.name for layer in graph.get_layers())}",
            where="layer settings",
        )
    for layer in graph.get_layers():
        layer.set_attr("trace", True)
    return HlsDesign(graph=graph, project_dir=project_dir, project_name=name, strategy=cfg.strategy, log=log)


def _fixed(hls_precision: Any) -> Precision | None:
    width = getattr(hls_precision, "width", None)
    integer = getattr(hls_precision, "integer", None)
    if not isinstance(width, int) or not isinstance(integer, int):
        return None  # floating point or an unknown kind
    modes = []
    rounding = getattr(hls_precision, "rounding_mode", None)
    saturation = getattr(hls_precision, "saturation_mode", None)
    if saturation is not None and str(saturation) != "WRAP":
        modes = [f"AP_{rounding or 'TRN'}", f"AP_{saturation}"]
    elif rounding is not None and str(rounding) != "TRN":
        modes = [f"AP_{rounding}"]
    return Precision(
        signed=bool(getattr(hls_precision, "signed", True)), width=width, integer=integer, modes=tuple(modes)
    )


def layer_infos(design: HlsDesign) -> list[LayerInfo]:
    """The design's layers (after hls4ml's optimizer passes) as plain data."""
    out = []
    for layer in design.graph.get_layers():
        types = {name: _fixed(t.precision) for name, t in layer.types.items() if name != "index_t"}
        weights = {
            k: (np.asarray(w.data, dtype=np.float64), _fixed(w.type.precision)) for k, w in layer.weights.items()
        }
        attrs = {k: layer.get_attr(k) for k in _ATTRS if layer.get_attr(k) is not None}
        out.append(
            LayerInfo(
                name=layer.name,
                kind=layer.class_name,
                # PyTorch layers have no Keras tensor: their reference is the fx node of their name
                tensors=tuple(layer.get_attr("output_keras_tensor_names") or (layer.name,)),
                shape=tuple(int(d) for d in layer.get_output_variable().shape),
                types=types,
                weights=weights,
                reuse_factor=int(layer.get_attr("reuse_factor") or 1),
                strategy=str(layer.get_attr("strategy") or design.strategy).lower(),
                attrs=attrs,
            )
        )
    return out


def _set_compile_flags(project_dir: Path) -> None:
    script = project_dir / "build_lib.sh"
    text = script.read_text()
    script.write_text(text.replace('CFLAGS="-O3 -fPIC"', f'CFLAGS="{CSIM_OPT} -fPIC"'))


def c_simulate(design: HlsDesign, x: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Write the HLS project, compile it with g++ and run ``x`` through it.

    Returns the fixed-point outputs [N, ...] and every traced layer's output
    (hls4ml layer name -> [N, ...]), all converted to float by the C++ bridge.
    """
    if shutil.which("g++") is None:
        raise ToolchainError(
            "not on PATH; C simulation compiles the generated HLS C++ on this "
            "machine: install g++ (apt-get install g++)",
            tool="g++",
        )
    graph = design.graph
    graph.config.trace_output = True
    with capture_native_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph.write()
        _set_compile_flags(design.project_dir)
        # trace() recompiles through compile() = write() + _compile(); keep the flags set above.
        graph.write = lambda: None
        try:
            y, traces = graph.trace(np.ascontiguousarray(x, dtype=np.float64))
        except Exception as exc:
            tail = " / ".join(log.text.strip().splitlines()[-3:])
            raise ToolchainError(
                f"C simulation of the HLS project failed ({exc}){': ' + tail if tail else ''}; "
                f"run {design.project_dir}/build_lib.sh to see the compiler output",
                tool="g++",
            ) from exc
        finally:
            del graph.write
    design.log += log.text.splitlines()
    return np.asarray(y).reshape(len(x), -1), {k: np.asarray(v) for k, v in traces.items()}


def check_synth_tool(backend: str) -> str:
    """The synthesis tool's path; a ToolchainError saying what to install when it is absent."""
    tool, product = SYNTH_TOOLS[backend]
    path = shutil.which(tool)
    if path is None:
        raise ToolchainError(
            f"not on PATH; --synth runs C synthesis with {product}: install it and source its "
            "settings64.sh, or leave out --synth (the report then holds tinydeploy's resource "
            "and latency estimate)",
            tool=tool,
        )
    return path


def synthesize(design: HlsDesign) -> dict[str, Any]:
    """Run C synthesis; the figures of hls4ml's synthesis report (latency, II, resources)."""
    with capture_native_output() as log:
        try:
            report = design.graph.build(csim=False, synth=True, cosim=False, export=False, vsynth=False)
        except Exception as exc:
            raise ToolchainError(
                f"C synthesis failed ({exc}); see the log in {design.project_dir}", tool="hls synthesis"
            ) from exc
    design.log += log.text.splitlines()
    synth = (report or {}).get("CSynthesisReport")
    if not synth:
        raise ToolchainError(f"C synthesis wrote no report under {design.project_dir}", tool="hls synthesis")
    return dict(synth)
