"""PyTorch in for the FPGA stage: load a saved module safely, convert it with hls4ml's
PyTorch front end, and compute its float values per layer.

hls4ml traces the module with torch.fx and names each layer after its fx node (``_0``,
``fc1``, ``relu``...); the float reference of a layer is that node's value, got by running
the same trace in a :class:`torch.fx.Interpreter`. hls4ml works channels-last: its
C simulation returns (H, W, C) where PyTorch has (C, H, W), so references are moved to
match. With io_stream it also expects its input channels-last (hls4ml's
``channels_last_conversion="internal"``), and the samples are transposed for it.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy._fdcapture import capture_native_output
from tinydeploy.errors import ConfigError, ConversionError, ModelFormatError, ToolchainError, UnsupportedOpError
from tinydeploy.fpga.config import BACKENDS, FpgaConfig
from tinydeploy.fpga.hls import HlsDesign, LayerInfo, project_name

TORCH_INSTALL = "pip install 'tinydeploy[torch]'"
TORCH_SUFFIXES = (".pt", ".pth", ".pt2")
_SAVE_HINT = "save the whole module with torch.save(model, 'model.pt')"


def import_torch() -> Any:  # the torch module
    try:
        import torch
    except ImportError as exc:
        raise ToolchainError(f"not installed ({exc}); install it with: {TORCH_INSTALL}", tool="torch") from exc
    return torch


def is_module(obj: Any) -> bool:
    """A torch.nn.Module, told without importing torch (it may not be installed)."""
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(obj).__mro__)


def _safe_classes(torch: Any) -> list[type]:
    """Every torch.nn layer class: what a whole saved model made of torch.nn may hold."""
    return [
        c
        for c in vars(torch.nn).values()
        if isinstance(c, type) and issubclass(c, torch.nn.Module) and c.__module__.startswith("torch.nn.modules")
    ]


def _archive_kind(path: Path) -> str | None:
    """'torchscript' or 'export' for the zip archives torch.load can't read as a module."""
    if not zipfile.is_zipfile(path):
        return None
    names = zipfile.ZipFile(path).namelist()
    if any(n.endswith(("/archive_format", "/models/model.json")) for n in names):
        return "export"
    if any("/code/__torch__/" in n or n.endswith("/constants.pkl") for n in names):
        return "torchscript"
    return None


