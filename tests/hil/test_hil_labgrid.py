"""The labgrid path on loopback: a coordinator, an exporter serving a pty through
ser2net (RFC 2217), a place; the plugin acquires it, tests through it, releases it.
The "board" behind the pty is the fake peer. Runs where labgrid and ser2net are
installed (`pip install 'tinydeploy[hil]'`, `apt-get install ser2net`); skips elsewhere."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import numpy  # noqa: F401  (before pytester: see test_plugin.py)
import tinydeploy.hil  # noqa: F401
from tinydeploy.hil.labgrid import available

sys.path.insert(0, str(Path(__file__).parent))
from fakepeer import FakePeer  # noqa: E402

from tests.conftest import mlperf_path  # noqa: E402

pytest_plugins = ["pytester"]
pytestmark = [
    pytest.mark.skipif(not available(), reason="labgrid is not installed (pip install 'tinydeploy[hil]')"),
    pytest.mark.skipif(
        shutil.which("ser2net") is None,
        reason="ser2net is not installed (apt-get install ser2net): the labgrid exporter serves ports with it",
    ),
]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client(address: str, *args: str) -> str:
    return subprocess.run(
        [str(BIN / "labgrid-client"), "-x", address, *args], check=True, capture_output=True, text=True, timeout=30
    ).stdout


@pytest.fixture
def farm(tmp_path):
    from tinydeploy.hil import load_model
    from tinydeploy.model.reference import Reference

    model = load_model(mlperf_path("kws"))
    address = f"127.0.0.1:{free_port()}"
    procs = []
    with FakePeer(Reference(model.raw, model.model), model.model) as peer:
        try:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "labgrid-coordinator"), "--listen", address],
                    cwd=tmp_path,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            time.sleep(2)
            (tmp_path / "exporter.yaml").write_text(
                f"tdgroup:\n  RawSerialPort:\n    port: {peer.port}\n    speed: 115200\n"
            )
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "labgrid-exporter"),
                        "-c",
                        address,
                        "-n",
                        "tdexp",
                        "--hostname",
                        "127.0.0.1",
                        str(tmp_path / "exporter.yaml"),
                    ],
                    cwd=tmp_path,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            client(address, "-p", "td-farm", "create")
            client(address, "-p", "td-farm", "add-match", "tdexp/tdgroup/*")
            deadline = time.monotonic() + 20
            while "NetworkSerialPort" not in client(address, "resources"):
                assert time.monotonic() < deadline, "the exporter did not register its port"
                time.sleep(0.5)
            yield address
        finally:
            for proc in reversed(procs):
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_a_labgrid_place_is_acquired_used_and_released(farm, pytester, monkeypatch) -> None:
    pytester.makepyfile(
        test_farm="""
        from tinydeploy.hil import assert_matches_reference

        def test_through_the_farm(td_device):
            assert td_device.port.startswith("rfc2217://127.0.0.1:")
            assert_matches_reference(td_device, count=2)
    """
    )
    monkeypatch.setenv("LG_COORDINATOR", farm)
    result = pytester.runpytest_subprocess(
        "--td-board",
        "nano33ble",
        "--td-place=td-farm",
        "--td-timeout",
        "5",
        "--td-model=" + str(mlperf_path("kws")),
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::DeprecationWarning",
        timeout=120,
    )
    result.assert_outcomes(passed=1)
    assert "acquired: None" in client(farm, "-p", "td-farm", "show")  # released after
    (pytester.path / "env.yaml").write_text(
        f'options:\n  coordinator_address: "{farm}"\ntargets:\n  main:\n    resources:\n'
        "      RemotePlace:\n        name: td-farm\n"
    )
    monkeypatch.delenv("LG_COORDINATOR")
    result = pytester.runpytest_subprocess(
        "--td-board",
        "nano33ble",
        "--td-lg-env=env.yaml",
        "--td-timeout",
        "5",
        "--td-model=" + str(mlperf_path("kws")),
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::DeprecationWarning",
        timeout=120,
    )
    result.assert_outcomes(passed=1)
    assert "acquired: None" in client(farm, "-p", "td-farm", "show")
