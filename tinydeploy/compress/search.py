"""A small architecture search over the DS-CNN family (width, depth, kernel size).

Candidates that break the board's flash or RAM limit or the instruction budget
are dropped before training, from compiled sizes (tinydeploy's AOT compiler:
weights + parameters, arena) and an instruction estimate: MACs x instructions
per MAC, a figure tinydeploy measures on qemu-m4 (21.9 for the MLPerf Tiny KWS
DS-CNN, bench/results/flash_e2e.json). The rest train briefly, in random order,
until the time limit; the result is the Pareto front (accuracy up, instructions
and memory down).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinydeploy.compress.data import Dataset
from tinydeploy.compress.errors import NoFeasibleModelError
from tinydeploy.compress.layers import dscnn

INSTRUCTIONS_PER_MAC = 21.9  # measured: MLPerf Tiny KWS DS-CNN, AOT, qemu-m4


@dataclass
class Budget:
    flash_bytes: int                  # model weights + parameters
    ram_bytes: int                    # activation arena
    instructions: float | None = None  # per inference (estimated)
    seconds: float = 300.0            # time limit for the whole search


@dataclass
class Candidate:
    width: int
    depth: int
    kernel: int
    macs: int = 0
    flash_bytes: int = 0
    ram_bytes: int = 0
    instructions: float = 0.0
    accuracy: float | None = None
    tflite: bytes | None = field(default=None, repr=False)
    model: Any = field(default=None, repr=False)  # the trained Keras model (float)

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("width", "depth", "kernel", "macs", "flash_bytes",
                                              "ram_bytes", "instructions", "accuracy")}


@dataclass
class SearchResult:
    pareto: list[Candidate]
    evaluated: list[Candidate]
    skipped: int
    seconds: float


def _measure(c: Candidate, data: Dataset, ipm: float) -> Any:
    from tinydeploy.compile import compile_model
    from tinydeploy.compress.tflite import to_int8
    from tinydeploy.model.analysis import op_stats
    from tinydeploy.model.ir import parse_model

    model = dscnn(data.x_train.shape[1:], data.classes, c.width, c.depth, c.kernel,
                  name=f"dscnn_w{c.width}_d{c.depth}_k{c.kernel}")
    raw = to_int8(model, data.x_train[:32])
    ir = parse_model(raw)
    with tempfile.TemporaryDirectory() as tmp:
        cm = compile_model(ir, Path(tmp) / "c")
    c.macs = int(sum(r.macs for r in op_stats(ir)))
    c.flash_bytes = cm.weights_bytes + cm.params_bytes
    c.ram_bytes = cm.arena_bytes
    c.instructions = c.macs * ipm
    return model


def pareto(cands: list[Candidate]) -> list[Candidate]:
    def dominated(a: Candidate, b: Candidate) -> bool:  # b dominates a
        ge = (b.accuracy >= a.accuracy and b.instructions <= a.instructions
              and b.flash_bytes + b.ram_bytes <= a.flash_bytes + a.ram_bytes)
        gt = (b.accuracy > a.accuracy or b.instructions < a.instructions
              or b.flash_bytes + b.ram_bytes < a.flash_bytes + a.ram_bytes)
        return ge and gt
    done = [c for c in cands if c.accuracy is not None]
    return sorted([a for a in done if not any(dominated(a, b) for b in done)],
                  key=lambda c: c.instructions)


def search(data: Dataset, budget: Budget, widths: tuple[int, ...] = (16, 32, 64),
           depths: tuple[int, ...] = (1, 2, 3, 4), kernels: tuple[int, ...] = (3, 5),
           epochs: int = 3, seed: int = 0, instructions_per_mac: float = INSTRUCTIONS_PER_MAC,
           progress: Any = lambda msg: None) -> SearchResult:
    from tinydeploy.compress.train import accuracy, fit

    t0 = time.monotonic()
    rng = np.random.default_rng(seed)
    grid = [Candidate(w, d, k) for w, d, k in itertools.product(widths, depths, kernels)]
    order = rng.permutation(len(grid))
    evaluated: list[Candidate] = []
    skipped = 0
    smallest: Candidate | None = None
    for i in order:
        if time.monotonic() - t0 > budget.seconds:
            break
        c = grid[int(i)]
        model = _measure(c, data, instructions_per_mac)
        if smallest is None or c.flash_bytes < smallest.flash_bytes:
            smallest = c
        if (c.flash_bytes > budget.flash_bytes or c.ram_bytes > budget.ram_bytes
                or (budget.instructions is not None and c.instructions > budget.instructions)):
            skipped += 1
            continue
        progress(f"train width {c.width} depth {c.depth} kernel {c.kernel}")
        fit(model, data, epochs, seed=seed)
        c.accuracy = accuracy(model, data.x_val, data.y_val)
        c.model = model
        evaluated.append(c)
    if not evaluated:
        s = smallest
        raise NoFeasibleModelError(
            f"no candidate fits flash {budget.flash_bytes} B, RAM {budget.ram_bytes} B"
            + (f", {budget.instructions:.3g} instructions" if budget.instructions else "")
            + (f" (smallest: width {s.width} depth {s.depth}: {s.flash_bytes} B flash, "
               f"{s.ram_bytes} B RAM, {s.instructions:.3g} instructions)" if s else "")
            + "; relax a limit or widen the search space")
    return SearchResult(pareto(evaluated), evaluated, skipped, round(time.monotonic() - t0, 1))
