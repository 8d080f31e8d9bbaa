"""One exception hierarchy for every user-facing failure.

Each class carries a message template; the CLI prints ``str(err)`` as one line
and exits with ``err.exit_code``. Messages name the file, op, tensor or board at
fault and say what to do next.
"""

from __future__ import annotations


class TinyDeployError(Exception):
    """Base class: a failure the user can act on (not a bug in tinydeploy)."""

    template: str = "{detail}"
    exit_code: int = 1

    def __init__(self, detail: str = "", **fields: object) -> None:
        self.fields = dict(fields, detail=detail)
        super().__init__(self.template.format(**self.fields))


class InputFileError(TinyDeployError):
    """A file the user named is missing, unreadable or of the wrong kind."""

    template = "{path}: {detail}"


class ModelFormatError(TinyDeployError):
    """The model file is not a valid (or not a supported) TFLite/Keras model."""

    template = "{path}: {detail}"


class UnsupportedOpError(TinyDeployError):
    """An op that a stage cannot handle; names the op and its index."""

    template = "op #{index} {op} ({tensor}): {detail}"


class ConversionError(TinyDeployError):
    """TensorFlow's converter or the quantization step failed."""

    template = "{path}: {detail}"


class DataError(TinyDeployError):
    """Representative or test data has the wrong shape, dtype or format."""

    template = "{path}: {detail}"


class OutputExistsError(TinyDeployError):
    """Refuse to overwrite a user's files without --force."""

    template = "{path}: already holds {what}; pass --force to overwrite, or choose another -o folder"


class ForeignFilesError(OutputExistsError):
    """A run would replace files in its output folder that tinydeploy did not write."""

    template = (
        "{path}: holds {what} that tinydeploy did not write and this run would "
        "replace; move them away or choose another -o folder (--force never "
        "replaces them)"
    )


class BoardError(TinyDeployError):
    """A board profile is invalid, unknown, or the model does not fit it."""

    template = "{path}: {detail}"


class ToolchainError(TinyDeployError):
    """A required external tool (compiler, QEMU, PlatformIO) is missing or failed."""

    template = "{tool}: {detail}"


class DeviceError(TinyDeployError):
    """The serial link or the device misbehaved: busy, gone, silent or garbled."""

    template = "{port}: {detail}"


class ConfigError(TinyDeployError):
    """A setting (command-line option or configuration-file key) has a bad value."""

    template = "{where}: {detail}"