def load_module(path: Path) -> Any:  # a torch.nn.Module
    """A module saved whole with torch.save, loaded with ``weights_only=True``: only torch.nn
    classes may be unpickled, so loading a file runs none of its code."""
    if not path.is_file():
        raise ModelFormatError("no such file; check the path", path=str(path))
    torch = import_torch()
    kind = _archive_kind(path)
    if kind == "torchscript":
        raise ModelFormatError(
            f"a TorchScript file; hls4ml converts torch.nn modules, not TorchScript: {_SAVE_HINT} "
            "(or pass the module to tinydeploy.fpga() from Python)",
            path=str(path),
        )
    if kind == "export" or path.suffix.lower() == ".pt2":
        raise ModelFormatError(
            f"a torch.export program (.pt2); hls4ml converts torch.nn modules: {_SAVE_HINT} "
            "(or pass the module to tinydeploy.fpga() from Python)",
            path=str(path),
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.serialization.safe_globals(_safe_classes(torch)):
                obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # UnpicklingError, RuntimeError, EOFError...
            found = re.search(r"GLOBAL ([\w.]+)", str(exc))
            if found:
                raise ModelFormatError(
                    f"holds {found.group(1)}, which is not a torch.nn class, and a saved file is loaded "
                    "without running its code: pass the module to tinydeploy.fpga(model, ..., "
                    "input_shape=...) from Python, or build it from torch.nn classes "
                    "(torch.nn.Sequential)",
                    path=str(path),
                ) from exc
            # torch's own text is a paragraph about weights_only; its last detail is the cause
            detail = re.search(r"WeightsUnpickler error:\s*(\S[^\n]*)", str(exc))
            first = detail.group(1) if detail else (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelFormatError(
                f"not a model that torch.save wrote, or a damaged one ({first[:160]}); {_SAVE_HINT}", path=str(path)
            ) from exc
    if isinstance(obj, dict):
        raise ModelFormatError(
            f"a state_dict (weights without the layers); {_SAVE_HINT}, or pass the module "
            "with its weights loaded to tinydeploy.fpga() from Python",
            path=str(path),
        )
    if not isinstance(obj, torch.nn.Module):
        raise ModelFormatError(f"holds a {type(obj).__name__}, not a torch.nn.Module; {_SAVE_HINT}", path=str(path))
    return obj.eval()


def input_shape_of(input_shape: Any, example_input: Any) -> tuple[int, ...]:
    """The input shape with its batch axis, as torch sees it: (1, 16) or (1, 1, 28, 28)."""
    if example_input is not None:
        shape = tuple(int(d) for d in getattr(example_input, "shape", np.shape(example_input)))
    elif input_shape is not None:
        if isinstance(input_shape, str):
            try:
                shape = tuple(int(d) for d in input_shape.replace(" ", "").strip("()[]").split(","))
            except ValueError:
                raise ConfigError(
                    f"{input_shape!r} is not a shape; write it like 1,16 or 1,1,28,28", where="input shape"
                ) from None
        else:
            shape = tuple(int(d) for d in input_shape)
    else:
        raise ConfigError(
            "a PyTorch model needs its input shape, with the batch axis: --input-shape 1,16 "
            "(input_shape=(1, 16) or example_input= from Python)",
            where="input shape",
        )
    if len(shape) < 2 or min(shape) < 1:
        raise ConfigError(
            f"{shape} needs a batch axis and positive sizes, as PyTorch sees it: 1,16 or 1,1,28,28",
            where="input shape",
        )
    return shape


def _trace(module: Any) -> Any:  # a torch.fx.GraphModule, as hls4ml's converter traces it
    import torch
    from hls4ml.utils.torch import CustomFXTracer

    graph = CustomFXTracer().trace(module)
    return torch.fx.GraphModule(module, graph)


def supported_layers() -> list[str]:
    from hls4ml.converters.pytorch_to_hls import get_supported_pytorch_layers

    names = get_supported_pytorch_layers()
    return sorted(n for n in names if n[:1].isupper() and "_" not in n and n not in ("Constant", "View"))


def check_layers(module: Any, hls4ml: Any) -> None:
    """Name the first torch.nn layer hls4ml can't convert, before its converter fails obscurely."""
    from hls4ml.converters.pytorch_to_hls import get_supported_pytorch_layers, layer_name_map

    known = set(get_supported_pytorch_layers()) | {"Dropout", "Sequential"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = _trace(module)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConversionError(
            f"torch.fx can't trace the module, and hls4ml converts what it traces: {first[:200]}",
            path=f"<{type(module).__name__}>",
        ) from exc
    modules = dict(traced.named_modules())
    for index, node in enumerate(traced.graph.nodes):
        if node.op == "call_module":
            cls = type(modules[node.target]).__name__
        elif node.op in ("call_function", "call_method"):
            # hls4ml names a function by its fx node name less the repeat count (relu_1 -> relu)
            base = re.sub(r"_\d+$", "", node.name)
            cls = layer_name_map.get(base, base)
            if cls == "getitem":
                continue
        else:
            continue
        if cls not in known:
            raise UnsupportedOpError(
                f"hls4ml {hls4ml.__version__} can't convert this layer; supported torch.nn layers: "
                f"{', '.join(supported_layers())}",
                index=index,
                op=cls,
                tensor=str(node.target) if node.op == "call_module" else node.name,
            )


def channels_last_input(shape: tuple[int, ...], cfg: FpgaConfig) -> bool:
    """With io_stream, hls4ml's PyTorch front end takes (..., C) input, not (C, ...)."""
    return cfg.io_type == "io_stream" and len(shape) > 2


def convert(module: Any, shape: tuple[int, ...], cfg: FpgaConfig, project_dir: Path) -> HlsDesign:
    """torch.nn.Module -> hls4ml ModelGraph with every layer traced; nothing written yet."""
    from tinydeploy.fpga.hls import import_hls4ml

    hls4ml = import_hls4ml()
    check_layers(module, hls4ml)
    name = project_name(type(module).__name__.lower())
    hls_config = cfg.hls_config()
    hls_config["Model"]["ChannelsLastConversion"] = "internal" if channels_last_input(shape, cfg) else "full"
    hls_config["Model"]["TransposeOutputs"] = False
    hls_config["InputShape"] = tuple(shape[1:])
    with capture_native_output() as log, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            graph = hls4ml.converters.convert_from_pytorch_model(
                module,
                output_dir=str(project_dir),
                project_name=name,
                backend=BACKENDS[cfg.backend],
                io_type=cfg.io_type,
                part=cfg.part,
                clock_period=cfg.clock_period,
                hls_config=hls_config,
            )
        except Exception as exc:
            found = re.match(r"Unsupported (?:layer|function) (\S+)", str(exc))
            if found:
                raise UnsupportedOpError(
                    f"hls4ml {hls4ml.__version__} can't convert this operation; supported torch.nn layers: "
                    f"{', '.join(supported_layers())}",
                    index="?",
                    op=found.group(1),
                    tensor=type(module).__name__,
                ) from exc
            raise ConversionError(f"hls4ml could not convert the model: {exc}", path=f"<{name}>") from exc
    from tinydeploy.fpga.hls import finish_convert

    return finish_convert(graph, cfg, project_dir, name, log.text.splitlines())


def float_tensors(module: Any, x: np.ndarray, layers: list[LayerInfo]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each fx node's float value for inputs ``x`` ([N, C, ...], PyTorch's layout), moved
    channels-last where hls4ml's layer is; and the model output, channels-last likewise."""
    import torch

    values: dict[str, Any] = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n: Any) -> Any:
            out = super().run_node(n)
            if isinstance(out, torch.Tensor):
                values[n.name] = out.detach().cpu().numpy()
            return out

    was_training = module.training  # inference values (BatchNorm's running stats), then as it was
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            y = Recorder(_trace(module.eval())).run(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
    finally:
        module.train(was_training)
    shapes = {layer.name: layer.shape for layer in layers}
    floats = {}
    for name, v in values.items():
        # hls4ml converts every layer channels-last; shapes alone can't tell (4, 4, 4) apart
        moved = np.moveaxis(v, 1, -1) if v.ndim > 2 else v
        if shapes.get(name) not in (None, tuple(moved.shape[1:])) and tuple(v.shape[1:]) == shapes[name]:
            moved = v  # a layer hls4ml left channels-first
        floats[name] = moved
    y = y.detach().cpu().numpy()
    return floats, (np.moveaxis(y, 1, -1) if y.ndim > 2 else y)
