"""Build stage: build a project rendered by tinydeploy.codegen; sizes from the ELF.

    build_project(project_dir, board, upload=, port=) -> BuildResult(elf, sizes)  (make or pio)
    build(project_dir, board) -> BuildResult(elf, sizes)                         (make only)
    check_fit(board, flash_bytes, ram_bytes) raises BoardError when the model is too big
"""

from tinydeploy.build.make import BuildResult, build, check_toolchain
from tinydeploy.build.project import build_project
from tinydeploy.build.sizes import FirmwareSizes, check_fit, firmware_sizes, object_sizes

__all__ = ["BuildResult", "FirmwareSizes", "build", "build_project", "check_fit",
           "check_toolchain", "firmware_sizes", "object_sizes"]
