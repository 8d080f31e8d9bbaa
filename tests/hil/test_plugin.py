"""The pytest plugin itself (pytester): options, the td_board marker, laziness, usage
errors, and several QEMU boards in parallel with pytest-xdist."""

from __future__ import annotations

import json
import shutil
import time

import pytest

# Imported here, before any in-process pytester run: pytester restores sys.modules after
# each inner session, and numpy's C extension cannot be loaded a second time.
import numpy  # noqa: F401
import tinydeploy.hil  # noqa: F401
import tinydeploy.hil.labgrid  # noqa: F401
import tinydeploy.hil.xdist  # noqa: F401
import tinydeploy.model.reference  # noqa: F401
from tests.conftest import mlperf_path

pytest_plugins = ["pytester"]

BOARD_TESTS = """
    import pytest

    def test_any(td_board):
        pass

    @pytest.mark.td_board("qemu-m7", "qemu-m33")
    def test_marked(td_board):
        pass

    def test_plain():
        pass
"""


def collected(result) -> list[str]:
    return sorted(line.split("::", 1)[1] for line in result.outlines if "::" in line)


def test_registered_through_the_entry_point(pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*tinydeploy hardware-in-the-loop*", "*--td-board=BOARD*", "*--td-port=*PORT*", "*--td-place=*PLACE*"]
    )
    assert "tinydeploy" in {name for name, _ in pytester.parseconfig().pluginmanager.list_name_plugin()}


def test_board_parameters_and_marker(pytester) -> None:
    pytester.makepyfile(test_b=BOARD_TESTS)
    assert collected(pytester.runpytest("--co", "-q")) == ["test_any[qemu-m4]", "test_marked[no-board]", "test_plain"]
    assert collected(
        pytester.runpytest("--co", "-q", "--td-board", "qemu-m7", "--td-board", "qemu-m3", "--td-board", "qemu-m33")
    ) == [
        "test_any[qemu-m33]",
        "test_any[qemu-m3]",
        "test_any[qemu-m7]",
        "test_marked[qemu-m33]",
        "test_marked[qemu-m7]",
        "test_plain",
    ]
    result = pytester.runpytest("-rs", "--td-board", "qemu-m4")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*test is for boards qemu-m7, qemu-m33; this run tests qemu-m4*"])


def test_nothing_is_built_for_tests_without_the_fixtures(pytester) -> None:
    pytester.makepyfile(test_p="def test_plain():\n    assert True\n")
    started = time.monotonic()
    result = pytester.runpytest("--td-model", "/no/such/model.tflite")
    result.assert_outcomes(passed=1)
    assert time.monotonic() - started < 30  # no build, no emulator (seconds on a busy CI)
    assert not (pytester.path / ".pytest_cache" / "d" / "tinydeploy-hil").exists()


def test_without_a_model_board_tests_are_a_usage_error(pytester) -> None:
    # a CI job that forgot --td-model must not go green having tested nothing
    pytester.makepyfile(test_m="def test_d(td_device):\n    pass\n\ndef test_plain():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: 1 test(s) need the model under test (test_m.py::test_d*): pass --td-model=PATH*"]
    )
    # a project whose conftest.py supplies the model is not asked for one
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='session')\n"
        "def td_model_path():\n    pytest.skip('the project decides')\n"
    )
    pytester.runpytest().assert_outcomes(passed=1, skipped=1)


HOST_BUDGETS = """
    from tinydeploy.hil import assert_matches_reference, assert_memory

    def test_exact(td_device):
        assert_matches_reference(td_device, count=2)

    def test_too_big(td_device):
        assert_memory(td_device, max_flash_bytes=1000)
"""


@pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler (cc) and make"
)
def test_keras_model_with_td_data_and_a_budget_failure_in_one_line(pytester, tmp_path) -> None:
    import numpy as np

    from tests.integration.keras_zoo import build, samples

    model = build("mlp")
    model.save(tmp_path / "mlp.keras")
    np.save(tmp_path / "cal.npy", samples(model, 16, seed=0))
    pytester.makepyfile(test_h=HOST_BUDGETS)
    without = pytester.runpytest_subprocess("--td-board", "host", f"--td-model={tmp_path / 'mlp.keras'}")
    without.assert_outcomes(errors=2)
    without.stdout.fnmatch_lines(
        ["*mlp.keras: a Keras/SavedModel model needs representative samples to be quantized: pass --td-data=SAMPLES*"]
    )
    result = pytester.runpytest_subprocess(
        "--td-board", "host", f"--td-model={tmp_path / 'mlp.keras'}", f"--td-data={tmp_path / 'cal.npy'}", timeout=600
    )
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(["HilAssertionError: host (aot): flash * bytes exceeds the budget of 1,000 bytes by *"])
    assert "def assert_memory" not in out and "raise _fail" not in out  # no traceback


