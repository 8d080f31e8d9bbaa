"""Codegen stage: render a project or library from (board, runtime, compiled model).

Renders only, never compiles or builds (tinydeploy.compile compiles the model,
tinydeploy.build builds what is rendered here):

    generate_project(board, model_sources, out_dir, tflm=, extra_sources=, defines=)  make
    generate_platformio_project(model, raw, board, out_dir, compiled=)                PlatformIO
    write_tflm_model(model, raw, out_dir)        the TFLite Micro runtime's model sources
    example_sources / render_example             applications (EXAMPLES) around the model
"""

from tinydeploy.codegen.make import generate_project
from tinydeploy.codegen.platformio import EXAMPLES, example_sources, generate_platformio_project, render_example
from tinydeploy.codegen.tflm import write_tflm_model

__all__ = [
    "EXAMPLES",
    "example_sources",
    "generate_platformio_project",
    "generate_project",
    "render_example",
    "write_tflm_model",
]
