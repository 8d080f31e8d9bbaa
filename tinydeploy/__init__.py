"""tinydeploy: from a trained neural network to measured firmware on a microcontroller.

The Python API, one function per command of the CLI::

    import tinydeploy

    report = tinydeploy.flash("model.keras", "qemu-m4", data="samples.npy", out_dir="out")
    print(report.instructions_per_inference, report.exact_match_rate)

Results are frozen dataclasses (:mod:`tinydeploy.results`); failures raise
:class:`tinydeploy.errors.TinyDeployError` subclasses. Importing the package loads
neither TensorFlow nor the compilers: each function imports what it needs.
"""

__version__ = "0.1.0"

import sys as _sys
import types as _types

from tinydeploy.api import compile, compress, convert, export, flash, fpga, generate, inspect, profile
from tinydeploy.errors import TinyDeployError
from tinydeploy.results import (
    CompileResult,
    CompressResult,
    ExportResult,
    FlashReport,
    FpgaReport,
    ModelReport,
    ProfileReport,
    ProjectResult,
)

__all__ = [
    "__version__",
    "convert",
    "inspect",
    "compile",
    "generate",
    "export",
    "flash",
    "profile",
    "compress",
    "fpga",
    "TinyDeployError",
    "ModelReport",
    "CompileResult",
    "ProjectResult",
    "ExportResult",
    "FlashReport",
    "ProfileReport",
    "CompressResult",
    "FpgaReport",
]


class _Package(_types.ModuleType):
    """The stages compile/, profile/, compress/ and fpga/ share their names with API
    functions; importing such a stage would rebind ``tinydeploy.<name>`` to it (the
    import system sets the attribute), so the functions keep those names."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in __all__ and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