@pytest.mark.parametrize(
    "args,message",
    [
        (["--td-port", "/dev/ttyACM0"], "*name the board's profile with --td-board*"),
        (
            ["--td-board", "qemu-m4", "--td-board", "qemu-m7", "--td-port", "/dev/ttyACM0"],
            "*with several --td-board give BOARD=/dev/ttyACM0*",
        ),
    ],
)
def test_usage_errors(pytester, args: list[str], message: str) -> None:
    pytester.makepyfile(test_u="def test_x():\n    pass\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_emulated_board_with_a_port_is_refused(pytester) -> None:
    pytester.makepyfile(test_e="def test_x(td_device):\n    pass\n")
    result = pytester.runpytest(
        "--td-board", "qemu-m4", "--td-port", "/dev/ttyACM0", "--td-model=" + str(mlperf_path("kws"))
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*board 'qemu-m4' is emulated; --td-port/--td-place need a real board's profile*"])


def test_labgrid_place_without_labgrid_names_the_install(pytester, monkeypatch) -> None:
    import tinydeploy.hil.labgrid as lg

    if lg.available():
        pytest.skip("labgrid is installed here; tests/hil/test_hil_labgrid.py covers it")
    pytester.makepyfile(test_l="def test_x(td_device):\n    pass\n")
    result = pytester.runpytest(
        "--td-board", "nano33ble", "--td-place", "lab-1", "--td-model=" + str(mlperf_path("kws"))
    )
    result.assert_outcomes(errors=1)
    assert ("labgrid: labgrid is not installed; install it with: pip install 'tinydeploy[hil]'") in result.stdout.str()


def test_xdist_groups_by_the_board_in_the_parameter_id() -> None:
    from tinydeploy.hil.xdist import board_of

    boards = ["qemu-m3", "qemu-m33", "qemu-m4", "nano33ble"]
    assert board_of("t.py::test_a[qemu-m4]", boards) == "qemu-m4"
    assert board_of("t.py::test_a[qemu-m33-stopped]", boards) == "qemu-m33"
    assert board_of("t.py::test_a[x-qemu-m3]", boards) == "qemu-m3"
    assert board_of("t.py::test_a[qemu-m7]", boards) is None
    assert board_of("t.py::test_plain", boards) is None


PARALLEL_TEST = """
    import json, os
    from tinydeploy.hil import assert_matches_reference

    def test_bit_exact(td_device, td_board):
        assert_matches_reference(td_device, count=2)
        record(td_device, td_board, "bit_exact")

    def test_info(td_device, td_board):
        assert td_device.info()["board"] == td_board.id
        record(td_device, td_board, "info")

    def record(dev, board, name):
        with open(os.environ["TD_RECORD"], "a") as fh:
            fh.write(json.dumps({"board": board.id, "test": name, "pid": dev.pid,
                                 "worker": os.environ.get("PYTEST_XDIST_WORKER")}) + "\\n")
"""


@pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)
def test_several_qemu_boards_in_parallel_with_xdist(pytester, pytestconfig, monkeypatch, tmp_path) -> None:
    """One worker per board (--dist loadgroup): each board's tests share one emulator."""
    pytester.makepyfile(test_par=PARALLEL_TEST)
    monkeypatch.setenv("TD_HIL_CACHE", str(pytestconfig.cache.mkdir("tinydeploy-hil")))
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv("TD_RECORD", str(record))
    boards = ["qemu-m4", "qemu-m7"]
    args = [a for b in boards for a in ("--td-board", b)]
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        "--dist",
        "loadgroup",
        *args,
        "--td-model=" + str(mlperf_path("kws")),
        "--junitxml",
        str(tmp_path / "junit.xml"),
        timeout=300,
    )
    result.assert_outcomes(passed=4)
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    by_board = {b: {(r["worker"], r["pid"]) for r in rows if r["board"] == b} for b in boards}
    assert all(len(v) == 1 for v in by_board.values()), by_board  # one worker, one QEMU
    assert len({w for v in by_board.values() for w, _ in v}) == 2  # on two workers
    assert 'name="td_board" value="qemu-m7"' in (tmp_path / "junit.xml").read_text()
