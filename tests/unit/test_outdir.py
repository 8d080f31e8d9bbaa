"""Output folders are staged (complete or untouched, never half-written) and --force
replaces only what tinydeploy wrote."""

from __future__ import annotations

import json
import os

import pytest

from tinydeploy.errors import ForeignFilesError, InputFileError, OutputExistsError
from tinydeploy.outdir import MANIFEST_NAME, check_output_dir, staged_output_dir, written_files


def _run(dest, files: dict[str, str], force: bool = False) -> None:
    with staged_output_dir(dest, force=force) as staging:
        for rel, text in files.items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_text(text)


def _tree(path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): p.read_text()
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def test_new_folder_appears_only_when_complete(tmp_path) -> None:
    dest = tmp_path / "out"
    with staged_output_dir(dest) as staging:
        (staging / "a.txt").write_text("a")
        assert not dest.exists()
    assert (dest / "a.txt").read_text() == "a"
    assert written_files(dest) == {"a.txt"}
    assert json.loads((dest / MANIFEST_NAME).read_text())["files"] == ["a.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left behind


def test_existing_files_are_kept_without_force(tmp_path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "mine.c").write_text("user code")
    with pytest.raises(OutputExistsError, match=r"out: already holds 1 file\(s\) \(mine.c\)"):
        with staged_output_dir(dest):
            pass
    assert (dest / "mine.c").read_text() == "user code"


def test_interrupted_run_leaves_the_old_folder_untouched(tmp_path) -> None:
    dest = tmp_path / "out"
    _run(dest, {"old.txt": "old"})
    with pytest.raises(KeyboardInterrupt):
        with staged_output_dir(dest, force=True) as staging:
            (staging / "new.txt").write_text("half")
            raise KeyboardInterrupt
    assert _tree(dest) == {"old.txt": "old"} and written_files(dest) == {"old.txt"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_force_replaces_only_what_tinydeploy_wrote(tmp_path) -> None:
    dest = tmp_path / "out"
    _run(dest, {"report.json": "1", "stale.txt": "old run", "project/src/a.c": "a"})
    (dest / "notes.txt").write_text("the user's")
    (dest / "project" / "src" / "mine.c").write_text("the user's too")
    _run(dest, {"report.json": "2", "fresh.txt": "new run"}, force=True)
    assert _tree(dest) == {
        "report.json": "2",
        "fresh.txt": "new run",
        "notes.txt": "the user's",
        "project/src/mine.c": "the user's too",
    }
    assert written_files(dest) == {"report.json", "fresh.txt"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_emptied_folders_of_the_old_run_go(tmp_path) -> None:
    dest = tmp_path / "out"
    _run(dest, {"project/build/model/x.o": "o", "report.json": "1"})
    _run(dest, {"report.json": "2"}, force=True)
    assert sorted(p.name for p in dest.iterdir()) == [MANIFEST_NAME, "report.json"]


def test_a_users_file_in_the_way_is_refused_and_nothing_moves(tmp_path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "report.md").write_text("my own report")
    (dest / "project").write_text("a file where a folder goes")
    with pytest.raises(
        ForeignFilesError,
        match=r"out: holds 2 file\(s\) \(project, report.md\) "
        "that tinydeploy did not write",
    ):
        _run(dest, {"report.md": "generated", "project/Makefile": "all:"}, force=True)
    assert _tree(dest) == {"report.md": "my own report", "project": "a file where a folder goes"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_while_moving_puts_the_old_run_back(tmp_path, monkeypatch) -> None:
    dest = tmp_path / "out"
    _run(dest, {"a.txt": "old a", "b.txt": "old b"})
    (dest / "mine.txt").write_text("mine")
    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # a.txt, b.txt to the backup, new a.txt in, then fail
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr("tinydeploy.outdir.os.replace", failing)
    with pytest.raises(OSError, match="disk full"):
        _run(dest, {"a.txt": "new a", "b.txt": "new b"}, force=True)
    monkeypatch.setattr("tinydeploy.outdir.os.replace", real)
    assert _tree(dest) == {"a.txt": "old a", "b.txt": "old b", "mine.txt": "mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_output_folder_holding_the_input_is_refused(tmp_path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mymodel.tflite").write_bytes(b"model")
    for force in (False, True):
        with pytest.raises(InputFileError, match="the output folder holds the input"):
            check_output_dir(mine, force, (mine / "mymodel.tflite", None))
    with pytest.raises(InputFileError, match="holds the input"):
        check_output_dir(tmp_path, True, (mine / "mymodel.tflite",))
    check_output_dir(tmp_path / "elsewhere", True, (mine / "mymodel.tflite",))


def test_a_file_is_not_a_folder(tmp_path) -> None:
    target = tmp_path / "report.json"
    target.write_text("{}")
    with pytest.raises(InputFileError, match="is a file"):
        with staged_output_dir(target):
            pass
