"""A committed baseline of flash, RAM and time per inference: a regression guard for CI.

The file (JSON, written by the user with `pytest --td-update-baseline` and
committed) holds one entry per board/model/runtime:

    {"format": 1,
     "entries": {"qemu-m4/kws_ref_model/aot": {"flash_bytes": 44692, "ram_bytes": 11264,
                                               "instructions_per_inference": 58082154.0}}}

check_baseline() fails when a figure grows by more than the allowed percent;
a shrink passes (and is reported, so the file can be refreshed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from tinydeploy.hil.assertions import HilAssertionError
from tinydeploy.hil.device import Device
from tinydeploy.hil.locks import FileLock
from tinydeploy.errors import InputFileError

FORMAT = 1
METRICS = ("flash_bytes", "ram_bytes", "instructions_per_inference", "cycles_per_inference")


def entry_key(dev: Device) -> str:
    return f"{dev.board.id}/{dev.firmware.model.model.name}/{dev.firmware.runtime}"


def load_baseline(path: Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        return {"format": FORMAT, "entries": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputFileError(f"not a readable baseline JSON file: {exc}", path=str(path)) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
        raise InputFileError(f"not a tinydeploy baseline (format {FORMAT} with 'entries')", path=str(path))
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def check_baseline(
    dev: Device,
    path: Path,
    *,
    max_growth_pct: Union[float, Mapping[str, float]] = 5.0,
    update: bool = False,
    runs: int = 3,
    measured: Optional[dict[str, Any]] = None,
) -> dict[str, Any]:
    """Compare the device's figures with the baseline entry; write it when ``update``.

    max_growth_pct: one percent for every figure, or {figure: percent}.
    Returns {"key", "measured", "baseline", "changes": {figure: percent}}.
    """
    path = Path(path)
    figures = measured if measured is not None else dev.measurements(runs)
    current = {k: figures[k] for k in METRICS if figures.get(k) is not None}
    key = entry_key(dev)
    if update:
        # Several pytest-xdist workers may update one file: read-modify-write under a lock.
        with FileLock(path.with_name(path.name + ".lock"), timeout=60, what=str(path)):
            data = load_baseline(path)
            data["entries"][key] = current
            _save(path, data)
        return {"key": key, "measured": current, "baseline": current, "changes": {}}
    entries = load_baseline(path)["entries"]
    if key not in entries:
        raise HilAssertionError(
            f"no baseline for '{key}' in {path}; record one with `pytest --td-update-baseline` "
            f"and commit the file (measured now: {json.dumps(current)})"
        )
    base = entries[key]
    changes, grown = {}, []
    for metric, value in current.items():
        old = base.get(metric)
        if old is None:
            continue
        pct = 100.0 * (value - old) / old if old else (0.0 if value == old else float("inf"))
        changes[metric] = round(pct, 3)
        limit = max_growth_pct.get(metric, 5.0) if isinstance(max_growth_pct, Mapping) else float(max_growth_pct)
        if pct > limit:
            grown.append(f"{metric} grew {pct:+.2f}% ({old:,.0f} -> {value:,.0f}), more than the allowed {limit:g}%")
    if grown:
        raise HilAssertionError(
            f"{key}: regression against the baseline {path}: "
            + "; ".join(grown)
            + ". If the growth is intended, run `pytest --td-update-baseline`"
            " and commit the file"
        )
    return {"key": key, "measured": current, "baseline": base, "changes": changes}
