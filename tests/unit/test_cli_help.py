"""A CLI that teaches: every command's --help ends with an example that parses, every
option says what it does, choices come from the stage's own list, flags show no type,
`tinydeploy help CMD`, --quiet, --json, and progress lines when stderr is not a terminal."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from tinydeploy.cli import EXAMPLES, ROOT_EXAMPLE, _teach, app, main

REPO = Path(__file__).resolve().parents[2]
KWS = REPO.parent / "shared" / "models" / "mlperf-tiny" / "kws_ref_model.tflite"


@pytest.fixture(scope="module")
def group():
    return _teach(typer.main.get_command(app))


def test_every_command_has_an_example_that_parses(group) -> None:
    assert sorted(EXAMPLES) == sorted(group.commands)
    for name, command in group.commands.items():
        argv = shlex.split(EXAMPLES[name])
        assert argv[:2] == ["tinydeploy", name]
        ctx = command.make_context(name, argv[2:], parent=group.make_context("tinydeploy", [name]))
        assert ctx.params  # parsed: every option of the example exists


def test_every_option_is_documented_and_json_is_everywhere(group) -> None:
    for name, command in group.commands.items():
        undocumented = [p.name for p in command.params if not getattr(p, "help", None)]
        assert not undocumented, f"{name}: options without help: {undocumented}"
        if name != "help":
            assert any("--json" in p.opts for p in command.params), f"{name} has no --json"


def test_help_shows_choices_defaults_and_the_example(capsys) -> None:
    from tinydeploy.compile import KERNEL_MODES
    from tinydeploy.policy import RUNTIMES

    assert main(["flash", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    # (the kernels' column may wrap its last value)
    assert "|".join(RUNTIMES) in text and "|".join(KERNEL_MODES[:3]) in text
    assert "[td-out/<model>-<board>]" in text  # not eaten as markup
    assert "<bool>" not in text
    assert "Example: tinydeploy flash" in text


def test_root_help_teaches_too(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    text = " ".join(out.split())
    assert "<bool>" not in text and "--debug" in text
    assert "Example: tinydeploy --quiet flash" in text
    argv = shlex.split(ROOT_EXAMPLE)
    group = typer.main.get_command(app)
    assert group.make_context("tinydeploy", argv[1:]).params["quiet"] is True


def test_a_summary_is_one_paragraph(group) -> None:
    # rich prints a docstring's source line breaks as they are
    wrapped = [name for name, command in group.commands.items() if "\n" in (command.help or "").strip()]
    assert not wrapped


def test_help_command(capsys) -> None:
    assert main(["help", "export"]) == 0
    via_help = capsys.readouterr().out
    assert main(["export", "--help"]) == 0
    assert capsys.readouterr().out == via_help
    assert main(["help", "nope"]) == 1
    assert "no command 'nope'; the commands: boards, compile" in capsys.readouterr().err


def test_quiet_and_json(capsys) -> None:
    assert main(["--quiet", "boards"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--quiet", "boards", "--json"]) == 0
    assert any(b["id"] == "qemu-m4" for b in json.loads(capsys.readouterr().out))


def test_progress_is_one_line_per_stage_when_piped(tmp_path: Path) -> None:
    if not KWS.is_file():
        pytest.skip(f"MLPerf Tiny model {KWS} is absent")
    done = subprocess.run(
        [sys.executable, "-m", "tinydeploy.cli", "convert", str(KWS), "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("[")]
    assert any("converting" in ln for ln in lines) and any("arena" in ln for ln in lines)
    # the table fits: no cell cut to "…" in a pipe
    assert "…" not in done.stdout and "FULLY_CONNECTED" in done.stdout


def test_native_logs_only_with_debug() -> None:
    if not KWS.is_file():
        pytest.skip(f"MLPerf Tiny model {KWS} is absent")
    runs = {
        flag: subprocess.run(
            [sys.executable, "-m", "tinydeploy.cli", *flag, "inspect", str(KWS)],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )
        for flag in ((), ("--debug",))
    }
    assert all(r.returncode == 0 for r in runs.values())
    assert "RecordingMicroAllocator" not in runs[()].stderr  # tflite-micro's own log lines
    assert "RecordingMicroAllocator" in runs[("--debug",)].stderr
