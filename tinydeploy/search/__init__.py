"""Hardware-aware architecture search: every candidate is measured on the board.

Optuna drives the search (multi-objective: int8 validation accuracy up, instructions
per inference and flash down). A trial samples an architecture from
tinydeploy.search.space, is compiled first to drop it before training when its model
data or arena cannot fit the budget, is trained, converted to int8 (4-bit weights when
the trial chose them), then flashed to the emulated board with the kernels
`--kernels auto` picks there: flash and RAM come from the firmware, the instruction
count from the emulator, and the device's outputs are checked against tflite-micro.

The study lives in an Optuna storage (SQLite by default): a stopped search resumes
where it was (a trial killed half-way is marked failed by its missing heartbeat and
retried), and several processes or machines work on one study through a shared
database URL. The trained models are stored as Optuna artifacts beside it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydeploy.boards import Board
from tinydeploy.compress.data import Dataset
from tinydeploy.compress.errors import CompressSettingError, NoFeasibleModelError
from tinydeploy.errors import TinyDeployError
from tinydeploy.search.measure import Cost, check_measurable, measure
from tinydeploy.search.space import FAMILIES, WEIGHT_BITS, Arch, build, families_for, suggest

SAMPLERS = ("tpe", "nsga2")
# what the sampler optimises: "pareto", accuracy up and instructions and flash down
# (a front to choose from); "accuracy" alone, the budgets as constraints (the most
# accurate model that fits them, when the board's limits are known)
OBJECTIVES = {
    "pareto": (("val_accuracy", "maximize"), ("instructions", "minimize"), ("flash_bytes", "minimize")),
    "accuracy": (("val_accuracy", "maximize"),),
}
DEFAULT_STUDY = "sqlite:///search.db"
# seconds between a running trial's heartbeats; a trial silent for GRACE_SECONDS (its
# process was killed) is failed and retried by the next worker that starts a trial
HEARTBEAT_SECONDS = 5
GRACE_SECONDS = 15


@dataclass(frozen=True)
class Budget:
    """Limits on the measured firmware; None: no limit."""

    flash_bytes: int | None = None  # the whole image
    ram_bytes: int | None = None  # static RAM + stack high-water
    instructions: float | None = None  # per inference

    def violations(self, cost: Cost) -> list[float]:
        """Optuna's constraint values: > 0 where a limit is exceeded (relative excess)."""
        pairs = (
            (cost.flash_bytes, self.flash_bytes),
            (cost.ram_bytes, self.ram_bytes),
            (cost.instructions, self.instructions),
        )
        return [(value - limit) / limit if limit else -1.0 for value, limit in pairs]


@dataclass(frozen=True)
class TrialResult:
    number: int
    arch: Arch
    val_accuracy: float
    test_accuracy: float | None
    cost: Cost
    feasible: bool
    artifact: str | None  # the int8 .tflite in the study's artifact store
    worker: str

    def row(self) -> dict[str, Any]:
        return {
            "trial": self.number,
            **self.arch.row(),
            "name": self.arch.name,
            "val_accuracy": self.val_accuracy,
            "test_accuracy": self.test_accuracy,
            "instructions": self.cost.instructions,
            "flash_bytes": self.cost.flash_bytes,
            "ram_bytes": self.cost.ram_bytes,
            "model_flash_bytes": self.cost.model_flash_bytes,
            "arena_bytes": self.cost.arena_bytes,
            "macs": self.cost.macs,
            "kernels": self.cost.kernels,
            "exact_match_rate": self.cost.exact_match_rate,
            "feasible": self.feasible,
            "worker": self.worker,
        }


@dataclass
class SearchResult:
    study: str
    study_name: str
    board: str
    trials: list[TrialResult]  # every completed trial of the study
    pareto: list[TrialResult]  # the feasible ones no other trial beats
    chosen: TrialResult | None  # cheapest Pareto trial within the accuracy tolerance
    pruned: int  # dropped before training (over a budget)
    failed: int
    seconds: float
    artifacts: Path
    notes: list[str] = field(default_factory=list)


def artifact_dir(study: str, artifacts: str | Path | None) -> Path:
    """Where the trials' models go: ``artifacts``, else beside an SQLite study file."""
    if artifacts:
        return Path(artifacts)
    if study.startswith("sqlite:///"):
        return Path(study[len("sqlite:///") :] + ".artifacts")
    raise CompressSettingError(
        "a study on a database server needs --artifacts, a folder every worker can reach (e.g. a shared mount)",
        setting="--artifacts",
    )


