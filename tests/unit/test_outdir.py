"""Output folders are staged: complete or untouched, never half-written."""

from __future__ import annotations

import pytest

from tinydeploy.errors import InputFileError, OutputExistsError
from tinydeploy.outdir import staged_output_dir


def test_new_folder_appears_only_when_complete(tmp_path) -> None:
    dest = tmp_path / "out"
    with staged_output_dir(dest) as staging:
        (staging / "a.txt").write_text("a")
        assert not dest.exists()
    assert (dest / "a.txt").read_text() == "a"
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
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with staged_output_dir(dest, force=True) as staging:
            (staging / "new.txt").write_text("half")
            raise KeyboardInterrupt
    assert sorted(p.name for p in dest.iterdir()) == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_force_replaces_the_whole_folder(tmp_path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "stale.txt").write_text("stale")
    with staged_output_dir(dest, force=True) as staging:
        (staging / "fresh.txt").write_text("fresh")
    assert sorted(p.name for p in dest.iterdir()) == ["fresh.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_file_is_not_a_folder(tmp_path) -> None:
    target = tmp_path / "report.json"
    target.write_text("{}")
    with pytest.raises(InputFileError, match="is a file"):
        with staged_output_dir(target):
            pass
