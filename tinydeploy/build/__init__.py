"""Build stage: build a project rendered by tinydeploy.codegen; sizes from the ELF.

build_project(project_dir, board) -> BuildResult(elf, sizes)   (make or pio, from the board)
upload_project(project_dir, board, port)                        (PlatformIO boards)
build(project_dir, board) -> BuildResult(elf, sizes)           (make only)
check_fit(board, flash_bytes, ram_bytes) raises BoardError when the model is too big
"""

from tinydeploy.build.make import BuildResult, build, check_toolchain
from tinydeploy.build.project import build_project, upload_project
from tinydeploy.build.sizes import FirmwareSizes, check_fit, firmware_sizes, object_sizes

__all__ = [
    "BuildResult",
    "FirmwareSizes",
    "build",
    "build_project",
    "check_fit",
    "check_toolchain",
    "firmware_sizes",
    "object_sizes",
    "upload_project",
]