def _storage(study: str) -> Any:
    import optuna

    kwargs: dict[str, Any] = {}
    if study.startswith("sqlite"):
        # several workers on one file: wait for the writer's lock instead of failing
        kwargs["connect_args"] = {"timeout": 60}
    return optuna.storages.RDBStorage(
        study,
        engine_kwargs=kwargs,
        heartbeat_interval=HEARTBEAT_SECONDS,
        grace_period=GRACE_SECONDS,
        heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1),
    )


def _open_study(study: str, study_name: str, sampler: Any, objectives: str = "pareto") -> Any:
    import optuna
    import sqlalchemy.exc

    directions = [d for _, d in OBJECTIVES[objectives]]
    # Workers started together on a new storage race to create its schema: the loser's
    # INSERT of the schema version fails although the schema is then complete, so it
    # opens the storage again.
    for attempt in range(5):
        try:
            st = optuna.create_study(
                storage=_storage(study),
                study_name=study_name,
                directions=directions,
                sampler=sampler,
                load_if_exists=True,
            )
            break
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.OperationalError):
            if attempt == 4:
                raise
            time.sleep(0.5 + attempt)
    # Optuna loads a stored study with its own directions, whatever is asked
    stored = [d.name.lower() for d in st.directions]
    if stored != directions:
        raise CompressSettingError(
            f"study '{study_name}' in {study} optimises {len(stored)} objective(s), not those of "
            f"--objective {objectives}; resume it with its objective or give this search a new --study-name",
            setting="--objective",
        )
    return st


def _sampler(name: str, seed: int) -> Any:
    import optuna

    # TPE is the default: trials cost tens of seconds each, and TPE learns from the first
    # ten, where NSGA-II needs whole generations; constant_liar keeps parallel workers
    # from sampling the same point.
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=8, constant_liar=True)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=16)
    raise CompressSettingError(f"unknown sampler {name!r}; choose from {', '.join(SAMPLERS)}", setting="--sampler")


def _quantize(model: Any, arch: Arch, data: Dataset, seed: int, epochs: int = 1) -> bytes:
    from tinydeploy.compress import Options, compress
    from tinydeploy.compress.tflite import to_int8

    if arch.bits == 4:  # 4-bit weights, ``epochs`` of quantization-aware fine-tuning
        skip = ("first",) if arch.first8 else ()
        return compress(model, data, Options(bits=4, bits_skip=skip, epochs=epochs, seed=seed)).tflite
    return to_int8(model, data.x_train[:200])


def _accuracy(raw: bytes, x: Any, y: Any) -> float:
    from tinydeploy.compress import int8_accuracy

    return round(int8_accuracy(raw, x, y), 4)


def _fits_before_training(model: Any, arch: Arch, data: Dataset, budget: Budget, board: Board) -> str | None:
    """Why the untrained candidate cannot fit the budget, or None. Its compiled weights +
    parameters and arena are lower bounds of the firmware's flash and RAM. With an
    instruction budget it is also run on the board: the kernels' loops do not depend on
    the weights' values (only the per-layer kernel choice can, for layers whose biases
    need 64-bit requantization), so training is spent only on candidates that fit."""
    import tempfile

    from tinydeploy.compile import compile_model
    from tinydeploy.compress.tflite import to_int8
    from tinydeploy.model.ir import parse_model

    if budget.flash_bytes is not None or budget.ram_bytes is not None:
        ir = parse_model(to_int8(model, data.x_train[:32]))
        with tempfile.TemporaryDirectory() as tmp:
            compiled = compile_model(ir, Path(tmp) / "c")
        data_bytes = compiled.weights_bytes + compiled.params_bytes
        if budget.flash_bytes is not None and data_bytes > budget.flash_bytes:
            return f"model data {data_bytes:,} B > flash budget {budget.flash_bytes:,} B"
        if budget.ram_bytes is not None and compiled.arena_bytes > budget.ram_bytes:
            return f"arena {compiled.arena_bytes:,} B > RAM budget {budget.ram_bytes:,} B"
    if budget.instructions is not None:
        cost = measure(_quantize(model, arch, data, 0, epochs=0), board, check=0)
        if cost.instructions > budget.instructions:
            return f"{cost.instructions:,.0f} instructions untrained > budget {budget.instructions:,.0f}"
    return None


