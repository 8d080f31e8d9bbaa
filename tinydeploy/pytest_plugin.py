"""pytest plugin: a board as a fixture (registered through the `pytest11` entry point).

    def test_model(td_device):                      # built and flashed once per board
        y = td_device.infer(x)

Options (`pytest --help`, group "tinydeploy"): --td-board (repeatable),
--td-port, --td-runtime, --td-model, --td-data, --td-place / --td-lg-env (labgrid),
--td-baseline / --td-update-baseline, --td-no-flash, --td-timeout.
Marker: @pytest.mark.td_board("qemu-m4", "qemu-m7") limits a test to those boards.

Without options a test runs on the default emulated board (qemu-m4); a test that
needs the model under test and has none (no --td-model, no td_model ini value, no
td_model_path fixture of the project's own) is a usage error, so a CI job never passes
having tested nothing. A budget or bit-exactness failure is reported as one line. Each
board is a session-scoped parameter, grouped per board for pytest-xdist
(`-n 3 --dist loadgroup`: one worker per board). Nothing is built or started
unless a test asks for td_device; the work is in tinydeploy.hil.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

DEFAULT_BOARD = "qemu-m4"  # tinydeploy.boards.DEFAULT_BOARD, without importing it at startup


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("tinydeploy", "tinydeploy hardware-in-the-loop")
    g.addoption(
        "--td-board",
        action="append",
        default=[],
        metavar="BOARD",
        help=f"board profile to test on (repeatable; default {DEFAULT_BOARD})",
    )
    g.addoption(
        "--td-port",
        action="append",
        default=[],
        metavar="[BOARD=]PORT",
        help="serial port (or pyserial URL) of a real board; BOARD=PORT with several boards",
    )
    g.addoption(
        "--td-runtime",
        default="auto",
        choices=("auto", "aot", "tflm"),
        help="model runtime (auto: aot when it runs every op, else tflm)",
    )
    g.addoption(
        "--td-model",
        default=None,
        metavar="PATH",
        help="the model under test: an int8 .tflite, or a Keras .keras/.h5 file or SavedModel folder with --td-data",
    )
    g.addoption(
        "--td-data",
        default=None,
        metavar="PATH",
        help="representative samples (.npy, .npz or a folder of .npy) to quantize a Keras/SavedModel --td-model",
    )
    g.addoption(
        "--td-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds a device may stay silent before a command fails (default 10)",
    )
    g.addoption(
        "--td-boot-timeout",
        type=float,
        default=20.0,
        metavar="S",
        help="seconds the firmware may take to answer after a start or reset (default 20)",
    )
    g.addoption(
        "--td-no-flash",
        action="store_true",
        help="real boards: use the firmware the board already runs (built and flashed "
        "elsewhere); its model must match --td-model",
    )
    g.addoption(
        "--td-place",
        action="append",
        default=[],
        metavar="[BOARD=]PLACE",
        help="labgrid place to acquire for a board (needs labgrid; implies --td-no-flash)",
    )
    g.addoption(
        "--td-lg-env",
        default=None,
        metavar="FILE",
        help="labgrid environment file whose target's serial port is the board",
    )
    g.addoption(
        "--td-baseline",
        default=None,
        metavar="PATH",
        help="baseline JSON file of flash/RAM/time figures for td_baseline",
    )
    g.addoption(
        "--td-update-baseline",
        action="store_true",
        help="write the measured figures into the baseline file instead of checking",
    )
    g.addoption(
        "--td-max-growth",
        type=float,
        default=5.0,
        metavar="PCT",
        help="allowed growth over the baseline, percent (default 5)",
    )
    g.addoption(
        "--td-lock-timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds to wait for a serial port another test process holds",
    )
    parser.addini("td_model", "the .tflite model under test (like --td-model)", default="")
    parser.addini("td_data", "samples to quantize a Keras td_model (like --td-data)", default="")
    parser.addini("td_baseline", "baseline JSON file (like --td-baseline)", default="")


@dataclass
class HilConfig:
    boards: list[str]
    ports: dict[str, str]  # board id -> port
    places: dict[str, str]  # board id -> labgrid place
    runtime: str
    model: Optional[Path]
    data: Optional[Path]
    timeout: float
    boot_timeout: float
    no_flash: bool
    lg_env: Optional[Path]
    baseline: Optional[Path]
    update_baseline: bool
    max_growth: float
    lock_timeout: float
    explicit_boards: bool = False


def _pairs(values: list[str], boards: list[str], what: str) -> dict[str, str]:
    """[BOARD=]VALUE options to {board: value}; a bare value needs exactly one board."""
    out: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if sep and "://" not in key and key in boards:
            out[key] = rest
        elif len(boards) == 1:
            out[boards[0]] = value
        else:
            raise pytest.UsageError(
                f"{what} {value!r}: with several --td-board give BOARD={value} (boards: {', '.join(boards)})"
            )
    return out


def _hil_config(config: pytest.Config) -> HilConfig:
    opt = config.getoption
    boards = list(dict.fromkeys(opt("td_board"))) or [DEFAULT_BOARD]
    explicit = bool(opt("td_board"))
    if (opt("td_port") or opt("td_place") or opt("td_lg_env")) and not explicit:
        raise pytest.UsageError(
            "--td-port/--td-place/--td-lg-env: name the board's profile with "
            "--td-board (e.g. --td-board nano33ble); `tinydeploy boards` "
            "lists them"
        )
    inidir = Path(str(config.inipath.parent)) if config.inipath else Path(str(config.rootpath))

    def path(option: str, ini: str) -> Optional[Path]:
        # On the command line relative to the current folder; in the ini file to its folder.
        if opt(option):
            return Path(opt(option))
        return inidir / config.getini(ini) if config.getini(ini) else None

    return HilConfig(
        boards=boards,
        ports=_pairs(opt("td_port"), boards, "--td-port"),
        places=_pairs(opt("td_place"), boards, "--td-place"),
        runtime=opt("td_runtime"),
        model=path("td_model", "td_model"),
        data=path("td_data", "td_data"),
        timeout=opt("td_timeout"),
        boot_timeout=opt("td_boot_timeout"),
        no_flash=opt("td_no_flash"),
        lg_env=Path(opt("td_lg_env")) if opt("td_lg_env") else None,
        baseline=path("td_baseline", "td_baseline"),
        update_baseline=opt("td_update_baseline"),
        max_growth=opt("td_max_growth"),
        lock_timeout=opt("td_lock_timeout"),
        explicit_boards=explicit,
    )


_KEY = pytest.StashKey[HilConfig]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "td_board(*boards): run this test only on these board "
        "profiles (of the --td-board boards, or qemu-m4); skip it elsewhere",
    )
    config.stash[_KEY] = _hil_config(config)


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    cfg = config.stash.get(_KEY, None)
    if cfg is None or not (cfg.explicit_boards or cfg.model):
        return None
    return (
        f"tinydeploy hil: boards {', '.join(cfg.boards)}; runtime {cfg.runtime}; "
        f"model {cfg.model or '(set by the tests)'}"
    )


def _boards_for(metafunc: pytest.Metafunc, cfg: HilConfig) -> list[Any]:
    marker = metafunc.definition.get_closest_marker("td_board")
    boards = cfg.boards
    if marker is not None and marker.args:
        wanted = [str(b) for b in marker.args]
        boards = [b for b in cfg.boards if b in wanted]
        if not boards:
            reason = f"test is for boards {', '.join(wanted)}; this run tests {', '.join(cfg.boards)}"
            return [pytest.param(None, id="no-board", marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(b, id=b, marks=pytest.mark.xdist_group(f"td-{b}")) for b in boards]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "td_board" not in metafunc.fixturenames:
        return
    cfg = metafunc.config.stash[_KEY]
    metafunc.parametrize("td_board", _boards_for(metafunc, cfg), indirect=True, scope="session")


def _uses_our_model_fixture(item: pytest.Item) -> bool:
    """The test needs the model under test through this plugin's td_model_path (not a
    project's own override of it in a conftest.py)."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.get("td_model_path") if info is not None else None
    return bool(defs) and getattr(defs[-1].func, "__module__", None) == __name__


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cfg = config.stash[_KEY]
    if cfg.model is not None:
        return
    needing = [item for item in items if _uses_our_model_fixture(item)]
    if needing:
        raise pytest.UsageError(
            f"{len(needing)} test(s) need the model under test ({needing[0].nodeid}"
            f"{', ...' if len(needing) > 1 else ''}): "
            "pass --td-model=PATH (an int8 .tflite, or a Keras model with --td-data=SAMPLES), "
            "or set td_model in the pytest ini file"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A budget, bit-exactness or tinydeploy failure is one line, not a traceback
    through tinydeploy's own code (the test's nodeid already says where)."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or not report.failed:
        return
    from tinydeploy.errors import TinyDeployError
    from tinydeploy.hil.assertions import HilAssertionError

    exc = call.excinfo.value
    if isinstance(exc, HilAssertionError):
        report.longrepr = f"HilAssertionError: {exc}"
    elif isinstance(exc, TinyDeployError):
        report.longrepr = f"error: {exc}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadgroup: each board's tests on one worker (see tinydeploy.hil.xdist)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tinydeploy.hil.xdist import board_scheduler
    from tinydeploy.resources import boards_dir

    boards = [p.stem for p in boards_dir().glob("*.toml")] + config.stash[_KEY].boards
    return board_scheduler(config, log, boards)


