"""The real PlatformIO builder, offline: `pio run` on the projects tinydeploy generates,
with the platforms, the mbed core and the toolchain installed from ../shared/thirdparty
in a private PLATFORMIO_CORE_DIR (the pio_offline fixture, tests/pio_offline.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import pio_offline as offline

pytestmark = pytest.mark.slow


def _pio(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([str(offline.pio_executable()), *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_offline_core_holds_every_package(pio_offline: dict[str, str]) -> None:
    core = Path(pio_offline["PLATFORMIO_CORE_DIR"])
    assert os.environ["PLATFORMIO_CORE_DIR"] == str(core)
    listing = _pio(pio_offline, "pkg", "list", "-g")
    for line in ("raspberrypi @ 1.19.0 (required: platformio/raspberrypi)",
                 "nordicnrf52 @ 10.11.0 (required: platformio/nordicnrf52)",
                 f"framework-arduino-mbed @ {offline.MBED_VERSION}",
                 "tool-scons @ 4.", "tool-rp2040tools @", "tool-sreccat @"):
        assert line in listing, listing
    for version in offline.TOOLCHAIN_VERSIONS:
        assert f"toolchain-gccarmnoneeabi @ {version}+gcc." in listing, listing
    # the toolchain's bin/ is the system GCC
    gcc = core / "packages" / "toolchain-gccarmnoneeabi" / "bin" / "arm-none-eabi-gcc"
    assert subprocess.run([str(gcc), "--version"], capture_output=True).returncode == 0
    # laid out once: a second prepare() finds it
    again = offline.prepare()
    assert again.core_dir == core and again.setup_seconds == 0.0


def test_offline_core_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "PLATFORMS_TARBALL", tmp_path / "platformio-platforms.tar.xz")
    with pytest.raises(offline.Unavailable, match="platformio-platforms.tar.xz is absent"):
        offline.prepare(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()
