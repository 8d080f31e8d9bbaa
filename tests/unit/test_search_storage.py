"""Several search workers opening one new SQLite study at once (the documented way to
run a search on several cores) must all get the study."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("optuna")


def _open(url: str, barrier: Any, out: Any) -> None:
    from tinydeploy.search import _open_study

    barrier.wait()
    try:
        study = _open_study(url, "race", None)
        out.put(("ok", study.study_name))
    except Exception as e:  # reported to the parent, which fails the test
        out.put(("error", repr(e)[:300]))


def test_workers_racing_to_create_the_schema_all_open_the_study(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    for round_ in range(3):  # the race is timing-dependent: several fresh files
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        n = 6
        barrier, out = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_open, args=(url, barrier, out)) for _ in range(n)]
        for p in procs:
            p.start()
        results = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert results == [("ok", "race")] * n, results