# -- fixtures: all lazy; nothing happens unless a test uses them ----------------


@pytest.fixture(scope="session")
def td_config(request: pytest.FixtureRequest) -> HilConfig:
    return request.config.stash[_KEY]


@pytest.fixture(scope="session")
def td_model_path(td_config: HilConfig) -> Path:
    """The model under test: --td-model, or the td_model ini value. Override this
    fixture in a conftest.py to pick a default for your project."""
    if td_config.model is None:  # only when collection did not see the need (a fixture
        # requested dynamically): still a failure, never a pass that tested nothing
        pytest.fail(
            "no model under test: pass --td-model=PATH (an int8 .tflite) or set td_model in the pytest ini file",
            pytrace=False,
        )
    if not td_config.model.exists():
        raise pytest.UsageError(f"--td-model {td_config.model}: no such file")
    return td_config.model


@pytest.fixture(scope="session")
def td_board(request: pytest.FixtureRequest):  # -> tinydeploy.boards.Board
    """The board profile of this test's board (a frozen dataclass from boards/<id>.toml)."""
    from tinydeploy.boards import load_board

    board_id = getattr(request, "param", None) or request.config.stash[_KEY].boards[0]
    return load_board(board_id)


def _cache_dir(request: pytest.FixtureRequest) -> Path:
    """$TD_HIL_CACHE, else .pytest_cache/d/tinydeploy-hil, else a temporary folder."""
    if os.environ.get("TD_HIL_CACHE"):
        return Path(os.environ["TD_HIL_CACHE"])
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        try:
            return Path(cache.mkdir("tinydeploy-hil"))
        except OSError:
            pass
    return request.getfixturevalue("tmp_path_factory").mktemp("tinydeploy-hil", numbered=False)


