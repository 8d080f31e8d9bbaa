"""A corpus of bad .tflite models, and a runner that feeds them to the CLI.

Cases come from the MLPerf Tiny models (those present in ../shared/models/mlperf-tiny):
truncated copies, random bit flips, and structural mutations made with the flatbuffer
object API (schema_py_generated): wrong and unknown dtypes, float graphs, unsupported
and unknown ops, missing op inputs, huge, negative, zero-sized and too-deep shapes, bad
quantization, cyclic and dangling tensor references, indices out of range, extra or
missing subgraphs, wrong schema versions. A few cases need no model at all (empty
file, random bytes).

Each case runs through ``inspect``, ``compile`` and ``generate`` in-process
(``tinydeploy.cli.main``). An outcome is *clear* when the command exits 0 (a mutation
that left a valid model) or exits non-zero with exactly one ``error: ...`` line on
stderr; anything else (a traceback, a crash, a hang) is a failure.

    python tests/fuzz/bad_models.py --out bench/results/bad_models.json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import flatbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as fb

REPO = Path(__file__).resolve().parents[2]
MLPERF_DIR = REPO.parent / "shared" / "models" / "mlperf-tiny"
MODELS = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "resnet": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}
COMMANDS = ("inspect", "compile", "generate")


@dataclass
class Case:
    name: str
    raw: bytes
    expect_error: bool = True  # False: the mutation may leave a valid model


def available_models() -> dict[str, bytes]:
    return {k: (MLPERF_DIR / v).read_bytes() for k, v in MODELS.items() if (MLPERF_DIR / v).is_file()}


# ---------------------------------------------------------------- object API helpers


def decode(raw: bytes) -> fb.ModelT:
    return fb.ModelT.InitFromObj(fb.Model.GetRootAs(raw, 0))


def encode(m: fb.ModelT) -> bytes:
    b = flatbuffers.Builder(1 << 16)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _sg(m: fb.ModelT) -> fb.SubGraphT:
    return m.subgraphs[0]


def _activations(m: fb.ModelT) -> list[int]:
    bufs = m.buffers
    return [
        i
        for i, t in enumerate(_sg(m).tensors)
        if t.buffer == 0 or bufs[t.buffer].data is None or len(bufs[t.buffer].data) == 0
    ]


def _op_code(m: fb.ModelT, op: fb.OperatorT) -> int:
    c = m.operatorCodes[op.opcodeIndex]
    return max(c.builtinCode, c.deprecatedBuiltinCode)


def _first_op(m: fb.ModelT, code: int) -> fb.OperatorT | None:
    return next((o for o in _sg(m).operators if _op_code(m, o) == code), None)


def _set_opcode(m: fb.ModelT, op: fb.OperatorT, builtin: int, custom: bytes | None = None) -> None:
    code = fb.OperatorCodeT()
    code.builtinCode = builtin
    code.deprecatedBuiltinCode = min(builtin, 127)
    code.customCode = custom
    code.version = 1
    m.operatorCodes.append(code)
    op.opcodeIndex = len(m.operatorCodes) - 1
    op.builtinOptionsType = 0
    op.builtinOptions = None


def _new_tensor(m: fb.ModelT, name: bytes, shape: list[int], ttype: int = fb.TensorType.INT8) -> int:
    t = fb.TensorT()
    t.name, t.shape, t.type, t.buffer = name, shape, ttype, 0
    _sg(m).tensors.append(t)
    return len(_sg(m).tensors) - 1


def _mutations() -> list[tuple[str, Callable[[fb.ModelT], None]]]:
    """(name, function that edits a decoded model in place)."""
    B = fb.BuiltinOperator

    def input_t(m: fb.ModelT) -> fb.TensorT:
        return _sg(m).tensors[_sg(m).inputs[0]]

    def output_t(m: fb.ModelT) -> fb.TensorT:
        return _sg(m).tensors[_sg(m).outputs[0]]

    def first_act_op(m: fb.ModelT) -> fb.OperatorT:
        return _sg(m).operators[0]

    def set_type(t: int):
        def f(m: fb.ModelT) -> None:
            input_t(m).type = t

        return f

    def float_graph(m: fb.ModelT) -> None:  # every activation float32, quantization dropped
        for i in _activations(m):
            t = _sg(m).tensors[i]
            t.type, t.quantization = fb.TensorType.FLOAT32, None

    def all_float(m: fb.ModelT) -> None:  # weights relabelled float32 too (buffers too short)
        for t in _sg(m).tensors:
            t.type, t.quantization = fb.TensorType.FLOAT32, None

    def op_to(builtin: int, custom: bytes | None = None):
        def f(m: fb.ModelT) -> None:
            _set_opcode(m, first_act_op(m), builtin, custom)

        return f

    def op_code_index(m: fb.ModelT) -> None:
        first_act_op(m).opcodeIndex = len(m.operatorCodes) + 3

    def drop_inputs(keep: int):
        def f(m: fb.ModelT) -> None:
            op = first_act_op(m)
            op.inputs = list(op.inputs)[:keep]

        return f

    def extra_inputs(m: fb.ModelT) -> None:
        op = first_act_op(m)
        op.inputs = list(op.inputs) + [op.inputs[0]] * 5

    def no_outputs(m: fb.ModelT) -> None:
        first_act_op(m).outputs = []

    def shape(newshape: list[int], which: str = "input"):
        def f(m: fb.ModelT) -> None:
            t = input_t(m) if which == "input" else output_t(m)
            t.shape = newshape

        return f

    def mid_shape(newshape: list[int]):
        def f(m: fb.ModelT) -> None:
            ops = _sg(m).operators
            t = _sg(m).tensors[ops[len(ops) // 2].outputs[0]]
            t.shape = newshape

        return f

    def const_shape(newshape: list[int]):
        def f(m: fb.ModelT) -> None:
            op = next(o for o in _sg(m).operators if len(o.inputs) > 1)
            _sg(m).tensors[op.inputs[1]].shape = newshape

        return f

    def quant(
        scale: list[float] | None = None, zp: list[int] | None = None, dim: int | None = None, which: str = "input"
    ):
        def f(m: fb.ModelT) -> None:
            if which == "input":
                q = input_t(m).quantization
            else:  # weights of the first op with weights
                op = next(o for o in _sg(m).operators if len(o.inputs) > 1)
                q = _sg(m).tensors[op.inputs[1]].quantization
            if q is None:
                q = input_t(m).quantization = fb.QuantizationParametersT()
            if scale is not None:
                q.scale = scale
            if zp is not None:
                q.zeroPoint = zp
            if dim is not None:
                q.quantizedDimension = dim

        return f

    def cycle(m: fb.ModelT) -> None:  # op 0 reads the last op's output
        ops = _sg(m).operators
        ops[0].inputs = [ops[-1].outputs[0]] + list(ops[0].inputs)[1:]

    def self_loop(m: fb.ModelT) -> None:
        op = _sg(m).operators[0]
        op.inputs = [op.outputs[0]] + list(op.inputs)[1:]

    def reversed_ops(m: fb.ModelT) -> None:
        _sg(m).operators.reverse()

    def dangling(m: fb.ModelT) -> None:
        idx = _new_tensor(m, b"nobody_writes_me", list(input_t(m).shape))
        op = _sg(m).operators[0]
        op.inputs = [idx] + list(op.inputs)[1:]

    def tensor_index(value: int, where: str = "input"):
        def f(m: fb.ModelT) -> None:
            op = _sg(m).operators[0]
            n = len(_sg(m).tensors)
            v = n + value if value >= 0 else value
            if where == "input":
                op.inputs = [v] + list(op.inputs)[1:]
            else:
                op.outputs = [v]

        return f

    def sg_io(which: str, value: int):
        def f(m: fb.ModelT) -> None:
            v = len(_sg(m).tensors) + value if value >= 0 else value
            setattr(_sg(m), which, [v])

        return f

    def no_sg_inputs(m: fb.ModelT) -> None:
        _sg(m).inputs = []

    def buffer_index(m: fb.ModelT) -> None:
        op = next(o for o in _sg(m).operators if len(o.inputs) > 1)
        _sg(m).tensors[op.inputs[1]].buffer = len(m.buffers) + 10

    def empty_weights(m: fb.ModelT) -> None:
        op = next(o for o in _sg(m).operators if len(o.inputs) > 1)
        m.buffers[_sg(m).tensors[op.inputs[1]].buffer].data = [1, 2, 3]

    def weights_as_activation(m: fb.ModelT) -> None:
        op = next(o for o in _sg(m).operators if len(o.inputs) > 1)
        _sg(m).tensors[op.inputs[1]].buffer = 0

    def double_writer(m: fb.ModelT) -> None:
        ops = _sg(m).operators
        ops[1].outputs = list(ops[0].outputs)

    def write_input(m: fb.ModelT) -> None:
        _sg(m).operators[0].outputs = [_sg(m).inputs[0]]

    def output_unwritten(m: fb.ModelT) -> None:
        idx = _new_tensor(m, b"unwritten_output", [1, 4])
        _sg(m).outputs = [idx]

    def two_subgraphs(m: fb.ModelT) -> None:
        m.subgraphs.append(decode(encode(m)).subgraphs[0])

    def no_subgraphs(m: fb.ModelT) -> None:
        m.subgraphs = []

    def version(v: int):
        def f(m: fb.ModelT) -> None:
            m.version = v

        return f

    def external_buffer(m: fb.ModelT) -> None:
        op = next(o for o in _sg(m).operators if len(o.inputs) > 1)
        buf = m.buffers[_sg(m).tensors[op.inputs[1]].buffer]
        buf.data, buf.offset, buf.size = None, 10**9, 4096

    def bad_activation(m: fb.ModelT) -> None:
        for op in _sg(m).operators:
            if op.builtinOptions is not None and hasattr(op.builtinOptions, "fusedActivationFunction"):
                op.builtinOptions.fusedActivationFunction = 5  # SIGN_BIT
                return
        raise LookupError

    def bad_stride(m: fb.ModelT) -> None:
        for op in _sg(m).operators:
            if op.builtinOptions is not None and hasattr(op.builtinOptions, "strideW"):
                op.builtinOptions.strideW = 0
                return
        raise LookupError

    def bad_padding(m: fb.ModelT) -> None:
        for op in _sg(m).operators:
            if op.builtinOptions is not None and hasattr(op.builtinOptions, "padding"):
                op.builtinOptions.padding = 7
                return
        raise LookupError

    def softmax_beta(m: fb.ModelT) -> None:
        op = _first_op(m, B.SOFTMAX)
        if op is None:
            raise LookupError
        op.builtinOptions.beta = float("inf")

    def reshape_size(m: fb.ModelT) -> None:
        op = _first_op(m, B.RESHAPE)
        if op is None:
            raise LookupError
        _sg(m).tensors[op.outputs[0]].shape = [1, 3]

    def conv_bias_int8(m: fb.ModelT) -> None:
        op = next((o for o in _sg(m).operators if len(o.inputs) > 2 and o.inputs[2] >= 0), None)
        if op is None:
            raise LookupError
        _sg(m).tensors[op.inputs[2]].type = fb.TensorType.INT8

    return [
        ("dtype-int16-input", set_type(fb.TensorType.INT16)),
        ("dtype-uint8-input", set_type(fb.TensorType.UINT8)),
        ("dtype-float64-input", set_type(fb.TensorType.FLOAT64)),
        ("dtype-bool-input", set_type(fb.TensorType.BOOL)),
        ("dtype-unknown-99", set_type(99)),
        ("float-activations", float_graph),
        ("float-everything", all_float),
        ("op-lstm", op_to(B.LSTM)),
        ("op-custom", op_to(B.CUSTOM, b"MyCustomOp")),
        ("op-unknown-builtin-250", op_to(250)),
        ("op-gather", op_to(B.GATHER)),
        ("op-while", op_to(B.WHILE)),
        ("opcode-index-out-of-range", op_code_index),
        ("op-missing-all-inputs", drop_inputs(0)),
        ("op-missing-weights", drop_inputs(1)),
        ("op-missing-bias", drop_inputs(2)),
        ("op-extra-inputs", extra_inputs),
        ("op-no-outputs", no_outputs),
        ("shape-huge-input", shape([1, 100000, 100000, 3])),
        ("shape-huge-overflow", shape([2**31 - 1] * 4)),
        ("shape-zero-input", shape([1, 0, 10, 1])),
        ("shape-zero-output", shape([0, 4], "output")),
        ("shape-negative", shape([1, -5, 10, 1])),
        ("shape-rank-9", shape([1] * 9)),
        ("shape-scalar-input", shape([])),
        ("shape-mid-mismatch", mid_shape([1, 7, 3, 5])),
        ("shape-mid-huge", mid_shape([1, 4096, 4096, 64])),
        ("shape-weights-wrong", const_shape([3, 3])),
        ("shape-weights-huge", const_shape([1 << 20, 1 << 20])),
        ("quant-scale-zero", quant([0.0])),
        ("quant-scale-nan", quant([float("nan")])),
        ("quant-scale-negative", quant([-0.5])),
        ("quant-scale-inf", quant([float("inf")])),
        ("quant-zp-mismatch", quant([0.1, 0.2], [0])),
        ("quant-per-channel-wrong-count", quant([0.1] * 3, [0] * 3, 0, "weights")),
        ("quant-per-channel-wrong-axis", quant(None, None, 7, "weights")),
        ("quant-zp-out-of-range", quant([0.1], [1000])),
        ("graph-cycle", cycle),
        ("graph-self-loop", self_loop),
        ("graph-ops-reversed", reversed_ops),
        ("graph-dangling-tensor", dangling),
        ("tensor-index-past-end", tensor_index(5)),
        ("tensor-index-negative", tensor_index(-7)),
        ("tensor-output-index-past-end", tensor_index(2, "output")),
        ("tensor-output-index-minus-one", tensor_index(-1, "output")),
        ("subgraph-input-past-end", sg_io("inputs", 3)),
        ("subgraph-output-negative", sg_io("outputs", -2)),
        ("subgraph-no-inputs", no_sg_inputs),
        ("buffer-index-past-end", buffer_index),
        ("buffer-too-short", empty_weights),
        ("weights-without-buffer", weights_as_activation),
        ("buffer-external-past-end", external_buffer),
        ("tensor-written-twice", double_writer),
        ("op-writes-model-input", write_input),
        ("output-written-by-no-op", output_unwritten),
        ("two-subgraphs", two_subgraphs),
        ("no-subgraphs", no_subgraphs),
        ("schema-version-2", version(2)),
        ("schema-version-huge", version(2**31)),
        ("option-activation-sign-bit", bad_activation),
        ("option-stride-zero", bad_stride),
        ("option-padding-unknown", bad_padding),
        ("option-softmax-beta-inf", softmax_beta),
        ("reshape-size-mismatch", reshape_size),
        ("bias-int8", conv_bias_int8),
    ]


def _raw_cases() -> list[Case]:
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    return [
        Case("raw-empty", b""),
        Case("raw-seven-bytes", b"TFL3TFL"),
        Case("raw-random", junk),
        Case("raw-random-with-id", junk[:4] + b"TFL3" + junk[8:]),
        Case("raw-text", b"this is not a model\n" * 20),
        Case("raw-zero-root", b"\x00\x00\x00\x00TFL3" + bytes(64)),
        Case("raw-root-past-end", b"\xff\xff\xff\x7fTFL3" + bytes(64)),
        Case("raw-root-loop", b"\x00\x00\x00\x00TFL3\x00\x00\x00\x00"),
    ]


@lru_cache(maxsize=4)
def build_corpus(bitflips_per_model: int = 12, truncations: int = 8) -> tuple[Case, ...]:
    """Every case, deterministically (fixed seeds)."""
    return tuple(_build_corpus(bitflips_per_model, truncations))


def _build_corpus(bitflips_per_model: int, truncations: int) -> list[Case]:
    cases = _raw_cases()
    for key, raw in available_models().items():
        n = len(raw)
        for cut in sorted({4, 8, 24, 100, n // 4, n // 2, n - 200, n - 1})[:truncations]:
            cases.append(Case(f"{key}-truncated-{cut}", raw[:cut], expect_error=cut < n - 1))
        rng = random.Random(f"{key}-flips")
        # flips in the flatbuffer structure: the first 64 bytes and the tail hold the
        # root table, vtables, vectors and offsets (weights sit in between)
        for i in range(bitflips_per_model):
            data = bytearray(raw)
            for _ in range(1 + i % 3):
                pos = rng.randrange(0, 64) if i % 2 == 0 else rng.randrange(n - 2048, n)
                data[pos] ^= 1 << rng.randrange(8)
            cases.append(Case(f"{key}-bitflip-{i}", bytes(data), expect_error=False))
        for name, mutate in _mutations():
            m = decode(raw)
            try:
                mutate(m)
            except LookupError:  # the model has nothing this mutation applies to
                continue
            cases.append(Case(f"{key}-{name}", encode(m)))
    return cases


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    case: str
    command: str
    code: int | None
    clear: bool
    error: str
    seconds: float


def _argv(command: str, model: Path, out: Path) -> list[str]:
    if command == "inspect":
        return ["inspect", str(model)]
    if command == "compile":
        return ["compile", str(model), "-o", str(out / "compiled")]
    # the AOT path (--runtime auto would build TFLite Micro for a model it cannot lower)
    return ["generate", str(model), "--board", "host", "--runtime", "aot", "-o", str(out / "project")]


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """stdout/stderr of the in-process CLI (rich consoles write to sys.std*)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def run_case(case: Case, command: str, work: Path) -> Outcome:
    from tinydeploy.cli import main

    work.mkdir(parents=True, exist_ok=True)
    model = work / f"{case.name}.tflite"
    model.write_bytes(case.raw)
    started = time.monotonic()
    with _captured() as (_, err):
        try:
            code: int | None = main(_argv(command, model, work))
            text = err.getvalue()
        except BaseException as exc:  # a traceback: exactly what must never happen
            code = None
            text = f"{type(exc).__name__}: {exc}"
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if code == 0:
        clear = True
    elif code is None:
        clear = False
    else:
        clear = len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in text
    return Outcome(case.name, command, code, clear, lines[-1] if lines else "", round(time.monotonic() - started, 2))


