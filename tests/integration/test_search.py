"""`tinydeploy search`: every candidate measured on qemu-m4, an Optuna study in SQLite
that two worker processes share and that resumes after its worker is killed. Tiny
models and one training epoch: each trial takes a few seconds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.cli import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
        reason="the search measures on qemu-m4: needs qemu-system-arm and arm-none-eabi-gcc",
    ),
]

SMALL = ["--widths", "4,8", "--depths", "1", "--kernel-sizes", "3", "--epochs", "1"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    from tinydeploy.compress.data import synthetic

    d = synthetic(classes=3, shape=(16, 8, 1), train=128, val=32, test=32)
    path = tmp_path_factory.mktemp("search") / "data.npz"
    np.savez(path, x_train=d.x_train, y_train=d.y_train, x_val=d.x_val, y_val=d.y_val, x_test=d.x_test, y_test=d.y_test)
    return path


def _study(db: Path):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name="tinydeploy-search", storage=f"sqlite:///{db}")


def _cli(data: Path, db: Path, out: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tinydeploy.cli",
        "search",
        "--data",
        str(data),
        "--study",
        f"sqlite:///{db}",
        "-o",
        str(out),
        "--force",
        "--json",
        *SMALL,
        *args,
    ]


def test_every_candidate_is_measured_on_the_board(data, tmp_path, capsys):
    from tinydeploy.model.ir import read_model

    db = tmp_path / "s.db"
    code = main(
        [
            "search",
            "--data",
            str(data),
            "--study",
            f"sqlite:///{db}",
            "--trials",
            "3",
            "-o",
            str(tmp_path / "out"),
            "--json",
            *SMALL,
        ]
    )
    text = capsys.readouterr()
    assert code == 0, text.err
    r = json.loads(text.out.strip().splitlines()[-1])
    assert len(r["trials"]) == 3 and r["pareto"] and r["chosen"]
    for t in r["trials"]:
        # measured on the device: bit-exact, an emulated count, the firmware's flash
        assert t["exact_match_rate"] == 1.0 and t["kernels"] in ("dsp", "dsp-small")
        assert t["instructions"] > 0 and t["flash_bytes"] > t["model_flash_bytes"] > 0
        assert 0 < t["ram_bytes"] and 0.0 <= t["val_accuracy"] <= 1.0
    # no constant per-MAC factor: instructions per MAC differ between candidates
    per_mac = {round(t["instructions"] / t["macs"], 3) for t in r["trials"]}
    assert len(per_mac) > 1, per_mac
    out = tmp_path / "out"
    for t in r["pareto"]:
        model = read_model(out / t["file"])
        assert model.name and (out / t["file"]).stat().st_size > 0
    assert r["chosen"] in r["pareto"]
    assert (out / "search.md").read_text().count("\n|") >= 2 * len(r["pareto"])
    page = (out / "report.html").read_text()
    assert 'id="pareto-instructions"' in page and 'id="pareto-flash"' in page
    # the same study URL resumes: asking for 3 trials again runs none
    code = main(
        [
            "search",
            "--data",
            str(data),
            "--study",
            f"sqlite:///{db}",
            "--trials",
            "3",
            "-o",
            str(tmp_path / "out"),
            "--force",
            "--json",
            *SMALL,
        ]
    )
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and [t["trial"] for t in again["trials"]] == [0, 1, 2]


def test_two_workers_share_one_sqlite_study(data, tmp_path):
    db = tmp_path / "shared.db"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    workers = [
        subprocess.Popen(
            _cli(data, db, tmp_path / f"out{i}", "--trials", "4", "--seed", str(i)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    for w in workers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0, err[-2000:]
    study = _study(db)
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(done) >= 4 and len({t.number for t in done}) == len(done)
    # both processes ran trials of the one study
    assert len({t.user_attrs["worker"] for t in done}) == 2, [t.user_attrs for t in done]


def test_resume_after_kill(data, tmp_path):
    import sqlalchemy.exc

    from tinydeploy.search import GRACE_SECONDS

    db = tmp_path / "resume.db"
    first = subprocess.Popen(
        _cli(data, db, tmp_path / "out", "--trials", "3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill it once a trial finished and the next runs
        time.sleep(0.5)
        if db.exists():
            try:
                states = [t.state.name for t in _study(db).trials]
            except (KeyError, sqlalchemy.exc.OperationalError):
                continue  # the file exists before its schema and study row do
            if "COMPLETE" in states and "RUNNING" in states:
                break
        assert first.poll() is None, first.stderr.read()[-2000:]
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed = [t.number for t in _study(db).trials if t.state.name == "RUNNING"]
    assert killed
    time.sleep(GRACE_SECONDS + 1)  # its heartbeat goes stale
    second = subprocess.run(
        _cli(data, db, tmp_path / "out", "--trials", "3"), capture_output=True, text=True, timeout=600
    )
    assert second.returncode == 0, second.stderr[-2000:]
    trials = _study(db).trials
    assert sum(t.state.name == "COMPLETE" for t in trials) == 3
    stale = trials[killed[0]]
    assert stale.state.name == "FAIL"
    # the killed trial's point was tried again
    assert any(t.params == stale.params and t.number > stale.number for t in trials)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--widths", "16,x"], "--widths: '16,x' is not a comma-separated list of positive"),
        (["--families", "conv1d"], "none of conv1d takes inputs shaped [16, 8, 1]"),
        (["--bits", "5"], "--bits: 5 bits; the search offers 8, 4"),
        (["--board", "nano33ble"], "board 'nano33ble' is not emulated"),
        (
            ["--budget-flash", "10", "--trials", "1"],
            "no trial of study 'tinydeploy-search' completed (1 dropped over budget",
        ),
    ],
)
def test_search_errors(data, tmp_path, args, message, capsys):
    code = main(
        [
            "search",
            "--data",
            str(data),
            "--study",
            f"sqlite:///{tmp_path}/e.db",
            "-o",
            str(tmp_path / "o"),
            *SMALL,
            *args,
        ]
    )
    err = capsys.readouterr().err
    assert code != 0 and message in " ".join(err.split()), err


def test_sensor_families_on_a_time_series(tmp_path):
    """conv1d and mlp take [time, channels] inputs; both run exact on the board."""
    from tinydeploy.compress.data import synthetic
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.search import search

    d = synthetic(classes=3, shape=(32, 3), train=128, val=32, test=32)
    res = search(
        d,
        resolve_board("qemu-m4"),
        study=f"sqlite:///{tmp_path}/t.db",
        trials=4,
        families=("conv1d", "mlp", "dscnn"),
        widths=(8,),
        depths=(1, 2),
        kernels=(3,),
        bits=(8,),
        epochs=1,
        seed=1,
    )
    assert {t.arch.family for t in res.trials} <= {"conv1d", "mlp"}
    assert all(t.cost.exact_match_rate == 1.0 for t in res.trials)


def test_an_instruction_budget_drops_candidates_before_training(data, tmp_path):
    """Each candidate runs untrained on the board first: over the instruction budget, it
    is never trained, and what is trained measures within the budget afterwards too."""
    from tinydeploy.compress import load_dataset
    from tinydeploy.compress.tflite import to_int8
    from tinydeploy.pipeline import resolve_board
    from tinydeploy.search import Budget, search
    from tinydeploy.search.measure import measure
    from tinydeploy.search.space import Arch, build

    d, board = load_dataset(data), resolve_board("qemu-m4")
    shape = tuple(d.x_train.shape[1:])

    def untrained(width: int, stride: int) -> float:
        model = build(Arch("dscnn", width, 1, 3, 8, stride=stride, stride2=stride), shape, d.classes)
        return measure(to_int8(model, d.x_train[:32]), board, check=0).instructions

    # strides of 4 leave a quarter of the positions of 2: fewer instructions, same width
    assert untrained(16, 4) < 0.5 * untrained(16, 2)
    limit = (untrained(4, 2) * untrained(16, 2)) ** 0.5
    res = search(
        d,
        board,
        budget=Budget(instructions=limit),
        study=f"sqlite:///{tmp_path}/b.db",
        trials=5,
        families=("dscnn",),
        widths=(4, 16),
        depths=(1,),
        kernels=(3,),
        bits=(8,),
        epochs=1,
        seed=0,
    )
    assert res.trials and all(t.arch.width == 4 and t.cost.instructions <= limit for t in res.trials)
    assert res.pruned >= 1 and len(res.trials) + res.pruned == 5
    st = _study(tmp_path / "b.db")
    reasons = [t.user_attrs["pruned"] for t in st.trials if t.state.name == "PRUNED"]
    assert all("instructions untrained > budget" in r for r in reasons), reasons
    assert all(t.params["width"] == 16 for t in st.trials if t.state.name == "PRUNED")


def test_accuracy_objective_and_a_study_of_other_objectives(data, tmp_path, capsys):
    """--objective accuracy: one objective, the budgets as constraints; a study started
    with the other objectives is refused with a line saying how to go on."""
    import optuna

    db = tmp_path / "o.db"
    base = ["search", "--data", str(data), "--study", f"sqlite:///{db}", "-o", str(tmp_path / "o"), *SMALL]
    assert main([*base, "--trials", "2", "--objective", "accuracy", "--json"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(r["trials"]) == 2 and r["chosen"]
    st = _study(db)
    assert st.directions == [optuna.study.StudyDirection.MAXIMIZE] and st.metric_names == ["val_accuracy"]
    assert main([*base, "--trials", "3", "--force"]) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert "optimises 1 objective(s), not those of --objective pareto" in err and "--study-name" in err
    assert len(_study(db).trials) == 2  # nothing ran