def _result(t: Any) -> TrialResult:
    a = t.user_attrs
    return TrialResult(
        number=t.number,
        arch=Arch(**a["arch"]),
        val_accuracy=a["val_accuracy"],
        test_accuracy=a.get("test_accuracy"),
        cost=Cost(**a["cost"]),
        feasible=all(v <= 0 for v in a.get("constraints", [0.0])),
        artifact=a.get("artifact"),
        worker=a.get("worker", "?"),
    )


def pareto_front(trials: list[TrialResult]) -> list[TrialResult]:
    """Feasible trials not dominated in (accuracy up, instructions down, flash down)."""
    ok = [t for t in trials if t.feasible]

    def beats(b: TrialResult, a: TrialResult) -> bool:
        ge = (
            b.val_accuracy >= a.val_accuracy
            and b.cost.instructions <= a.cost.instructions
            and b.cost.flash_bytes <= a.cost.flash_bytes
        )
        gt = (
            b.val_accuracy > a.val_accuracy
            or b.cost.instructions < a.cost.instructions
            or b.cost.flash_bytes < a.cost.flash_bytes
        )
        return ge and gt

    front = [a for a in ok if not any(beats(b, a) for b in ok)]
    return sorted(front, key=lambda t: (t.cost.instructions, -t.val_accuracy))


def choose(front: list[TrialResult], tolerance: float) -> TrialResult | None:
    """The Pareto trial with the fewest instructions whose validation accuracy is within
    ``tolerance`` points of the front's best."""
    if not front:
        return None
    best = max(t.val_accuracy for t in front)
    near = [t for t in front if t.val_accuracy >= best - tolerance / 100]
    return min(near, key=lambda t: (t.cost.instructions, t.cost.flash_bytes))


