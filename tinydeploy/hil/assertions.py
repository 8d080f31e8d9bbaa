"""Assertions for hardware-in-the-loop tests, with failure messages that say
what was measured, what was allowed, and where it went wrong.

    assert_matches_reference(dev, count=20)              # bit-exact vs tflite-micro
    assert_matches_reference(dev, inputs, max_steps=1)   # within 1 quantization step
    assert_accuracy(dev, x_test, y_test, at_least=0.85)
    assert_latency(dev, max_ms=20, max_instructions=60e6)
    assert_memory(dev, max_flash_bytes=64_000, max_ram_bytes=32_000)

Each returns the figures it measured, so a test can print or log them.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from tinydeploy.hil.device import Device


class HilAssertionError(AssertionError):
    """A measured figure is outside what the test allows."""


def _fail(dev: Device, text: str) -> HilAssertionError:
    return HilAssertionError(f"{dev.board.id} ({dev.firmware.runtime}): {text}")


def assert_matches_reference(
    dev: Device, inputs: Optional[np.ndarray] = None, *, count: int = 10, seed: int = 0, max_steps: int = 0
) -> dict[str, Any]:
    """Device outputs equal the tflite-micro reference's, or differ by at most
    ``max_steps`` quantization steps per value. Without inputs: ``count`` random ones."""
    from tinydeploy.measure import compare

    xs = dev.random_inputs(count, seed) if inputs is None else np.asarray(inputs)
    result = compare(dev.reference, dev.infer, xs, where=repr(dev))
    stats = dict(result.as_dict(), max_abs_diff=max(d.steps for d in result.worst))
    bad = result.differing(max_steps)
    if bad:
        w = max(bad, key=lambda b: b.steps)
        allowed = "bit-exact" if max_steps == 0 else f"within {max_steps} step(s)"
        raise _fail(
            dev,
            f"{len(bad)} of {len(xs)} outputs are not {allowed} with the "
            f"tflite-micro reference; worst: input #{w.input}, output index {w.index}: "
            f"device {w.device}, reference {w.reference} ({w.steps} steps). Inputs "
            f"with differences: {', '.join('#%d' % b.input for b in bad[:10])}"
            f"{' ...' if len(bad) > 10 else ''}",
        )
    return stats


def _labels(y: np.ndarray, classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] == classes and y.shape[-1] > 1:
        return y.reshape(len(y), classes).argmax(axis=1)  # one-hot
    return y.reshape(len(y)).astype(np.int64)


def assert_accuracy(dev: Device, x: np.ndarray, y: np.ndarray, at_least: float) -> dict[str, Any]:
    """Top-1 accuracy of the device on labelled samples (labels as class indices or
    one-hot) is at least ``at_least``; the message gives the reference's accuracy too."""
    x = np.asarray(x)
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"need as many labels as samples (got {len(x)} samples, {len(y)} labels)")
    classes = int(np.prod(dev.output_shape))
    labels = _labels(np.asarray(y), classes)
    device_pred = np.array([int(dev.infer(s).ravel().argmax()) for s in x])
    ref_pred = np.array([int(dev.reference.run(s.reshape(dev.reference.input_shape)).ravel().argmax()) for s in x])
    acc = float((device_pred == labels).mean())
    ref_acc = float((ref_pred == labels).mean())
    stats = {
        "samples": len(x),
        "accuracy": acc,
        "reference_accuracy": ref_acc,
        "agreement_with_reference": float((device_pred == ref_pred).mean()),
    }
    if acc < at_least:
        wrong = np.flatnonzero(device_pred != labels)
        shown = ", ".join(f"#{i} (label {labels[i]}, got {device_pred[i]})" for i in wrong[:5])
        raise _fail(
            dev,
            f"accuracy {acc:.3f} on {len(x)} samples is below {at_least:.3f} "
            f"(tflite-micro reference on the same samples: {ref_acc:.3f}); "
            f"misclassified: {shown}{' ...' if len(wrong) > 5 else ''}",
        )
    return stats


def assert_latency(
    dev: Device,
    *,
    max_ms: Optional[float] = None,
    max_cycles: Optional[float] = None,
    max_instructions: Optional[float] = None,
    runs: int = 5,
    warmup: int = 1,
) -> dict[str, Any]:
    """Time per inference within budget. Each budget is checked where the board
    measures it: instructions on QEMU (emulated, -icount), cycles and ms on
    hardware, ms on the host board. When none of the given budgets is measurable
    here the test is skipped with the reason."""
    timing = dev.benchmark(runs, warmup)
    budgets = {
        "latency_ms": (max_ms, "ms"),
        "cycles_per_inference": (max_cycles, "cycles"),
        "instructions_per_inference": (max_instructions, "instructions"),
    }
    checked, over = 0, []
    for key, (limit, unit) in budgets.items():
        if limit is None or key not in timing or timing[key] is None:
            continue
        checked += 1
        if timing[key] > limit:
            over.append(
                f"{timing[key]:,.{3 if unit == 'ms' else 0}f} {unit} per inference "
                f"exceeds the budget of {limit:,.{3 if unit == 'ms' else 0}f} {unit} "
                f"by {100 * (timing[key] / limit - 1):.1f}%"
            )
    if over:
        note = f" ({timing['note']})" if "note" in timing else ""
        raise _fail(dev, "; ".join(over) + f", over {runs} runs{note}")
    if not checked:
        import pytest

        have = [unit for key, (_, unit) in budgets.items() if key in timing]
        pytest.skip(
            f"{dev.board.id} ({dev.kind}) measures {', '.join(have)} per inference; "
            "none of the given latency budgets applies here"
        )
    return timing


def assert_memory(
    dev: Device,
    *,
    max_flash_bytes: Optional[int] = None,
    max_ram_bytes: Optional[int] = None,
    max_arena_bytes: Optional[int] = None,
) -> dict[str, Any]:
    """Flash (ELF image), RAM (static + stack high-water) and arena within budget."""
    m = dev.measurements(runs=1)
    over = []
    for key, limit, what in (
        ("flash_bytes", max_flash_bytes, "flash"),
        ("ram_bytes", max_ram_bytes, "RAM (static + stack high-water)"),
        ("arena_bytes", max_arena_bytes, "arena"),
    ):
        if limit is None:
            continue
        if m.get(key) is None:
            raise _fail(
                dev,
                f"{what} is unknown: the firmware was not built in this session (--td-no-flash or a PlatformIO board)",
            )
        if m[key] > limit:
            detail = ""
            sizes = dev.firmware.sizes
            if key == "flash_bytes" and sizes:
                detail = (
                    f" (weights {sizes.weights_bytes:,}, runtime code "
                    f"{sizes.runtime_code_bytes:,}, other {sizes.other_flash_bytes:,})"
                )
            if key == "ram_bytes":
                detail = f" (static {m['static_ram_bytes']:,}, stack {m.get('stack_used_bytes') or 0:,})"
            over.append(
                f"{what} {m[key]:,} bytes exceeds the budget of {limit:,} bytes by "
                f"{m[key] - limit:,} ({100 * (m[key] / limit - 1):.1f}%){detail}"
            )
    if over:
        raise _fail(dev, "; ".join(over))
    return m
