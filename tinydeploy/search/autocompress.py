"""`tinydeploy compress --target-accuracy-drop D --board B`: try the compression recipes
tinydeploy has, measure each on the board, keep the smallest within the accuracy bound.

The bound is checked on the validation split only (the recipes are chosen on it); the
test split, when the data has one, is reported beside it and never used to choose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from tinydeploy.boards import Board
from tinydeploy.compress import Options, compress, int8_accuracy
from tinydeploy.compress.data import Dataset
from tinydeploy.compress.errors import CompressSettingError
from tinydeploy.search.measure import Cost, check_measurable, measure

OBJECTIVES = {
    "flash": "firmware flash bytes",
    "instructions": "instructions per inference",
    "model": "model data bytes (weights + parameters)",
}

# (name, steps): each step is one compress() call on the previous step's model, so a
# recipe such as "structured, then 4-bit" fine-tunes after each change.
RECIPES: list[tuple[str, list[dict[str, Any]]]] = [
    ("int8 QAT", [{"bits": 8}]),
    ("4-bit QAT", [{"bits": 4}]),
    ("cluster 16", [{"clusters": 16}]),
    ("prune 50% + 4-bit", [{"prune": 0.5, "prune_min_weights": 256, "bits": 4}]),
    ("structured 25% + distillation", [{"structured": 0.25, "distill": True}]),
    ("structured 45% + distillation", [{"structured": 0.45, "distill": True}]),
    ("structured 45% + distillation, then 4-bit QAT", [{"structured": 0.45, "distill": True}, {"bits": 4}]),
]


@dataclass(frozen=True)
class Variant:
    name: str
    val_accuracy: float
    test_accuracy: float | None
    cost: Cost
    tflite: bytes = field(repr=False)
    model: Any = field(default=None, repr=False)  # the compressed Keras model
    steps: tuple[str, ...] = ()

    def objective(self, key: str) -> float:
        return {
            "flash": self.cost.flash_bytes,
            "instructions": self.cost.instructions,
            "model": self.cost.model_flash_bytes,
        }[key]

    def row(self, baseline: Variant | None = None) -> dict[str, Any]:
        row = {
            "name": self.name,
            "val_accuracy": self.val_accuracy,
            "test_accuracy": self.test_accuracy,
            "flash_bytes": self.cost.flash_bytes,
            "model_flash_bytes": self.cost.model_flash_bytes,
            "instructions": self.cost.instructions,
            "ram_bytes": self.cost.ram_bytes,
            "exact_match_rate": self.cost.exact_match_rate,
            "steps": list(self.steps),
        }
        if baseline is not None:
            row["val_drop_points"] = round(100 * (baseline.val_accuracy - self.val_accuracy), 2)
            if self.test_accuracy is not None and baseline.test_accuracy is not None:
                row["test_drop_points"] = round(100 * (baseline.test_accuracy - self.test_accuracy), 2)
        return row


@dataclass
class AutoResult:
    baseline: Variant
    variants: list[Variant]
    chosen: Variant
    objective: str
    max_drop: float

    def summary(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "target_accuracy_drop": self.max_drop,
            "baseline": self.baseline.row(),
            "variants": [v.row(self.baseline) for v in self.variants],
            "chosen": self.chosen.row(self.baseline),
        }


def _variant(name: str, raw: bytes, data: Dataset, board: Board, model: Any, steps: tuple[str, ...]) -> Variant:
    test = (
        round(int8_accuracy(raw, data.x_test, data.y_test), 4)
        if data.x_test is not None and data.y_test is not None
        else None
    )
    return Variant(
        name, round(int8_accuracy(raw, data.x_val, data.y_val), 4), test, measure(raw, board), raw, model, steps
    )


def auto_compress(
    model: Any,
    data: Dataset,
    board: Board,
    max_drop: float,
    objective: str = "flash",
    epochs: int = 4,
    seed: int = 0,
    progress: Callable[[str], None] = lambda msg: None,
) -> AutoResult:
    """Every recipe of RECIPES on ``model``, measured on ``board``; the chosen variant has
    the smallest ``objective`` among those within ``max_drop`` points of the plain int8
    model's validation accuracy (the plain int8 model itself when none is)."""
    from tinydeploy.compress.tflite import to_int8

    if objective not in OBJECTIVES:
        raise CompressSettingError(f"{objective!r}; choose from {', '.join(OBJECTIVES)}", setting="--objective")
    if not max_drop >= 0:
        raise CompressSettingError(
            f"{max_drop}; the allowed drop is >= 0 accuracy points", setting="--target-accuracy-drop"
        )
    check_measurable(board)
    progress("baseline: int8")
    baseline = _variant("int8 (baseline)", to_int8(model, data.x_train), data, board, model, ())
    variants = [baseline]
    for name, recipe in RECIPES:
        progress(name)
        current, steps, result = model, [], None
        for step in recipe:
            result = compress(current, data, replace(Options(epochs=epochs, seed=seed), **step))
            current, steps = result.model, steps + result.steps
        assert result is not None
        variants.append(_variant(name, result.tflite, data, board, current, tuple(steps)))
        v = variants[-1]
        progress(
            f"{name}: val {v.val_accuracy:.2%}, {v.cost.flash_bytes:,} B flash, {v.cost.instructions:,.0f} instructions"
        )
    ok = [v for v in variants if 100 * (baseline.val_accuracy - v.val_accuracy) <= max_drop]
    chosen = min(ok, key=lambda v: (v.objective(objective), -v.val_accuracy))
    return AutoResult(baseline, variants[1:], chosen, objective, max_drop)
