"""What a .keras file says about its model without loading TensorFlow: the input shape,
read from the archive's config.json, so that samples of the wrong shape are refused in
a moment rather than after TensorFlow's start-up."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any


def _input_layers(config: dict[str, Any]) -> list[dict[str, Any]]:
    layers = (config.get("config") or {}).get("layers") or []
    return [layer for layer in layers if layer.get("class_name") == "InputLayer"]


def keras_input_shape(path: Path) -> tuple[int | None, ...] | None:
    """The input shape (batch axis first) of a single-input .keras model, or None when
    the file does not say (another format, several inputs, a subclassed model)."""
    if path.suffix.lower() != ".keras" or not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (KeyError, OSError, ValueError, zipfile.BadZipFile):
        return None
    inputs = _input_layers(config)
    if len(inputs) == 1:
        c = inputs[0].get("config") or {}
        shape = c.get("batch_shape") or c.get("batch_input_shape")
    else:
        shape = (config.get("build_config") or {}).get("input_shape") if not inputs else None
    if not isinstance(shape, list) or not all(d is None or isinstance(d, int) for d in shape):
        return None
    return tuple(shape)
