"""A non-editable install carries firmware/ and boards/ inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_ships_firmware_and_boards(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 and "hatchling" in proc.stderr:
        pytest.skip(f"cannot build a wheel here: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("tinydeploy-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "tinydeploy/firmware/runtime/td_model.h" in names
    assert "tinydeploy/firmware/templates/model_data.c.j2" in names
    assert any(n.startswith("tinydeploy/boards/") for n in names)

    # Install without dependencies into a plain folder and ask the installed copy
    # where its resources are: they must be inside that copy, not in this checkout.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    code = "import tinydeploy.resources as r; print(r.firmware_dir()); print(r.boards_dir())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        check=True,
    ).stdout.split()
    assert out == [str(target / "tinydeploy" / "firmware"), str(target / "tinydeploy" / "boards")]
