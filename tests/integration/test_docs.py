"""docs/: the site builds with mkdocs (strict: every API reference resolves), and every
example on every page runs as written — the Python blocks as one script per page, each
`tinydeploy ...` line of the shell blocks through the CLI — in one folder, after the
home page made the tiny model they share."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = ["convert", "inspect", "compile", "generate", "export", "flash", "profile", "compress", "fpga"]
BLOCK = re.compile(r"^```(python|sh)\n(.*?)^```", re.S | re.M)
NEEDS = {  # what a page's examples run besides Python and the host compiler
    "generate": [],
    "flash": ["qemu-system-arm", "arm-none-eabi-gcc"],
    "profile": ["qemu-system-arm", "arm-none-eabi-gcc"],
    "export": [],
}


def _blocks(page: str) -> tuple[str, list[str]]:
    text = (DOCS / f"{page}.md").read_text()
    found = BLOCK.findall(text)
    python = "\n".join(body for kind, body in found if kind == "python")
    shell = [
        line for kind, body in found if kind == "sh" for line in body.splitlines() if line.startswith("tinydeploy ")
    ]
    return python, shell


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3")


def _run(page: str, cwd: Path) -> None:
    python, shell = _blocks(page)
    assert python or shell, f"docs/{page}.md has no example"
    if python:
        done = subprocess.run(
            [sys.executable, "-c", python], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"docs/{page}.md's Python example failed:\n{done.stderr}"
    for line in shell:
        argv = shlex.split(line)[1:]
        done = subprocess.run(
            [sys.executable, "-m", "tinydeploy.cli", *argv],
            cwd=cwd,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"docs/{page}.md: `{line}` failed:\n{done.stderr}"


def test_every_stage_has_a_page_in_the_nav() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    for page in PAGES:
        assert f"{page}.md" in nav and (DOCS / f"{page}.md").is_file()
        assert f"::: tinydeploy.api.{page}" in (DOCS / f"{page}.md").read_text()


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="needs mkdocs and mkdocstrings (the test extra)",
)
def test_the_site_builds_strict(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(REPO / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    flash = (tmp_path / "site" / "flash" / "index.html").read_text()
    # the reference comes from the docstrings: the figure definitions are there
    assert "instructions_per_inference" in flash and "stack high-water" in flash


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-examples")
    _run("index", folder)
    assert (folder / "tiny.tflite").is_file()
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_the_examples_run(page: str, workdir: Path) -> None:
    if shutil.which("cc") is None or shutil.which("make") is None:
        pytest.skip("needs a host C compiler (cc) and make")
    missing = [tool for tool in NEEDS.get(page, []) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    if page == "fpga" and importlib.util.find_spec("hls4ml") is None:
        pytest.skip("needs hls4ml (pip install '.[fpga]')")
    if page == "fpga" and importlib.util.find_spec("torch") is None:  # its PyTorch example
        pytest.skip("needs torch (pip install '.[torch]')")
    _run(page, workdir)
