"""FPGA design settings: defaults an hls4ml user knows, overridden by a TOML file, then the CLI.

The settings are plain data (a frozen dataclass); ``hls_config`` turns them into the
dictionary hls4ml's converter takes. Nothing here imports hls4ml.

TOML layout (every key optional; unknown keys are errors that name the file and key)::

    precision = "ap_fixed<16,6>"      # default type of every weight, bias, accumulator, result
    reuse_factor = 1                  # multiplications per multiplier (1 = fully parallel)
    strategy = "latency"              # latency | resource
    io_type = "io_parallel"           # io_parallel | io_stream
    backend = "vivado"                # vivado (Vivado HLS) | vitis (Vitis HLS)
    part = "xcvu13p-flga2577-2-e"
    clock_period = 5.0                # ns

    [layers.dense_1]                  # hls4ml layer names (tinydeploy fpga prints them)
    precision = "ap_fixed<18,8>"      # every type of this layer, or per type:
    reuse_factor = 4
    [layers.dense_2.precision]
    weight = "ap_fixed<8,2>"
    result = "ap_fixed<16,6>"
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from tinydeploy.errors import ConfigError, InputFileError

DEFAULT_PRECISION = "ap_fixed<16,6>"
DEFAULT_PART = "xcvu13p-flga2577-2-e"  # hls4ml's default part (Virtex UltraScale+)
DEFAULT_CLOCK_NS = 5.0  # 200 MHz, hls4ml's default
STRATEGIES = {"latency": "Latency", "resource": "Resource"}
IO_TYPES = ("io_parallel", "io_stream")
BACKENDS = {"vivado": "Vivado", "vitis": "Vitis"}
# hls4ml's per-layer type names: Dense/Conv, then the tables of activations and softmax.
PRECISION_KEYS = ("weight", "bias", "result", "accum", "table", "exp_table", "inv_table", "inv_inp")
_TABLE_KEYS = ("table", "exp_table", "inv_table", "inv_inp")
_LAYER_KEYS = ("precision", "reuse_factor")

_ROUNDING = ("RND", "RND_ZERO", "RND_MIN_INF", "RND_INF", "RND_CONV", "TRN", "TRN_ZERO")
_SATURATION = ("SAT", "SAT_ZERO", "SAT_SYM", "WRAP")
_FIXED = re.compile(r"^(?:ap_)?(u?)fixed<\s*(\d+)\s*,\s*(-?\d+)\s*((?:,[^,>]+){0,3})>$")
_INT = re.compile(r"^(?:ap_)?(u?)int<\s*(\d+)\s*>$")
_PRECISION_HELP = (
    "write ap_fixed<W,I> with W total bits and I integer bits (sign included), "
    "e.g. ap_fixed<16,6>, ap_ufixed<8,0>, ap_fixed<18,8,AP_RND,AP_SAT> or ap_int<8>"
)


@dataclass(frozen=True)
class Precision:
    """A fixed-point type: ``width`` bits of which ``integer`` are left of the binary point."""

    signed: bool
    width: int
    integer: int
    modes: tuple[str, ...] = ()  # rounding, saturation, saturation bits (as written)

    @property
    def fractional(self) -> int:
        return self.width - self.integer

    @property
    def step(self) -> float:
        return 2.0**-self.fractional

    @property
    def range(self) -> tuple[float, float]:
        if self.signed:
            return -(2.0 ** (self.integer - 1)), 2.0 ** (self.integer - 1) - self.step
        return 0.0, 2.0**self.integer - self.step

    def __str__(self) -> str:
        core = f"ap_{'' if self.signed else 'u'}fixed<{self.width},{self.integer}"
        return core + "".join(f",{m}" for m in self.modes) + ">"


def parse_precision(text: str, where: str) -> Precision:
    """Parse an ap_fixed/ap_int type; a ConfigError naming ``where`` when it is malformed."""
    s = str(text).strip().replace(" ", "")
    m = _FIXED.match(s)
    if m:
        unsigned, width, integer, rest = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        modes = tuple(x for x in rest.split(",") if x)
    elif mi := _INT.match(s):
        unsigned, width, modes = mi.group(1), int(mi.group(2)), ()
        integer = width
    else:
        raise ConfigError(f"precision {text!r} is not a fixed-point type; {_PRECISION_HELP}", where=where)
    if not 1 <= width <= 1024:
        raise ConfigError(f"precision {text!r} has {width} bits; ap_fixed allows 1 to 1024", where=where)
    for i, (mode, allowed) in enumerate(zip(modes, (_ROUNDING, _SATURATION))):
        if mode.upper().removeprefix("AP_") not in allowed:
            kind = ("rounding", "saturation")[i]
            raise ConfigError(
                f"precision {text!r}: unknown {kind} mode {mode!r} (one of {', '.join('AP_' + a for a in allowed)})",
                where=where,
            )
    if len(modes) == 3 and not modes[2].isdigit():
        raise ConfigError(f"precision {text!r}: saturation bits {modes[2]!r} must be a number", where=where)
    return Precision(signed=not unsigned, width=width, integer=integer, modes=modes)


@dataclass(frozen=True)
class LayerSettings:
    precision: dict[str, Precision] = field(default_factory=dict)  # "default" or PRECISION_KEYS
    reuse_factor: int | None = None


@dataclass(frozen=True)
class FpgaConfig:
    precision: Precision = parse_precision(DEFAULT_PRECISION, "default")
    reuse_factor: int = 1
    strategy: str = "latency"
    io_type: str = "io_parallel"
    backend: str = "vivado"
    part: str = DEFAULT_PART
    clock_period: float = DEFAULT_CLOCK_NS
    layers: dict[str, LayerSettings] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": str(self.precision),
            "reuse_factor": self.reuse_factor,
            "strategy": self.strategy,
            "io_type": self.io_type,
            "backend": self.backend,
            "part": self.part,
            "clock_period": self.clock_period,
            "layers": {
                name: {
                    k: v
                    for k, v in (
                        ("precision", {t: str(p) for t, p in s.precision.items()} or None),
                        ("reuse_factor", s.reuse_factor),
                    )
                    if v is not None
                }
                for name, s in self.layers.items()
            },
        }

    def hls_config(self, layer_names: list[str] | None = None) -> dict[str, Any]:
        """The ``hls_config`` dictionary for hls4ml; ``layer_names`` get tracing turned on."""
        layers: dict[str, dict[str, Any]] = {}
        for name, s in self.layers.items():
            entry: dict[str, Any] = {}
            # hls4ml reads weight/bias/result/accum from "Precision", table types as "<key>_t"
            plain = {t: str(p) for t, p in s.precision.items() if t not in _TABLE_KEYS}
            if plain:
                entry["Precision"] = plain
            entry.update({f"{t}_t": str(p) for t, p in s.precision.items() if t in _TABLE_KEYS})
            if s.reuse_factor is not None:
                entry["ReuseFactor"] = s.reuse_factor
            layers[name] = entry
        for name in layer_names or []:
            layers.setdefault(name, {})["Trace"] = True
        return {
            "Model": {
                "Precision": {"default": str(self.precision)},
                "ReuseFactor": self.reuse_factor,
                "Strategy": STRATEGIES[self.strategy],
            },
            "LayerName": layers,
        }

    def toml(self) -> str:
        """The settings as a TOML file that ``--config`` reads back."""
        lines = [
            f'precision = "{self.precision}"',
            f"reuse_factor = {self.reuse_factor}",
            f'strategy = "{self.strategy}"',
            f'io_type = "{self.io_type}"',
            f'backend = "{self.backend}"',
            f'part = "{self.part}"',
            f"clock_period = {self.clock_period}",
        ]
        for name, s in self.layers.items():
            lines += ["", f'[layers."{name}"]']
            if s.reuse_factor is not None:
                lines.append(f"reuse_factor = {s.reuse_factor}")
            if s.precision:
                pairs = ", ".join(f'{t} = "{p}"' for t, p in s.precision.items())
                lines.append(f"precision = {{ {pairs} }}")
        return "\n".join(lines) + "\n"


def _choice(value: Any, allowed: Mapping[str, str] | tuple[str, ...], where: str, what: str) -> str:
    v = str(value).strip().lower()
    if v not in allowed:
        raise ConfigError(f"unknown {what} {value!r}; one of: {', '.join(allowed)}", where=where)
    return v


def _positive_int(value: Any, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} must be a whole number >= 1, not {value!r}", where=where)
    return value


def _layer(name: str, data: Any, where: str) -> LayerSettings:
    if not isinstance(data, dict):
        raise ConfigError(f"[layers.{name}] must be a table with keys {', '.join(_LAYER_KEYS)}", where=where)
    unknown = sorted(set(data) - set(_LAYER_KEYS))
    if unknown:
        raise ConfigError(f"unknown key 'layers.{name}.{unknown[0]}' (known: {', '.join(_LAYER_KEYS)})", where=where)
    prec: dict[str, Precision] = {}
    raw = data.get("precision")
    if isinstance(raw, dict):
        for key, text in raw.items():
            if key not in ("default", *PRECISION_KEYS):
                raise ConfigError(
                    f"unknown type 'layers.{name}.precision.{key}' (one of default, {', '.join(PRECISION_KEYS)})",
                    where=where,
                )
            prec[key] = parse_precision(text, f"{where}, key 'layers.{name}.precision.{key}'")
    elif raw is not None:
        prec["default"] = parse_precision(raw, f"{where}, key 'layers.{name}.precision'")
    rf = data.get("reuse_factor")
    return LayerSettings(
        precision=prec,
        reuse_factor=None
        if rf is None
        else _positive_int(rf, f"{where}, key 'layers.{name}.reuse_factor'", "reuse factor"),
    )


_OPTIONS = {
    "precision": "--precision",
    "reuse_factor": "--reuse-factor",
    "strategy": "--strategy",
    "io_type": "--io-type",
    "backend": "--backend",
    "part": "--part",
    "clock_period": "--clock-period",
}


def _from_mapping(data: Mapping[str, Any], where: str | None, base: FpgaConfig) -> FpgaConfig:
    """Apply ``data`` to ``base``; ``where`` is the TOML file, or None for command-line values."""
    known = {f.name for f in dataclasses.fields(FpgaConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}' (known keys: {', '.join(sorted(known))})", where=str(where))
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        at = f"{where}, key '{key}'" if where else _OPTIONS.get(key, key)
        if key == "precision":
            out[key] = parse_precision(value, at)
        elif key == "reuse_factor":
            out[key] = _positive_int(value, at, "reuse factor")
        elif key == "strategy":
            out[key] = _choice(value, STRATEGIES, at, "strategy")
        elif key == "io_type":
            out[key] = _choice(value, IO_TYPES, at, "IO type")
        elif key == "backend":
            out[key] = _choice(value, BACKENDS, at, "backend")
        elif key == "part":
            out[key] = str(value).strip()
        elif key == "clock_period":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"clock period must be a positive number of ns, not {value!r}", where=at)
            out[key] = float(value)
        elif key == "layers":
            if not isinstance(value, dict):
                raise ConfigError("'layers' must be a table of [layers.<name>]", where=at)
            merged = dict(base.layers)
            for name, settings in value.items():
                merged[name] = _merge_layer(merged.get(name), _layer(name, settings, str(where)))
            out[key] = merged
    return dataclasses.replace(base, **out)


def _merge_layer(old: LayerSettings | None, new: LayerSettings) -> LayerSettings:
    if old is None:
        return new
    return LayerSettings(
        precision={**old.precision, **new.precision}, reuse_factor=new.reuse_factor or old.reuse_factor
    )


def load_config(
    path: str | Path | None = None, overrides: Mapping[str, Any] | None = None, layer_precision: list[str] | None = None
) -> FpgaConfig:
    """Defaults, then the TOML file, then command-line values (None means 'not given').

    ``layer_precision`` holds ``NAME=TYPE`` or ``NAME.weight=TYPE`` strings from the CLI.
    """
    cfg = FpgaConfig()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise InputFileError("no such configuration file", path=str(path))
        try:
            data = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML ({exc})", where=str(path)) from exc
        cfg = _from_mapping(data, str(path), cfg)
    if overrides:
        cfg = _from_mapping({k: v for k, v in overrides.items() if v is not None}, None, cfg)
    layers: dict[str, dict[str, Any]] = {}
    for item in layer_precision or []:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                f"{item!r} is not NAME=TYPE (e.g. dense_1=ap_fixed<18,8> or dense_1.weight=ap_fixed<8,2>)",
                where="--layer-precision",
            )
        name, _, kind = name.strip().partition(".")
        entry = layers.setdefault(name, {"precision": {}})["precision"]
        entry[kind or "default"] = text
    for name, data in layers.items():
        prec = data["precision"]
        for kind in prec:
            if kind != "default" and kind not in PRECISION_KEYS:
                raise ConfigError(
                    f"unknown type '{name}.{kind}' (one of {', '.join(PRECISION_KEYS)})", where="--layer-precision"
                )
        parsed = {k: parse_precision(v, f"--layer-precision {name}") for k, v in prec.items()}
        cfg = dataclasses.replace(
            cfg, layers={**cfg.layers, name: _merge_layer(cfg.layers.get(name), LayerSettings(precision=parsed))}
        )
    return cfg
