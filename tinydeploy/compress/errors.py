"""Errors of `tinydeploy compress`: one line each, naming the value or layer at fault."""

from __future__ import annotations

from tinydeploy.errors import TinyDeployError


class CompressSettingError(TinyDeployError):
    """An impossible setting: a sparsity outside 0..1, a cluster count outside 2..256, ..."""

    template = "{setting}: {detail}"


class UnsupportedLayerError(TinyDeployError):
    """A layer type a technique cannot handle."""

    template = "{technique}: layer {layer!r} ({kind}) {detail}"


class NoFeasibleModelError(TinyDeployError):
    """An architecture search whose constraints no candidate satisfies."""

    template = "search: {detail}"