def summarize(outcomes: list[Outcome], cases: list[Case]) -> dict:
    errors = [o for o in outcomes if o.code != 0]
    expected = {c.name for c in cases if c.expect_error}
    accepted_bad = sorted({o.case for o in outcomes if o.code == 0 and o.case in expected and o.command == "inspect"})
    return {
        "cases": len(cases),
        "runs": len(outcomes),
        "commands": list(COMMANDS),
        "errors": len(errors),
        "clear_errors": sum(o.clear for o in errors),
        "share_clear_errors": round(sum(o.clear for o in errors) / len(errors), 4) if errors else 1.0,
        "accepted_runs": sum(o.code == 0 for o in outcomes),
        "unclear": [vars(o) for o in outcomes if not o.clear],
        "bad_cases_inspect_accepted": accepted_bad,
        "slowest": max((vars(o) for o in outcomes), key=lambda d: d["seconds"], default=None),
    }


def main(argv: list[str] | None = None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description="Run the bad-model corpus through the CLI.")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    cases = build_corpus()
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            for cmd in COMMANDS:
                outcomes.append(run_case(case, cmd, Path(tmp) / str(i) / cmd))
    report = summarize(outcomes, cases)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0 if not report["unclear"] else 1


if __name__ == "__main__":
    sys.exit(main())
