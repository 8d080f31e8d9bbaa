"""TensorFlow Lite Micro, obtained and built by tinydeploy.

pins                       the pinned TFLM commit and third-party revisions
find_source(path)          the pinned tree in the cache (--tflm-source, env, download)
library_tree(cpu, kernels) TFLM's own project tree for a core and kernel set
build_library(...)         libtflm.a + its TfLiteTensor layout, cached (TflmBuild)
export_library(...)        the model's part of the tree as a project's library folder
"""

from tinydeploy.tflm.library import (
    DEFINES,
    KERNEL_SETS,
    TflmBuild,
    TflmFolder,
    build_library,
    check_kernels,
    default_kernels,
    defines,
    export_library,
    library_tree,
    probe_layout,
)
from tinydeploy.tflm.pins import TFLM_COMMIT
from tinydeploy.tflm.source import ENV, cache_root, find_source

__all__ = [
    "DEFINES",
    "ENV",
    "KERNEL_SETS",
    "TFLM_COMMIT",
    "TflmBuild",
    "TflmFolder",
    "build_library",
    "cache_root",
    "check_kernels",
    "default_kernels",
    "defines",
    "export_library",
    "find_source",
    "library_tree",
    "probe_layout",
]
