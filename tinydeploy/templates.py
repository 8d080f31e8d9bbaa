"""The one Jinja2 environment over firmware/templates: every generated file (model.c,
C arrays, projects, Makefiles, sketches) is rendered through it."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from tinydeploy.resources import firmware_dir


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(firmware_dir() / "templates")),
        undefined=jinja2.StrictUndefined,  # a missing variable is a bug, not an empty string
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
