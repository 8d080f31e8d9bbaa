"""Nothing lost: every command that writes a folder stages it and moves it into place when
complete; an interrupted run (Ctrl-C, a killed build) leaves no finished-looking folder
and no user file changed; existing files are kept unless --force."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinydeploy.cli import main
from tinydeploy.outdir import MANIFEST_NAME, written_files

REPO = Path(__file__).resolve().parents[2]
KWS = REPO.parent / "shared" / "models" / "mlperf-tiny" / "kws_ref_model.tflite"
needs_build = pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler (cc) and make"
)


@pytest.fixture
def kws() -> Path:
    if not KWS.is_file():
        pytest.skip(f"MLPerf Tiny model {KWS} is absent (../shared/models/mlperf-tiny)")
    return KWS


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _user_folder(path: Path) -> dict[str, bytes]:
    path.mkdir(parents=True)
    (path / "mine.c").write_text("/* the user's own code */\n")
    (path / "notes").mkdir()
    (path / "notes" / "todo.txt").write_text("keep me\n")
    return _tree(path)


COMMANDS = {
    "convert": lambda m, o: ["convert", str(m), "-o", str(o)],
    "compile": lambda m, o: ["compile", str(m), "-o", str(o)],
    "generate": lambda m, o: ["generate", str(m), "--board", "host", "-o", str(o)],
    "flash": lambda m, o: ["flash", str(m), "--board", "host", "--check", "1", "--runs", "1", "-o", str(o)],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_existing_files_are_kept_without_force(kws: Path, tmp_path: Path, capsys, command: str) -> None:
    out = tmp_path / "out"
    before = _user_folder(out)
    assert main(COMMANDS[command](kws, out)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds 2 file(s)" in err[0] and "--force" in err[0]
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left


def _their_files(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in tree.items() if k != MANIFEST_NAME}


FORCE_COMMANDS = dict(COMMANDS, profile=lambda m, o: ["profile", str(m), "--board", "qemu-m4", "-o", str(o)])


@needs_build
@pytest.mark.parametrize("command", sorted(FORCE_COMMANDS))
def test_force_replaces_only_what_tinydeploy_wrote(kws: Path, tmp_path: Path, command: str) -> None:
    """Every command run twice with --force into a folder holding the user's files: not one
    of them is lost or changed, and the second run's output replaces the first's."""
    if command == "profile" and (shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None):
        pytest.skip("profile needs qemu-system-arm and arm-none-eabi-gcc")
    out = tmp_path / "out"
    mine = _user_folder(out)
    assert main(COMMANDS["compile"](kws, out) + ["--force"]) == 0  # an earlier run
    first = written_files(out)
    assert first and not first & set(mine)
    assert main(FORCE_COMMANDS[command](kws, out) + ["--force"]) == 0
    tree = _tree(out)
    assert {k: tree[k] for k in mine} == mine  # nothing of theirs lost
    now = written_files(out)
    assert now and not now & set(mine) and set(_their_files(tree)) == now | set(mine)
    if command != "compile":
        assert first - now, "files of the earlier run that this one did not write are gone"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_output_folder_holding_the_input_is_refused(kws: Path, tmp_path: Path, capsys, command: str) -> None:
    """`convert mine/mymodel.tflite -o mine --force` once deleted the model itself."""
    mine = tmp_path / "mine"
    mine.mkdir()
    model = mine / "mymodel.tflite"
    shutil.copyfile(kws, model)
    (mine / "notes.txt").write_text("keep me\n")
    before = _tree(mine)
    assert main(COMMANDS[command](model, mine) + ["--force"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the output folder holds the input" in err[0], err
    assert _tree(mine) == before


def test_a_failing_run_leaves_the_old_folder_untouched(tmp_path: Path, capsys) -> None:
    """compile --force of a broken model: the error comes before anything moves."""
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x18\x00\x00\x00TFL3" + bytes(100))
    out = tmp_path / "out"
    before = _user_folder(out)
    for command in ("compile", "generate"):
        assert main(COMMANDS[command](bad, out) + ["--force"]) == 1
        assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tflite", "out"]


def _run_until(argv: list[str], cwd: Path, ready: callable, timeout: float = 120) -> subprocess.Popen:
    """Start the CLI in a child process and return once ``ready()`` holds (mid-run)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinydeploy.cli", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"finished before the interruption point: {proc.returncode} {err[-2000:]!r}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("never reached the interruption point")
        time.sleep(0.02)
    return proc


def _building(parent: Path, name: str) -> callable:
    """True once a staging folder of ``name`` holds a project whose build has started."""

    def ready() -> bool:
        return any(
            (p / "project" / "build").exists() or list(p.glob("project/**/*.o"))
            for p in parent.glob(f".{name}.partial-*")
        )

    return ready


@needs_build
@pytest.mark.slow
def test_killed_build_leaves_no_finished_looking_folder(kws: Path, tmp_path: Path) -> None:
    """SIGKILL mid-build (nothing can clean up): the destination does not exist, and the
    only trace is a hidden '.out.partial-*' folder that says what it is."""
    proc = _run_until(COMMANDS["flash"](kws, "out"), tmp_path, _building(tmp_path, "out"))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert not (tmp_path / "out").exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert all(n.startswith(".out.partial-") for n in leftovers), leftovers
    # the next run is not confused by it, and clears it away (its owner is dead)
    assert main(COMMANDS["compile"](kws, tmp_path / "out")) == 0
    assert (tmp_path / "out" / "compiled.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@needs_build
@pytest.mark.slow
def test_ctrl_c_mid_build_keeps_the_previous_result(kws: Path, tmp_path: Path) -> None:
    """Ctrl-C during `flash --force` over an earlier result: exit code 130 (it once was 0),
    the earlier result stays byte for byte, and the staging folder is removed."""
    out = tmp_path / "out"
    assert main(COMMANDS["compile"](kws, out)) == 0
    before = _tree(out)
    proc = _run_until(COMMANDS["flash"](kws, "out") + ["--force"], tmp_path, _building(tmp_path, "out"))
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    text = err.decode(errors="replace")
    assert "interrupted" in text and "Traceback" not in text
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
