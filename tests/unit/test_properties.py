"""Property-based tests (Hypothesis): the compiler's quantization math against a model of
TFLite's definitions written here from them, the C fixed-point helpers against the
same model, and the memory planner over random graphs."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tinydeploy.compile import quant  # noqa: E402
from tinydeploy.compile.lower import Step, inplace_distance  # noqa: E402
from tinydeploy.compile.plan import ALIGN, plan_steps  # noqa: E402
from tinydeploy.resources import firmware_dir  # noqa: E402

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
int32s = st.integers(INT32_MIN, INT32_MAX)
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- TFLite, from the definitions


def ref_round(x: Fraction) -> int:
    """TfLiteRound / std::round on an exact value: nearest, ties away from zero."""
    n = abs(x)
    r = int(n.numerator * 2 + n.denominator) // (2 * n.denominator)  # floor(n + 1/2)
    return r if x >= 0 else -r


def ref_quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc), exactly:
    real = q * 2^shift with 0.5 <= |q| < 1 (std::frexp), q_fixed = round(q * 2^31);
    q_fixed == 2^31 becomes 2^30 with shift + 1 (-2^31 stays); shift < -31 flushes to (0, 0)."""
    if real == 0.0:
        return 0, 0
    x = Fraction(real)
    shift = 0
    while abs(x) >= 1:
        x /= 2
        shift += 1
    while abs(x) < Fraction(1, 2):
        x *= 2
        shift -= 1
    q_fixed = ref_round(x * (1 << 31))
    assert q_fixed <= 1 << 31  # TFLITE_CHECK
    if q_fixed == 1 << 31:  # only the positive end: -2^31 fits int32 as it is
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def ref_srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul (gemmlowp): int64 product, nudge, divide by
    2^31 truncating toward zero; INT32_MIN * INT32_MIN saturates."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    num = ab + nudge
    q = abs(num) >> 31
    return q if num >= 0 else -q


def ref_rounding_divide_by_pot(x: int, exponent: int) -> int:
    """RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def ref_mbqm(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier (the TFLite Micro reference, double rounding)."""
    left, right = (shift, 0) if shift > 0 else (0, -shift)
    return ref_rounding_divide_by_pot(ref_srdhm(x * (1 << left), multiplier), right)


# ---------------------------------------------------------------- quantization properties

