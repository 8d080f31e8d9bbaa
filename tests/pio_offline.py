"""An offline PlatformIO for the tests: the local packages from ../shared/thirdparty,
installed in a private PLATFORMIO_CORE_DIR (test code, not product code).

PlatformIO normally downloads a board's platform, framework, toolchain and SCons
from its registry on first use. Here each comes from a local source instead and is
*installed* in the core folder the way the registry would install it (a package
folder with package.json and PlatformIO's .piopm metadata), so the platformio.ini
that tinydeploy writes builds unchanged: no platform_packages lines, no flags.

    core folder                        from
    platforms/raspberrypi              platformio-platforms.tar.xz (platform 1.19.0)
    platforms/nordicnrf52              platformio-platforms.tar.xz (platform 10.11.0)
    packages/framework-arduino-mbed    arduino-mbed.tar.xz (ArduinoCore-mbed 4.6.0)
    packages/toolchain-gccarmnoneeabi  bin/ symlinks to the system arm-none-eabi-* (Debian)
    packages/tool-scons                SCons from PyPI (the `scons` package in this venv)
    packages/tool-rp2040tools,         empty placeholders: the platforms require them,
             tool-sreccat              only uploading and .uf2/.hex conversion use them

The folder is laid out once and kept between sessions (~/.cache/tinydeploy-tests/,
or $TINYDEPLOY_TEST_CACHE), keyed by everything it is made from; a file lock makes
concurrent pytest-xdist workers wait for one of them to lay it out. It also holds
PlatformIO's build cache (PLATFORMIO_BUILD_CACHE_DIR), so the core's objects are
compiled once, not once per generated project.

Versions: each package must satisfy the version range the platform asks for, or
PlatformIO goes to the registry (about 60 s per failed look-up, then an error). The
labels below satisfy those ranges; their semver build metadata (after "+") names what
the folder really holds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
THIRDPARTY = REPO.parent / "shared" / "thirdparty"
PLATFORMS_TARBALL = THIRDPARTY / "platformio-platforms.tar.xz"
MBED_TARBALL = THIRDPARTY / "arduino-mbed.tar.xz"

# Bump when the layout below changes, so cached folders are rebuilt.
LAYOUT_VERSION = 1

# The toolchain ranges the platforms ask for: raspberrypi ~1.90201.0 (platform.json);
# nordicnrf52 ~1.70201.0 for nano33ble (set in its platform.py). One installed
# package per range, both the same system GCC.
TOOLCHAIN_VERSIONS = ("1.90201.0", "1.70201.0")
# Both platforms ask for framework-arduino-mbed ~4.5.0; the snapshot is 4.6.0.
MBED_VERSION = "4.5.0+arduinocore-mbed.4.6.0"
PLACEHOLDERS = {"tool-rp2040tools": "1.0.2", "tool-sreccat": "1.164.0"}
PLATFORM_DIRS = {"raspberrypi": "platform-raspberrypi", "nordicnrf52": "platform-nordicnrf52"}

LOCK_TIMEOUT_S = 900.0


class Unavailable(Exception):
    """Something the offline PlatformIO needs is absent: the reason to skip."""


@dataclass(frozen=True)
class PioOffline:
    core_dir: Path
    env: dict[str, str]  # the variables set in os.environ for the session
    setup_seconds: float  # time spent laying out the folder (0 when cached)


def cache_root() -> Path:
    return Path(os.environ.get("TINYDEPLOY_TEST_CACHE") or Path.home() / ".cache" / "tinydeploy-tests").expanduser()


def pio_executable() -> Path:
    """The `pio` installed beside this interpreter (the venv's), else the one on PATH."""
    here = Path(sys.executable).parent / "pio"
    if here.is_file():
        return here
    found = shutil.which("pio")
    if not found:
        raise Unavailable("PlatformIO is not installed (pip install platformio)")
    return Path(found)


def _toolchain_bin() -> Path:
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        raise Unavailable("arm-none-eabi-gcc is not on PATH (apt-get install gcc-arm-none-eabi)")
    return Path(gcc).resolve().parent


def _scons() -> tuple[Path, str]:
    """SCons's package folder and the tool-scons version PlatformIO would name it."""
    try:
        import SCons  # noqa: F401  (the PyPI `scons` distribution)
        from SCons import __version__ as scons_version
    except ImportError as exc:
        raise Unavailable("SCons is not installed (pip install scons)") from exc
    major, minor, patch = (int(x) for x in scons_version.split(".")[:3])
    # PlatformIO's tool-scons 4.41101.0 is SCons 4.11.1: <major>.<major><minor:02><patch:02>.0
    return Path(SCons.__file__).parent, f"{major}.{major}{minor:02d}{patch:02d}.0"


def _check_scons_version(label: str) -> None:
    import semantic_version
    from platformio.dependencies import get_core_dependencies

    wanted = get_core_dependencies()["tool-scons"]
    if semantic_version.Version(label) not in semantic_version.SimpleSpec(wanted):
        raise Unavailable(
            f"PlatformIO wants tool-scons {wanted}; the installed SCons is "
            f"tool-scons {label} (pip install a matching scons)"
        )


def _gcc_version(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "arm-none-eabi-gcc"), "-dumpfullversion"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return out


def _key(bin_dir: Path, scons_label: str) -> str:
    """Everything the folder is made from: a change lays it out again."""
    import platformio

    h = hashlib.sha256()
    for tarball in (PLATFORMS_TARBALL, MBED_TARBALL):
        st = tarball.stat()
        h.update(f"{tarball.name}:{st.st_size}:{int(st.st_mtime)}\n".encode())
    h.update(f"{LAYOUT_VERSION}:{platformio.__version__}:{scons_label}:{bin_dir}:{_gcc_version(bin_dir)}\n".encode())
    return h.hexdigest()[:16]


def _write_package(
    folder: Path, name: str, version: str, pkg_type: str, description: str, owner: str = "platformio"
) -> None:
    """A package as PlatformIO's registry installs it: package.json + .piopm."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(
        json.dumps({"name": name, "version": version, "description": description, "system": "*"}, indent=1)
    )
    (folder / ".piopm").write_text(
        json.dumps(
            {
                "type": pkg_type,
                "name": name,
                "version": version,
                "spec": {"owner": owner, "id": None, "name": name, "requirements": None, "uri": None},
            }
        )
    )


def _layout(core: Path, bin_dir: Path, scons_dir: Path, scons_label: str, env: dict[str, str]) -> None:
    packages = core / "packages"
    gcc = _gcc_version(bin_dir)
    for i, version in enumerate(TOOLCHAIN_VERSIONS):
        # PlatformIO keeps further versions of one package in <name>@<version>/
        folder = packages / ("toolchain-gccarmnoneeabi" + (f"@{version}" if i else ""))
        _write_package(
            folder,
            "toolchain-gccarmnoneeabi",
            f"{version}+gcc.{gcc}",
            "tool",
            f"the system arm-none-eabi GCC {gcc} ({bin_dir})",
        )
        (folder / "bin").mkdir()
        for tool in sorted(bin_dir.glob("arm-none-eabi-*")):
            (folder / "bin" / tool.name).symlink_to(tool)

    scons = packages / "tool-scons"
    _write_package(scons, "tool-scons", scons_label, "tool", "SCons from PyPI")
    shutil.copytree(scons_dir, scons / "scons-local" / "SCons", ignore=shutil.ignore_patterns("__pycache__"))
    (scons / "scons.py").write_text(
        "import os, sys\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "
        "'scons-local'))\n"
        "import SCons.Script.Main\n"
        "SCons.Script.Main.main()\n"
    )

    for name, version in PLACEHOLDERS.items():
        _write_package(
            packages / name,
            name,
            f"{version}+placeholder",
            "tool",
            "placeholder: no upload or image conversion tool offline",
        )

    mbed = packages / "framework-arduino-mbed"
    with tarfile.open(MBED_TARBALL) as tar:
        tar.extractall(packages / "_mbed", filter="tar")
    (packages / "_mbed" / "ArduinoCore-mbed").rename(mbed)
    (packages / "_mbed").rmdir()
    _write_package(
        mbed,
        "framework-arduino-mbed",
        MBED_VERSION,
        "framework",
        "ArduinoCore-mbed 4.6.0 (../shared/thirdparty/arduino-mbed.tar.xz)",
    )

    with tarfile.open(PLATFORMS_TARBALL) as tar:
        tar.extractall(core / "_platforms", filter="tar")
    for folder in PLATFORM_DIRS.values():
        # --skip-dependencies: the packages are already here; without it pio asks the registry
        proc = subprocess.run(
            [
                str(pio_executable()),
                "pkg",
                "install",
                "-g",
                "--skip-dependencies",
                "-p",
                f"file://{core / '_platforms' / 'platformio-platforms' / folder}",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pio pkg install {folder} failed:\n{proc.stdout}{proc.stderr}")
    shutil.rmtree(core / "_platforms")
    for name in PLATFORM_DIRS:
        # as the registry installs it: owned by platformio, not tied to the (deleted) folder
        meta_path = core / "platforms" / name / ".piopm"
        meta = json.loads(meta_path.read_text())
        meta["spec"] = {"owner": "platformio", "id": None, "name": name, "requirements": None, "uri": None}
        meta_path.write_text(json.dumps(meta))


def pio_env(core: Path) -> dict[str, str]:
    """The environment variables that point PlatformIO at ``core`` and keep it offline."""
    return {
        "PLATFORMIO_CORE_DIR": str(core),
        "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no",
        "PLATFORMIO_DISABLE_UPGRADE_CHECK": "true",
        "PLATFORMIO_SETTING_CHECK_PLATFORMIO_INTERVAL": "3650",
        "PLATFORMIO_DISABLE_PROGRESSBAR": "true",
        # SCons's content-addressed object cache, shared by every project of every session:
        # an object is compiled once per source + flags (the same core for each board)
        "PLATFORMIO_BUILD_CACHE_DIR": str(core / "build-cache"),
        # tinydeploy finds `pio` on PATH: the venv's bin may not be on it
        "PATH": f"{pio_executable().parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def prepare(root: Path | None = None) -> PioOffline:
    """Lay out (or find) the offline core folder; Unavailable when a source is absent."""
    for tarball in (PLATFORMS_TARBALL, MBED_TARBALL):
        if not tarball.is_file():
            raise Unavailable(
                f"{tarball} is absent (../shared/thirdparty beside the "
                "repository holds the PlatformIO platforms and the mbed core)"
            )
    pio_executable()
    bin_dir = _toolchain_bin()
    scons_dir, scons_label = _scons()
    _check_scons_version(scons_label)
    root = Path(root or cache_root())
    root.mkdir(parents=True, exist_ok=True)
    core = root / f"platformio-{_key(bin_dir, scons_label)}"
    env = pio_env(core)
    done = core / ".tinydeploy-complete"
    started = time.monotonic()
    with open(root / "platformio.lock", "w") as lock:
        deadline = started + LOCK_TIMEOUT_S
        while True:  # another worker may be laying it out
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{root / 'platformio.lock'} held for {LOCK_TIMEOUT_S:g} s") from None
                time.sleep(0.2)
        if done.is_file():
            return PioOffline(core, env, 0.0)
        shutil.rmtree(core, ignore_errors=True)  # a half-done folder of a killed run
        core.mkdir()
        _layout(core, bin_dir, scons_dir, scons_label, env)
        done.write_text(f"laid out in {time.monotonic() - started:.1f} s\n")
    return PioOffline(core, env, round(time.monotonic() - started, 1))