@pytest.fixture(scope="session")
def td_session_device(
    request: pytest.FixtureRequest, td_board, td_model_path: Path, td_config: HilConfig
) -> Iterator[Any]:
    """One Device per board for the whole session (built, flashed and started once)."""
    from tinydeploy.hil import Device, build_firmware, load_model, prebuilt
    from tinydeploy.hil.labgrid import place_port
    from tinydeploy.hil.locks import port_lock

    board = td_board
    with ExitStack() as stack:
        port = td_config.ports.get(board.id)
        place = td_config.places.get(board.id)
        farm = place is not None or td_config.lg_env is not None
        if (port or farm) and board.emulated:
            raise pytest.UsageError(
                f"board '{board.id}' is emulated; --td-port/--td-place need a real board's profile (e.g. nano33ble)"
            )
        if farm:
            port = stack.enter_context(
                place_port(place=place, env_file=td_config.lg_env, timeout=td_config.lock_timeout)
            )
        if board.platform == "platformio" and port is None:
            from tinydeploy.targets import find_port

            port = find_port(board)
        if port is not None:
            stack.enter_context(port_lock(port, timeout=td_config.lock_timeout))
        model = load_model(td_model_path, td_config.data, option="--td-data")
        if board.platform == "platformio" and (td_config.no_flash or farm):
            firmware = prebuilt(model, board, td_config.runtime)
        else:
            firmware = build_firmware(
                model, board, td_config.runtime, _cache_dir(request), upload=board.platform == "platformio", port=port
            )
        device = stack.enter_context(
            Device(firmware, port=port, timeout=td_config.timeout, boot_timeout=td_config.boot_timeout)
        )
        yield device


@pytest.fixture
def td_device(request: pytest.FixtureRequest, td_session_device: Any) -> Iterator[Any]:
    """The board's Device, resynchronised (or restarted) if an earlier test left it faulted;
    an emulator is paused again after the test (Device.pause: idle QEMU spins a core)."""
    td_session_device.ensure_ready()
    request.node.user_properties.append(("td_board", td_session_device.board.id))
    yield td_session_device
    td_session_device.pause()


class BaselineGuard:
    """td_baseline.check(device): fail when flash, RAM or time per inference grew."""

    def __init__(self, cfg: HilConfig):
        self.path, self.update, self.max_growth = cfg.baseline, cfg.update_baseline, cfg.max_growth

    def check(self, device: Any, max_growth_pct: Any = None, runs: int = 3) -> dict[str, Any]:
        from tinydeploy.hil.baseline import check_baseline

        if self.path is None:
            pytest.skip("no baseline file: pass --td-baseline PATH or set td_baseline in the pytest ini file")
        return check_baseline(
            device,
            self.path,
            update=self.update,
            runs=runs,
            max_growth_pct=self.max_growth if max_growth_pct is None else max_growth_pct,
        )


@pytest.fixture
def td_baseline(td_config: HilConfig) -> BaselineGuard:
    return BaselineGuard(td_config)
