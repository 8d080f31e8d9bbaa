"""Build stage: render a self-contained firmware project for a board and build it.

    generate_project(board, model_sources, out_dir) -> Path
    build(project_dir, board) -> BuildResult(elf, sizes)
    check_fit(board, weights_bytes, ram_bytes) raises BoardError when the model is too big
"""

from tinydeploy.build.make import BuildResult, build, check_toolchain
from tinydeploy.build.project import generate_project
from tinydeploy.build.sizes import FirmwareSizes, check_fit, firmware_sizes, object_sizes

__all__ = ["BuildResult", "FirmwareSizes", "build", "check_fit", "check_toolchain",
           "firmware_sizes", "generate_project", "object_sizes"]
