"""Memory planner: in-place distances, plan validity, arena vs TFLite Micro."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinydeploy.compile.dsp import select as select_dsp
from tinydeploy.compile.lower import inplace_distance, lower, window_first_read
from tinydeploy.compile.plan import plan, plan_steps
from tinydeploy.compile.tflm import tflm_arena_bytes
from tinydeploy.model.ir import read_model

MLPERF = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "mlperf-tiny"
MODELS = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "resnet": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}


def mlperf(key: str) -> Path:
    path = MLPERF / MODELS[key]
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/models/mlperf-tiny beside the repository)")
    return path


def test_elementwise_runs_fully_in_place():
    assert inplace_distance(np.arange(100), 1, 1) == 0


def test_widening_elementwise_needs_room():
    # int8 -> float32: output element k ends at 4(k+1), input k+1 starts at k+1
    assert inplace_distance(np.arange(10), 1, 4) == 4 * 9 - 9


def test_fully_connected_needs_all_but_the_last_output():
    fr = np.zeros(16, dtype=np.int64)  # every output reads the whole input row
    assert inplace_distance(fr, 1, 1) == 15


def test_3x3_same_depthwise_lags_one_row_and_one_pixel():
    h, w, c = 6, 5, 4
    fr = window_first_read(1, h, w, c, h, w, c, 3, 3, 1, 1, 1, 1, 1, 1, np.arange(c))
    assert inplace_distance(fr, 1, 1) == (w + 1) * c


def test_padding_only_outputs_read_nothing():
    fr = np.full(8, -1)
    assert inplace_distance(fr, 1, 1) < 0


def _check_plan_valid(model, steps, p):
    """Independent check: buffers alive at the same step never overlap, except an
    output written over an input that dies there, at least D bytes below it."""
    bufs = list(p.buffers.values())
    for i, a in enumerate(bufs):
        assert a.offset >= 0 and a.offset + a.size <= p.arena_bytes
        for b in bufs[i + 1 :]:
            if not (a.first <= b.last and b.first <= a.last):
                continue
            if a.offset + a.size <= b.offset or b.offset + b.size <= a.offset:
                continue
            # overlapping and alive together: must be an allowed in-place pair
            out, inp = (a, b) if a.first > b.first else (b, a)
            s = out.first
            assert inp.last == s, f"buffers {a.name!r} and {b.name!r} overlap while both alive"
            st = steps[s]
            d = max(st.inplace[t] for t in inp.tensors if t in st.inplace)
            assert out.offset <= inp.offset - d


@pytest.mark.parametrize("kernels", ["reference", "dsp"])
@pytest.mark.parametrize("key", sorted(MODELS))
def test_plans_are_valid_and_at_most_half_of_tflm(key, kernels):
    # the SIMD kernels' scratch buffers count too (kernels="auto" on a DSP core)
    path = mlperf(key)
    model = read_model(path)
    steps = lower(model)
    if kernels == "dsp":
        steps, _skipped = select_dsp(steps)
    steps, p = plan(model, steps)
    _check_plan_valid(model, steps, p)
    tflm = tflm_arena_bytes(path.read_bytes())
    assert p.arena_bytes <= 0.5 * tflm, (p.arena_bytes, tflm)


def test_rematerialisation_is_what_brings_resnet_under_half():
    model = read_model(mlperf("resnet"))
    steps = lower(model)
    plain = plan_steps(model, steps).arena_bytes
    remat_steps, p = plan(model, steps)
    assert any(st.remat for st in remat_steps)
    assert p.arena_bytes < plain


def test_planning_is_deterministic():
    model = read_model(mlperf("vww"))
    a = plan(model, lower(model))[1]
    b = plan(model, lower(model))[1]
    assert {k: v.offset for k, v in a.buffers.items()} == {k: v.offset for k, v in b.buffers.items()}


def test_render_leaves_its_steps_as_given():
    # emit.render is a pure function of (model, steps, plan): resnet's recomputed
    # steps keep their remat records unchanged, and rendering twice gives the same text
    import copy

    from tinydeploy.compile.emit import render

    model = read_model(mlperf("resnet"))
    steps, p = plan(model, lower(model))
    before = [copy.deepcopy(st.remat) for st in steps]
    assert any(before)
    first = render(model, steps, p)
    assert [st.remat for st in steps] == before
    assert render(model, steps, p)[:2] == first[:2]