positive_reals = st.floats(min_value=2.0**-45, max_value=2.0**20, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(positive_reals)
def test_quantize_multiplier_is_tflites(real: float) -> None:
    m, s = quant.quantize_multiplier(real)
    assert (m, s) == ref_quantize_multiplier(real)
    if m:
        assert (1 << 30) <= m < (1 << 31)
        # within half a unit of the 31-bit mantissa
        err = abs(Fraction(m) * Fraction(2) ** (s - 31) - Fraction(real))
        assert err <= Fraction(2) ** (s - 32)
    else:
        assert real < 2.0**-31


@SETTINGS
@given(st.floats(min_value=-(2.0**20), max_value=-(2.0**-30), allow_nan=False))
def test_quantize_multiplier_negative_is_tflites(real: float) -> None:
    assert quant.quantize_multiplier(real) == ref_quantize_multiplier(real)


@SETTINGS
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_tflite_round_is_half_away_from_zero(x: float) -> None:
    assert quant.tflite_round(x) == ref_round(Fraction(x))


@SETTINGS
@given(int32s, int32s)
def test_srdhm_is_gemmlowps(a: int, b: int) -> None:
    assert quant.srdhm(a, b) == ref_srdhm(a, b)


@SETTINGS
@given(int32s, st.integers(0, 31))
def test_rounding_divide_by_pot(x: int, exponent: int) -> None:
    got = quant.rounding_divide_by_pot(x, exponent)
    assert got == ref_rounding_divide_by_pot(x, exponent)
    exact = Fraction(x, 1 << exponent)
    assert abs(got - exact) <= Fraction(1, 2)  # nearest, whichever way the tie goes
    assert got == ref_round(exact)  # ... and ties away from zero


@SETTINGS
@given(st.integers(-(1 << 20), 1 << 20), positive_reals.filter(lambda r: r < 2.0**10))
def test_multiply_by_quantized_multiplier(x: int, real: float) -> None:
    m, s = quant.quantize_multiplier(real)
    assume(abs(x) << max(s, 0) <= INT32_MAX)  # TFLite never shifts out of int32
    got = quant.multiply_by_quantized_multiplier(x, m, s)
    assert got == ref_mbqm(x, m, s)
    if m:  # two roundings: at most one step from the exact product
        assert abs(got - Fraction(x) * m * Fraction(2) ** (s - 31)) <= 1


@SETTINGS
@given(st.floats(min_value=1e-6, max_value=10.0), st.integers(-128, 127), st.floats(min_value=-100.0, max_value=100.0))
def test_quantize_value_in_float32(scale: float, zp: int, f: float) -> None:
    """kernel_util.cc Quantize(): the division happens in float32."""
    expect = zp + ref_round(Fraction(float(np.float32(f) / np.float32(scale))))
    assert quant.quantize_value(scale, zp, f) == expect


# ---------------------------------------------------------------- the C helpers, same model


@pytest.fixture(scope="module")
def cfix(tmp_path_factory: pytest.TempPathFactory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a host C compiler")
    d = tmp_path_factory.mktemp("cfix")
    src = d / "fix.c"
    src.write_text(
        '#include "td_fixedpoint.h"\n'
        "int32_t srdhm(int32_t a, int32_t b) { return td_srdhm(a, b); }\n"
        "int32_t rdivpot(int32_t x, int e) { return td_rdivpot(x, e); }\n"
        "int32_t mbqm(int32_t x, int32_t m, int32_t s) { return td_mbqm(x, m, s); }\n"
    )
    lib = d / "libfix.so"
    subprocess.run(
        [cc, "-std=c99", "-O2", "-shared", "-fPIC", f"-I{firmware_dir() / 'runtime'}", str(src), "-o", str(lib)],
        check=True,
        capture_output=True,
    )
    so = ctypes.CDLL(str(lib))
    for fn in (so.srdhm, so.rdivpot, so.mbqm):
        fn.restype = ctypes.c_int32
    so.srdhm.argtypes = [ctypes.c_int32, ctypes.c_int32]
    so.rdivpot.argtypes = [ctypes.c_int32, ctypes.c_int]
    so.mbqm.argtypes = [ctypes.c_int32, ctypes.c_int32, ctypes.c_int32]
    return so


@SETTINGS
@given(int32s, int32s, st.integers(0, 31))
def test_c_fixed_point_is_tflites(cfix, a: int, b: int, e: int) -> None:
    assert cfix.srdhm(a, b) == ref_srdhm(a, b)
    assert cfix.rdivpot(a, e) == ref_rounding_divide_by_pot(a, e)


@SETTINGS
@given(st.integers(-(1 << 20), 1 << 20), positive_reals.filter(lambda r: r < 2.0**10))
def test_c_mbqm_is_tflites(cfix, x: int, real: float) -> None:
    m, s = ref_quantize_multiplier(real)
    assume(abs(x) << max(s, 0) <= INT32_MAX)
    assert cfix.mbqm(x, m, s) == ref_mbqm(x, m, s)


# ---------------------------------------------------------------- in-place distance


def _inplace_ok(first_read: np.ndarray, d: int, isz: int, osz: int) -> bool:
    """Brute force: output at in_base - d, written element by element, never clobbers an
    input element a later output still reads (reads of k happen before its write)."""
    fr = [int(v) for v in first_read]
    for k in range(len(fr)):
        later = [v for v in fr[k + 1 :] if v >= 0]
        if later and -d + (k + 1) * osz > min(later) * isz:
            return False
    return True


@SETTINGS
@given(st.lists(st.integers(-1, 64), min_size=1, max_size=48), st.sampled_from([(1, 1), (4, 1), (1, 4)]))
def test_inplace_distance_is_the_smallest_safe_one(fr: list[int], sizes: tuple[int, int]) -> None:
    isz, osz = sizes
    arr = np.array(fr, dtype=np.int64)
    d = inplace_distance(arr, isz, osz)
    if all(v < 0 for v in fr[1:]):
        return  # nothing left to protect: any distance works
    assert _inplace_ok(arr, d, isz, osz)
    assert not _inplace_ok(arr, d - 1, isz, osz)


# ---------------------------------------------------------------- the memory planner


@dataclass
class _T:
    name: str
    nbytes: int
    is_variable: bool = False  # a state kept between inferences (SVDF's)


@dataclass
class _M:
    tensors: list[_T]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@st.composite
def graphs(draw):
    """A random op graph in execution order: tensors written once, read later; some
    reshapes (aliases), some in-place distances, some scratch buffers, some variable
    tensors (a state that a step reads and writes in place, written by no other)."""
    n_steps = draw(st.integers(1, 14))
    tensors = [_T("in", draw(st.integers(1, 2048)))]
    steps: list[Step] = []
    for s in range(n_steps):
        k = draw(st.integers(1, min(2, len(tensors))))
        ins = sorted(set(draw(st.lists(st.integers(0, len(tensors) - 1), min_size=k, max_size=k))))
        alias = draw(st.booleans()) and len(ins) == 1 and draw(st.integers(0, 3)) == 0
        if not alias and draw(st.integers(0, 4)) == 0:
            tensors.append(_T(f"v{len(tensors)}", draw(st.integers(1, 512)), True))
            ins.append(len(tensors) - 1)
        size = tensors[ins[0]].nbytes if alias else draw(st.integers(1, 2048))
        tensors.append(_T(f"t{len(tensors)}", size))
        out = len(tensors) - 1
        inplace = {t: draw(st.integers(-64, 512)) for t in ins if draw(st.booleans())}
        scratch = [("line", draw(st.integers(1, 256)))] if draw(st.integers(0, 4)) == 0 else []
        steps.append(
            Step(
                s,
                "RESHAPE" if alias else "OP",
                None if alias else "k",
                None,
                {},
                ins,
                [out],
                [],
                {} if alias else inplace,
                (ins[0], out) if alias else None,
                None,
                [] if alias else scratch,
            )
        )
    outputs = (len(tensors) - 1,)
    return _M(tensors, (0,), outputs), steps


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_planner_never_overlaps_live_buffers(graph) -> None:
    model, steps = graph
    plan = plan_steps(model, steps)
    bufs = list(plan.buffers.values())
    total = sum(-(-b.size // ALIGN) * ALIGN for b in bufs)
    assert plan.arena_bytes % ALIGN == 0
    assert max(b.size for b in bufs) <= plan.arena_bytes <= total  # the arena bound
    for b in bufs:
        assert b.offset % ALIGN == 0 and 0 <= b.offset and b.offset + b.size <= plan.arena_bytes
    for t, b in plan.tensor_buffer.items():  # every tensor fits its buffer
        assert model.tensors[t].nbytes <= plan.buffers[b].size
    # in-place pairs the planner may use: (out buffer, in buffer) -> D, only where the
    # input dies at the step that defines the output
    legal: dict[tuple[int, int], int] = {}
    for s, stp in enumerate(steps):
        if stp.alias:
            continue
        for t_in, d in stp.inplace.items():
            bi, bo = plan.tensor_buffer[t_in], plan.tensor_buffer[stp.outputs[0]]
            if plan.buffers[bi].last == s and plan.buffers[bo].first == s and bi != bo:
                legal[(bo, bi)] = max(legal.get((bo, bi), d), d)
    for i, x in enumerate(bufs):
        for y in bufs[i + 1 :]:
            live_together = x.first <= y.last and y.first <= x.last
            disjoint = x.offset + x.size <= y.offset or y.offset + y.size <= x.offset
            if not live_together or disjoint:
                continue
            if (x.id, y.id) in legal and x.offset <= y.offset - legal[(x.id, y.id)]:
                continue  # x written over y, which it consumes fast enough
            if (y.id, x.id) in legal and y.offset <= x.offset - legal[(y.id, x.id)]:
                continue
            pytest.fail(f"buffers {x} and {y} are live together and overlap")
    # a variable tensor's buffer lives over the whole inference
    for b in bufs:
        if any(model.tensors[t].is_variable for t in b.tensors):
            assert (b.first, b.last) == (-1, len(steps)), b
    # aliases share bytes
    for stp in steps:
        if stp.alias:
            assert plan.offset(stp.alias[0]) == plan.offset(stp.alias[1])