def search(
    data: Dataset,
    board: Board,
    *,
    budget: Budget = Budget(),
    study: str = DEFAULT_STUDY,
    study_name: str = "tinydeploy-search",
    artifacts: str | Path | None = None,
    trials: int = 20,
    time_limit: float | None = None,
    families: tuple[str, ...] = FAMILIES,
    widths: tuple[int, ...] = (8, 16, 32, 64),
    depths: tuple[int, ...] = (1, 2, 3, 4),
    kernels: tuple[int, ...] = (3, 5),
    bits: tuple[int, ...] = WEIGHT_BITS,
    strides: tuple[int, ...] = (2,),
    epochs: int = 3,
    lr: float = 3e-3,
    seed: int = 0,
    sampler: str = "tpe",
    objectives: str = "pareto",
    tolerance: float = 1.0,
    check: int = 2,
    progress: Callable[[str], None] = lambda msg: None,
) -> SearchResult:
    """Run (or resume, or join) the study until it holds ``trials`` finished trials
    (completed or dropped over budget, counted over every worker) or ``time_limit``
    seconds of this process have passed; return all its completed trials and the front."""
    import warnings

    import optuna
    from optuna.artifacts import FileSystemArtifactStore, upload_artifact

    from tinydeploy.compress.train import fit

    # heartbeats, metric names and the artifact store are "experimental" in Optuna 5
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    t0 = time.monotonic()
    check_measurable(board)
    usable = families_for(tuple(data.x_train.shape[1:]), families)
    for name, values in (("bits", bits),):
        bad = [v for v in values if v not in WEIGHT_BITS]
        if bad:
            raise CompressSettingError(
                f"{bad[0]} bits; the search offers {', '.join(map(str, WEIGHT_BITS))}", setting=f"--{name}"
            )
    if objectives not in OBJECTIVES:
        raise CompressSettingError(
            f"unknown objective {objectives!r}; choose from {', '.join(OBJECTIVES)}", setting="--objective"
        )
    store_dir = artifact_dir(study, artifacts)
    store_dir.mkdir(parents=True, exist_ok=True)
    store = FileSystemArtifactStore(str(store_dir))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    st = _open_study(study, study_name, _sampler(sampler, seed), objectives)
    st.set_metric_names([name for name, _ in OBJECTIVES[objectives]])
    worker = f"{socket.gethostname()}:{os.getpid()}"
    shape, classes = tuple(int(v) for v in data.x_train.shape[1:]), data.classes

    def objective(trial: Any) -> tuple[float, ...]:
        arch = suggest(trial, usable, widths, depths, kernels, bits, strides)
        trial.set_user_attr("worker", worker)
        progress(f"trial {trial.number}: {arch.name}")
        # a point already dropped over the same budget is dropped again without building it
        limits = [budget.flash_bytes, budget.ram_bytes, budget.instructions]
        dropped = trial.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.PRUNED,))
        why = next(
            (
                t.user_attrs.get("pruned")
                for t in dropped
                if t.params == trial.params and t.user_attrs.get("budget") == limits
            ),
            None,
        )
        # the check quantizes (4-bit: packs) a model of its own; training starts afresh
        why = why or _fits_before_training(build(arch, shape, classes), arch, data, budget, board)
        if why:
            trial.set_user_attr("pruned", why)
            trial.set_user_attr("budget", limits)
            progress(f"trial {trial.number}: dropped before training: {why}")
            raise optuna.TrialPruned(why)
        model = build(arch, shape, classes)
        fit(model, data, epochs, lr=lr, seed=seed + trial.number)
        try:
            raw = _quantize(model, arch, data, seed + trial.number)
            progress(f"trial {trial.number}: measuring on {board.id}")
            cost = measure(raw, board, check=check)
        except TinyDeployError as exc:  # this candidate failed; the study goes on
            trial.set_user_attr("error", str(exc))
            progress(f"trial {trial.number}: failed: {exc}")
            raise
        val = _accuracy(raw, data.x_val, data.y_val)
        test = _accuracy(raw, data.x_test, data.y_test) if data.x_test is not None and data.y_test is not None else None
        path = store_dir / f"trial-{trial.number}-{arch.name}.tflite"
        path.write_bytes(raw)
        artifact = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
        path.unlink()
        trial.set_user_attr("arch", arch.row())
        trial.set_user_attr("cost", vars(cost))
        violations = budget.violations(cost)
        for key, value in zip(("flash", "ram", "instructions"), violations):
            trial.set_constraint(key, value)  # the samplers steer away from infeasible points
        trial.set_user_attr("constraints", violations)
        trial.set_user_attr("val_accuracy", val)
        trial.set_user_attr("test_accuracy", test)
        trial.set_user_attr("artifact", artifact)
        progress(
            f"trial {trial.number}: val {val:.2%}, {cost.instructions:,.0f} instructions, {cost.flash_bytes:,} B flash"
        )
        values = {"val_accuracy": val, "instructions": cost.instructions, "flash_bytes": float(cost.flash_bytes)}
        return tuple(values[name] for name, _ in OBJECTIVES[objectives])

    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    done = len(st.get_trials(deepcopy=False, states=finished))
    if done < trials:
        st.optimize(
            objective,
            n_trials=trials - done,
            timeout=time_limit,
            callbacks=[optuna.study.MaxTrialsCallback(trials, states=finished)],
            catch=(TinyDeployError,),
        )
    all_trials = st.get_trials(deepcopy=False)
    completed = [_result(t) for t in all_trials if t.state == optuna.trial.TrialState.COMPLETE]
    front = pareto_front(completed)
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in all_trials)
    failed = sum(t.state == optuna.trial.TrialState.FAIL for t in all_trials)
    if not completed:
        errors = [t.user_attrs["error"] for t in all_trials if "error" in t.user_attrs]
        raise NoFeasibleModelError(
            f"no trial of study '{study_name}' completed ({pruned} dropped over budget, "
            f"{failed} failed{'; last: ' + errors[-1] if errors else ''}); relax a limit or "
            "widen the search space"
        )
    return SearchResult(
        study=study,
        study_name=study_name,
        board=board.id,
        trials=completed,
        pareto=front,
        chosen=choose(front, tolerance),
        pruned=pruned,
        failed=failed,
        seconds=round(time.monotonic() - t0, 1),
        artifacts=store_dir,
    )


def fetch_model(result: SearchResult, trial: TrialResult, dest: Path) -> Path:
    """Copy a trial's int8 .tflite out of the artifact store to ``dest``."""
    from optuna.artifacts import FileSystemArtifactStore, download_artifact

    if trial.artifact is None:
        raise NoFeasibleModelError(f"trial {trial.number} has no stored model")
    download_artifact(
        artifact_store=FileSystemArtifactStore(str(result.artifacts)), artifact_id=trial.artifact, file_path=str(dest)
    )
    return dest
