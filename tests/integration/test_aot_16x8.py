"""The AOT compiler's 16x8 kernels (int16 activations, int8 weights, int64 biases):
FULLY_CONNECTED, CONV_2D (grouped too), DEPTHWISE_CONV_2D, TRANSPOSE_CONV, BATCH_MATMUL, the
two poolings, SOFTMAX, ADD, SUB, MUL, LOGISTIC, TANH, CONCATENATION, PAD, MEAN, SUM, the RELUs,
ABS, PRELU, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, QUANTIZE between int8, int16 and int32,
QUANTIZE float32 -> int16 and DEQUANTIZE int16 -> float32 (the int16 data movement ops and
a chain of the int16 element-wise ops on qemu-m4: test_aot_ops.py),
bit-exact with the tflite-micro package under every kernel mode, on the host and on qemu-m4
through `--runtime auto`. Keras models converted by TensorFlow's real 16x8 converter."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinydeploy
from tinydeploy.cli import main
from tinydeploy.compile import KERNEL_MODES, unsupported_ops
from tinydeploy.model.convert import convert
from tinydeploy.model.ir import parse_model

pytestmark = pytest.mark.slow


def _with_random_biases(model, seed: int):  # -> the same keras.Model
    """Non-zero biases (an untrained layer's are zeros, which would hide a bias bug)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if len(weights) == 2:
            kernel, bias = weights
            layer.set_weights([kernel, rng.normal(0, 0.3, bias.shape).astype(np.float32)])
    return model


def _keras(kind: str):  # -> keras.Model
    import tensorflow as tf

    tf.keras.utils.set_random_seed(3)
    L = tf.keras.layers
    if kind == "mlp":
        inp = tf.keras.Input((24,))
        x = L.Dense(32, activation="relu")(inp)
        x = L.Dense(16, activation="relu6")(x)
        out = L.Dense(5)(x)
    elif kind == "mix":  # the element-wise ops: ADD, SUB, MUL (broadcast), TANH, LOGISTIC, ...
        inp = tf.keras.Input((8, 8, 3))
        a = L.Conv2D(6, 3, padding="same")(inp)
        b = L.Conv2D(6, 1, activation="tanh")(inp)
        g = L.Conv2D(6, 1, activation="sigmoid")(inp)
        x = L.Subtract()([L.Multiply()([L.Add()([a, b]), g]), a])
        x = L.ReLU(max_value=6.0)(L.LeakyReLU(0.2)(x))
        x = L.Concatenate()([L.ZeroPadding2D(1)(x), L.ZeroPadding2D(1)(inp)])
        x = L.Conv2D(8, 3, strides=2, activation="relu")(x)
        se = L.Dense(8, activation="sigmoid")(L.GlobalAveragePooling2D(keepdims=True)(x))
        x = L.GlobalAveragePooling2D()(L.Multiply()([x, se]))  # squeeze-excite: a broadcast MUL
        out = L.Dense(4)(x)
    else:  # conv: strides, SAME/VALID padding, dilation, groups, depth multiplier
        inp = tf.keras.Input((12, 12, 4))
        x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inp)
        x = L.Conv2D(8, 3, padding="same", groups=2, activation="relu")(x)  # grouped
        x = L.MaxPooling2D(2, strides=1, padding="same")(x)
        x = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu")(x)
        x = L.AveragePooling2D(2, strides=1, padding="same")(x)
        x = L.Conv2D(6, 3, dilation_rate=2, padding="valid")(x)
        x = L.DepthwiseConv2D(2, strides=2, padding="valid")(x)
        x = L.Flatten()(x)
        out = L.Softmax()(L.Dense(4)(x))
    return _with_random_biases(tf.keras.Model(inp, out, name=f"aot16_{kind}"), 7)


@pytest.fixture(scope="module")
def models16(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("aot16")
    out = {}
    for kind in ("mlp", "conv", "mix"):
        model = _keras(kind)
        model.save(d / f"{kind}.keras")
        shape = (64, *model.inputs[0].shape[1:])
        np.save(d / f"{kind}.npy", np.random.default_rng(1).standard_normal(shape).astype(np.float32))
        path = d / f"{kind}16.tflite"
        path.write_bytes(convert(d / f"{kind}.keras", d / f"{kind}.npy", activations="int16").tflite)
        out[kind] = path
    return out


def test_the_16x8_models_have_what_the_kernels_must_handle(models16) -> None:
    conv = parse_model(models16["conv"].read_bytes())
    want = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "AVERAGE_POOL_2D", "SOFTMAX"}
    assert want <= set(conv.opcodes)
    grouped = [
        op
        for op in conv.ops
        if op.opcode == "CONV_2D" and conv.tensors[op.inputs[1]].shape[3] < conv.tensors[op.inputs[0]].shape[3]
    ]
    assert grouped, "no grouped CONV_2D in the model"
    mix = parse_model(models16["mix"].read_bytes())
    want = {"ADD", "SUB", "MUL", "TANH", "LOGISTIC", "LEAKY_RELU", "RELU6", "PAD", "CONCATENATION", "MEAN", "QUANTIZE"}
    assert want <= set(mix.opcodes)
    for path in models16.values():
        model = parse_model(path.read_bytes())
        assert unsupported_ops(model) == []
        biases = [model.tensors[op.inputs[2]] for op in model.ops if len(op.inputs) > 2 and op.inputs[2] >= 0]
        assert biases and all(b.dtype == "int64" for b in biases)
        assert any(np.any(b.data != 0) for b in biases)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("kernels", [k for k in KERNEL_MODES if k != "auto"])
@pytest.mark.parametrize("kind", ["mlp", "conv", "mix"])
def test_16x8_aot_is_bit_exact_on_the_host_under_every_kernel_mode(
    models16, tmp_path: Path, kind: str, kernels: str
) -> None:
    r = tinydeploy.compile(models16[kind], tmp_path / "out", check=40, kernels=kernels)
    report = r.report
    assert report["check"]["exact_match_rate"] == 1.0 and report["check"]["inputs"] == 40
    kernels_used = {o["kernel"] for o in report["op_kernels"] if o.get("kernel")}
    assert kernels_used <= {
        "td_conv2d_s16",
        "td_depthwise_conv2d_s16",
        "td_fully_connected_s16",
        "td_max_pool2d_s16",
        "td_avg_pool2d_s16",
        "td_softmax_s16",
        *(f"td_{k}_s16" for k in ("add", "sub", "mul", "tanh", "logistic", "leaky_relu", "relu")),
        "td_mean_s16",
        # the element-size generic kernels: QUANTIZE int16 -> int16, PAD, CONCATENATION
        "td_requantize",
        "td_pad",
        "td_concat",
    }


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm")
@pytest.mark.parametrize("kind", ["mlp", "conv", "mix"])
def test_16x8_keras_models_go_aot_with_runtime_auto_on_qemu_m4(
    models16, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    code = main(
        ["flash", str(models16[kind]), "--board", "qemu-m4", "--check", "10", "--runs", "1", "--json"]
        + ["-o", str(tmp_path / "out")]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["runtime"] == "aot" and r["runtime_choice"]["requested"] == "auto"
    assert r["exact_match_rate"] == 1.0 and r["check"]["inputs"] == 10
    assert r["device_info"]["input"]["dtype"] == "int16"


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm")
@pytest.mark.parametrize(
    "board,kernels",
    [("qemu-m4", "reference"), ("qemu-m4", "dsp-small"), ("qemu-m4", "v7m"), ("qemu-m0", "v6m"), ("qemu-m55", "mve")],
)
def test_16x8_conv_is_bit_exact_on_each_core_and_kernel_mode(
    models16, tmp_path: Path, capsys: pytest.CaptureFixture[str], board: str, kernels: str
) -> None:
    code = main(
        ["flash", str(models16["conv"]), "--board", board, "--runtime", "aot", "--kernels", kernels]
        + ["--check", "5", "--runs", "1", "--json", "-o", str(tmp_path / "out")]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    r = json.loads(captured.out.strip().splitlines()[-1])
    assert r["runtime"] == "aot" and r["exact_match_rate"] == 1.0 and r["check"]["inputs"] == 5


def _op16(kind: str, seed: int) -> bytes:
    """One 16x8 op as a flatbuffer, with shapes, strides, padding, dilation, groups,
    depth multiplier, fused activation, per-channel or per-tensor weights and a bias
    (or none) drawn from ``seed``; the output scale spreads outputs over int16 (and
    saturates some)."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    s_in = float(rng.uniform(0.5, 2.0)) / 32768
    act = int(rng.choice([0, 1, 3]))  # NONE, RELU, RELU6
    if kind == "fc":
        batches, depth, out = (int(v) for v in rng.integers([1, 1, 1], [4, 40, 20]))
        x = g.input([batches, depth], s_in, 0, "int16")
        per_channel = bool(rng.integers(2))
        ws = list(rng.uniform(0.002, 0.02, out)) if per_channel else float(rng.uniform(0.002, 0.02))
        w = g.const(rng.integers(-127, 128, [out, depth]), "int8", scale=ws, zp=[0] * out if per_channel else 0)
        taps, w0, n_out = depth, (ws[0] if per_channel else ws), [batches, out]
    else:
        n = int(rng.integers(1, 3))
        h, wd = (int(v) for v in rng.integers(3, 11, 2))
        kh, kw = (int(v) for v in rng.integers(1, 4, 2))
        sh, sw = (int(v) for v in rng.integers(1, 3, 2))
        dh, dw = (int(v) for v in rng.integers(1, 3, 2)) if rng.integers(3) == 0 else (1, 1)
        padding = int(rng.integers(2))  # 0 SAME, 1 VALID
        if padding == 1 and ((kh - 1) * dh + 1 > h or (kw - 1) * dw + 1 > wd):
            padding = 0
        if kind == "conv":
            groups = int(rng.choice([1, 1, 2, 3]))
            fc = int(rng.integers(1, 4))
            ic, oc = fc * groups, groups * int(rng.integers(1, 4))
            wshape, axis, mult = [oc, kh, kw, fc], 0, 1
        else:
            ic = int(rng.integers(1, 6))
            mult = int(rng.integers(1, 4))
            oc, fc = ic * mult, 1
            wshape, axis = [1, kh, kw, oc], 3
        ws = list(rng.uniform(0.002, 0.02, oc))
        x = g.input([n, h, wd, ic], s_in, 0, "int16")
        w = g.const(rng.integers(-127, 128, wshape), "int8", scale=ws, zp=[0] * oc, axis=axis)
        eff = lambda size, k, s, d: (size + s - 1) // s if padding == 0 else (size - ((k - 1) * d + 1)) // s + 1  # noqa: E731
        n_out = [n, eff(h, kh, sh, dh), eff(wd, kw, sw, dw), oc]
        taps, w0, out = kh * kw * fc, ws[0], oc
    s_out = s_in * w0 * 127 * 32768 * np.sqrt(taps) / 32768 / float(rng.uniform(1.0, 4.0))
    y = g.tensor(n_out, float(s_out), 0, "int16")
    bias = rng.integers(-(1 << 24), 1 << 24, out) if rng.integers(4) else None
    inputs = [x, w] + ([g.const(bias, "int64", scale=[s_in * 0.01] * out, zp=[0] * out)] if bias is not None else [])
    if kind == "fc":
        g.op("FULLY_CONNECTED", inputs, [y], "FullyConnectedOptions", fusedActivationFunction=act)
    elif kind == "conv":
        g.op("CONV_2D", inputs, [y], "Conv2DOptions", padding=padding, strideH=sh, strideW=sw,
             dilationHFactor=dh, dilationWFactor=dw, fusedActivationFunction=act)  # fmt: skip
    else:
        if bias is None:  # TFLite Micro's int16 depthwise dereferences a missing bias
            inputs.append(g.const(np.zeros(out, np.int64), "int64", scale=[s_in * 0.01] * out, zp=[0] * out))
        g.op("DEPTHWISE_CONV_2D", inputs, [y], "DepthwiseConv2DOptions", padding=padding, strideH=sh, strideW=sw,
             depthMultiplier=mult, dilationHFactor=dh, dilationWFactor=dw, fusedActivationFunction=act)  # fmt: skip
    return g.build([x], [y])


def _pool16(kind: str, seed: int) -> bytes:
    """MAX_POOL_2D or AVERAGE_POOL_2D of int16 tensors (one scale in and out), drawn."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    n, h, w, c = (int(v) for v in rng.integers([1, 2, 2, 1], [3, 10, 10, 6]))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    sh, sw = (int(v) for v in rng.integers(1, 3, 2))
    padding = int(rng.integers(2)) if kh <= h and kw <= w else 0
    size = lambda i, k, st: (i + st - 1) // st if padding == 0 else (i - k) // st + 1  # noqa: E731
    scale = float(rng.uniform(0.5, 2.0)) / 32768
    x = g.input([n, h, w, c], scale, 0, "int16")
    y = g.tensor([n, size(h, kh, sh), size(w, kw, sw), c], scale, 0, "int16")
    g.op(kind, [x], [y], "Pool2DOptions", padding=padding, strideH=sh, strideW=sw, filterHeight=kh,
         filterWidth=kw, fusedActivationFunction=int(rng.choice([0, 1, 3])))  # fmt: skip
    return g.build([x], [y])


def _softmax16(seed: int) -> bytes:
    """SOFTMAX of int16 tensors: rows, depth, input scale (narrow to wide) and beta drawn."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    rows, depth = int(rng.integers(1, 5)), int(rng.integers(1, 40))
    scale = float(10 ** rng.uniform(-5.5, -2.5))  # +-0.1 .. +-100 over int16
    x = g.input([rows, depth], scale, 0, "int16")
    y = g.tensor([rows, depth], 1 / 32768, 0, "int16")
    g.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=float(rng.choice([1.0, 0.5, 2.0])))
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(10))
def test_16x8_softmax_is_bit_exact_over_drawn_scales(tmp_path: Path, seed: int) -> None:
    from op_models import check_model

    result = check_model(_softmax16(seed), tmp_path, inputs=20, seed=seed)
    assert result["exact_match_rate"] == 1.0, (seed, result)
    assert result["kernels"] == ["td_softmax_s16"]


def _add16(seed: int) -> bytes:
    """x + conv1x1(x): ADD of two int16 activations of one shape and different scales
    (the second made by a 1x1 CONV_2D); scales and the fused activation drawn."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    c = int(rng.integers(1, 6))
    shape = [1, *(int(v) for v in rng.integers(1, 7, 2)), c]
    s1, s2, so = (float(10 ** rng.uniform(-5, -3)) for _ in range(3))
    x = g.input(shape, s1, 0, "int16")
    ws = list(rng.uniform(0.002, 0.02, c))
    w = g.const(rng.integers(-127, 128, [c, 1, 1, c]), "int8", scale=ws, zp=[0] * c)
    h = g.tensor(shape, s2, 0, "int16")
    bias = g.const(rng.integers(-1000, 1000, c), "int64", scale=[s1 * v for v in ws], zp=[0] * c)
    g.op("CONV_2D", [x, w, bias], [h], "Conv2DOptions", padding=1, strideH=1, strideW=1)
    y = g.tensor(shape, so, 0, "int16")
    g.op("ADD", [x, h], [y], "AddOptions", fusedActivationFunction=int(rng.choice([0, 1, 3])))
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(8))
def test_16x8_add_is_bit_exact_over_drawn_scales(tmp_path: Path, seed: int) -> None:
    from op_models import check_model

    result = check_model(_add16(seed), tmp_path, inputs=20, seed=seed)
    assert result["exact_match_rate"] == 1.0, (seed, result)
    assert set(result["kernels"]) == {"td_conv2d_s16", "td_add_s16"}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_softmax_s16_tables_are_what_the_generator_prints(tmp_path: Path) -> None:
    """td_softmax_s16.c's two tables are scripts/softmax_s16_lut.c's output (TFLite's
    LUTPopulateInt16<float> with expf)."""
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    exe = tmp_path / "lut"
    subprocess.run(
        ["gcc", "-O2", "-ffp-contract=off", str(repo / "scripts" / "softmax_s16_lut.c"), "-o", str(exe), "-lm"],
        check=True,
    )
    printed = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    source = (repo / "firmware" / "runtime" / "td_softmax_s16.c").read_text()
    between = source.split("/* BEGIN scripts/softmax_s16_lut.c */")[1].split("/* END scripts/softmax_s16_lut.c */")[0]
    numbers = lambda text: [int(v) for v in re.findall(r"-?\d+", text.split("=", 1)[1])]  # noqa: E731
    for got, want in zip(between.split("};")[:2], printed.split("};")[:2]):
        assert numbers(got) == numbers(want)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
def test_16x8_pooling_is_bit_exact_over_drawn_shapes(tmp_path: Path, kind: str, seed: int) -> None:
    from op_models import check_model

    result = check_model(_pool16(kind, seed), tmp_path, inputs=20, seed=seed)
    assert result["exact_match_rate"] == 1.0, (kind, seed, result)
    assert set(result["kernels"]) <= {"td_max_pool2d_s16", "td_avg_pool2d_s16"}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["fc", "conv", "depthwise"])
def test_16x8_single_ops_are_bit_exact_over_drawn_shapes(tmp_path: Path, kind: str, seed: int) -> None:
    from op_models import check_model

    raw = _op16(kind, seed)
    result = check_model(raw, tmp_path, inputs=20, seed=seed)
    assert result["exact_match_rate"] == 1.0, (kind, seed, result)
    assert set(result["kernels"]) <= {"td_conv2d_s16", "td_depthwise_conv2d_s16", "td_fully_connected_s16"}


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="needs arm-none-eabi-gcc")
@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm")
def test_flash_converts_a_keras_model_in_the_16x8_mode(models16, tmp_path: Path) -> None:
    """`flash --activations int16` (Python: activations="int16") converts, compiles AOT
    and checks the samples on qemu-m4."""
    folder = models16["mlp"].parent
    r = tinydeploy.flash(folder / "mlp.keras", "qemu-m4", data=folder / "mlp.npy", activations="int16", check=8, runs=1)
    assert r.report["runtime"] == "aot" and r.report["exact_match_rate"] == 1.0
    assert r.report["device_info"]["input"]["dtype"] == "int16"
    assert r.report["check"]["source"] == "data" and r.report["check"]["inputs"] == 8


_MODES = [k for k in KERNEL_MODES if k != "auto"]


def _binary16(kind: str, seed: int) -> bytes:
    """One ADD / SUB / MUL of int16 tensors on one input x [1, H, W, C] (td_model.h
    has one input): the other operand is x through a 1x1 CONV_2D (same shape), a full
    AVERAGE_POOL_2D ([1, 1, 1, C], reshaped to [C] or [1, C]: broadcast over H and W),
    a 1x1 CONV_2D to one channel ([1, H, W, 1]: broadcast over C) or a constant of any
    of those shapes; x first or second; drawn scales and fused activation."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    h, w, c = (int(v) for v in rng.integers(1, 6, 3))
    s1, s2, so = (float(10 ** rng.uniform(-5, -2)) for _ in range(3))
    if kind == "MUL":
        so = float(s1 * s2 * 10 ** rng.uniform(2, 4.5))
    if kind in ("MAXIMUM", "MINIMUM"):  # raw values compared: the converter gives one scale
        s2 = so = s1
    if kind == "SQUARED_DIFFERENCE":  # the output scale holds most squares
        so = float(max(s1, s2) ** 2 * 2 ** rng.uniform(10, 18))
    x = g.input([1, h, w, c], s1, 0, "int16")
    form = ["same", "hw", "hw_c", "hw_1c", "c"][seed % 5]
    shape = {"same": [1, h, w, c], "hw": [1, 1, 1, c], "hw_c": [c], "hw_1c": [1, c], "c": [1, h, w, 1]}[form]
    if seed % 3 == 2:
        other = g.const(rng.integers(-32768, 32768, shape), "int16", scale=s2, zp=0)
    elif form in ("same", "c"):
        oc = c if form == "same" else 1
        ws = list(rng.uniform(0.002, 0.02, oc))
        wt = g.const(rng.integers(-127, 128, [oc, 1, 1, c]), "int8", scale=ws, zp=[0] * oc)
        bias = g.const(rng.integers(-1000, 1000, oc), "int64", scale=[s1 * v for v in ws], zp=[0] * oc)
        other = g.tensor(shape, s2, 0, "int16")
        g.op("CONV_2D", [x, wt, bias], [other], "Conv2DOptions", padding=1, strideH=1, strideW=1)
    else:
        pooled = g.tensor([1, 1, 1, c], s1, 0, "int16")
        g.op("AVERAGE_POOL_2D", [x], [pooled], "Pool2DOptions", padding=1, strideH=1, strideW=1,
             filterHeight=h, filterWidth=w)  # fmt: skip
        other = pooled
        if form != "hw":
            other = g.tensor(shape, s1, 0, "int16")
            g.op("RESHAPE", [pooled, g.const(shape)], [other], "ReshapeOptions", newShape=shape)
    ins = [x, other] if seed % 2 == 0 else [other, x]
    y = g.tensor([1, h, w, c], so, 0, "int16")
    options = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}.get(kind)
    act = int(rng.choice([0, 1, 3]))
    g.op(kind, ins, [y], options, **({"fusedActivationFunction": act} if options else {}))
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", ["ADD", "SUB", "MUL"])
def test_16x8_add_sub_mul_are_bit_exact_with_broadcasting_and_constants(tmp_path: Path, kind: str, seed: int) -> None:
    from op_models import check_model

    kernels = _MODES[seed % len(_MODES)]
    result = check_model(_binary16(kind, seed), tmp_path, inputs=20, seed=seed, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (kind, seed, kernels, result)
    assert f"td_{kind.lower()}_s16" in result["kernels"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("kind", ["MAXIMUM", "MINIMUM"])
def test_16x8_maximum_minimum_are_bit_exact_with_broadcasting_and_constants(
    tmp_path: Path, kind: str, seed: int
) -> None:
    """The raw int16 values compared (td_minmax, the int8 and int32 kernel too)."""
    from op_models import check_model

    kernels = _MODES[seed % len(_MODES)]
    result = check_model(_binary16(kind, seed), tmp_path, inputs=20, seed=seed, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (kind, seed, kernels, result)
    assert "td_minmax" in result["kernels"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(12))
def test_16x8_squared_difference_is_bit_exact_with_broadcasting_and_constants(tmp_path: Path, seed: int) -> None:
    """int16 SQUARED_DIFFERENCE: no headroom shift, zero points 0, saturated to int16
    (td_squared_difference, the int8 kernel too); drawn scales."""
    from op_models import check_model

    kernels = _MODES[seed % len(_MODES)]
    result = check_model(_binary16("SQUARED_DIFFERENCE", seed), tmp_path, inputs=20, seed=seed, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (seed, kernels, result)
    assert "td_squared_difference" in result["kernels"]


def _sigmoid16(kind: str, scale: float) -> bytes:
    from op_models import Graph

    g = Graph()
    x = g.input([1, 64, 64], scale, 0, "int16")
    y = g.tensor([1, 64, 64], 2.0**-15, 0, "int16")
    g.op(kind, [x], [y])
    return g.build([x], [y])


# power-of-two scales (multiplier 0: 2^-12 for both, 2^-11 for TANH only), a power of two
# that takes the general path, scales just off a power of two, and drawn ones
_SIGMOID_SCALES = [2.0**-12, 2.0**-11, 2.0**-13, 2.0**-12 * 1.0005, 2.0**-12 * 1.002, 1 / 6144, 0.9] + [
    float(10 ** np.random.default_rng(s).uniform(-7, -0.5)) for s in range(6)
]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("scale", _SIGMOID_SCALES)
@pytest.mark.parametrize("kind", ["LOGISTIC", "TANH"])
def test_16x8_logistic_tanh_are_bit_exact_on_every_int16_input(tmp_path: Path, kind: str, scale: float) -> None:
    """Every int16 input value (16 inputs of 4096), so each table entry and each
    interpolation step of TFLite's sigmoid table is met."""
    from op_models import check_model

    data = np.arange(-32768, 32768, dtype=np.int16).reshape(16, 1, 64, 64)
    kernels = _MODES[_SIGMOID_SCALES.index(scale) % len(_MODES)]
    result = check_model(_sigmoid16(kind, scale), tmp_path, data=data, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (kind, scale, kernels, result)
    assert result["kernels"] == [f"td_{kind.lower()}_s16"]


def test_sigmoid_s16_table_is_what_the_script_reads_from_the_oracle() -> None:
    """td_sigmoid_s16.h's table is scripts/sigmoid_s16_lut.py's output (read back from
    tflite-micro's int16 TANH)."""
    import importlib.util

    repo = Path(tinydeploy.__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("sigmoid_s16_lut", repo / "scripts" / "sigmoid_s16_lut.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = (repo / "firmware" / "runtime" / "td_sigmoid_s16.h").read_text()
    between = source.split("/* BEGIN scripts/sigmoid_s16_lut.py */")[1].split("/* END scripts/sigmoid_s16_lut.py */")[0]
    values = [int(v) for v in re.findall(r"\d+", between.split("=", 1)[1])]
    assert values == module.table()


def _conv1x1_16(g, rng, x: int, shape: list[int], s_in: float, oc: int, s_out: float) -> int:  # -> tensor
    c = shape[-1]
    ws = list(rng.uniform(0.002, 0.02, oc))
    wt = g.const(rng.integers(-127, 128, [oc, 1, 1, c]), "int8", scale=ws, zp=[0] * oc)
    bias = g.const(rng.integers(-1000, 1000, oc), "int64", scale=[s_in * v for v in ws], zp=[0] * oc)
    h = g.tensor([*shape[:-1], oc], s_out, 0, "int16")
    g.op("CONV_2D", [x, wt, bias], [h], "Conv2DOptions", padding=1, strideH=1, strideW=1)
    return h


def _move16(kind: str, seed: int) -> bytes:
    """CONCATENATION of x and a 1x1 CONV_2D of it (drawn axis, order and scales: TFLite
    Micro copies int16 whatever the scales), or PAD / PADV2 of x (drawn rank,
    paddings and int16 constant)."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    s1 = float(10 ** rng.uniform(-5, -3))
    if kind == "CONCATENATION":
        shape = [1, *(int(v) for v in rng.integers(1, 6, 3))]
        x = g.input(shape, s1, 0, "int16")
        axis = int(rng.integers(-4, 4))
        oc = int(rng.integers(1, 6)) if axis in (3, -1) else shape[3]
        s2 = s1 if seed % 2 else float(10 ** rng.uniform(-5, -3))
        h = _conv1x1_16(g, rng, x, shape, s1, oc, s2)
        ins = [x, h] if seed % 3 else [h, x]
        out = list(shape)
        out[axis] = shape[axis] + (oc if axis in (3, -1) else shape[axis])
        y = g.tensor(out, s1, 0, "int16")
        g.op("CONCATENATION", ins, [y], "ConcatenationOptions", axis=axis)
        return g.build([x], [y])
    rank = int(rng.integers(1, 5))
    shape = [int(v) for v in rng.integers(1, 6, rank)]
    x = g.input(shape, s1, 0, "int16")
    pads = rng.integers(0, 3, [rank, 2])
    y = g.tensor([int(v + a + b) for v, (a, b) in zip(shape, pads)], s1, 0, "int16")
    paddings = g.const(pads, "int32")
    if kind == "PADV2":
        value = g.const([int(rng.integers(-32768, 32768))], "int16", shape=[], scale=s1, zp=0)
        g.op("PADV2", [x, paddings, value], [y], "PadV2Options")
    else:
        g.op("PAD", [x, paddings], [y], "PadOptions")
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind", ["CONCATENATION", "PAD", "PADV2"])
def test_16x8_concatenation_and_pad_are_bit_exact_over_drawn_shapes(tmp_path: Path, kind: str, seed: int) -> None:
    from op_models import check_model

    kernels = _MODES[seed % len(_MODES)]
    result = check_model(_move16(kind, seed), tmp_path, inputs=10, seed=seed, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (kind, seed, kernels, result)
    assert {"CONCATENATION": "td_concat"}.get(kind, "td_pad") in result["kernels"]


def _relu16(kind: str, seed: int) -> bytes:
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    si = float(10 ** rng.uniform(-5, -2))
    so = si if seed % 4 == 0 else float(si * 10 ** rng.uniform(-1, 1))
    x = g.input([1, 64, 64], si, 0, "int16")
    y = g.tensor([1, 64, 64], so, 0, "int16")
    if kind == "LEAKY_RELU":
        g.op(kind, [x], [y], "LeakyReluOptions", alpha=float(rng.uniform(-0.5, 0.9)))
    else:
        g.op(kind, [x], [y])
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("kind", ["RELU", "RELU6", "LEAKY_RELU"])
def test_16x8_relu_family_is_bit_exact_on_every_int16_input(tmp_path: Path, kind: str, seed: int) -> None:
    from op_models import check_model

    data = np.arange(-32768, 32768, dtype=np.int16).reshape(16, 1, 64, 64)
    kernels = _MODES[seed % len(_MODES)]
    result = check_model(_relu16(kind, seed), tmp_path, data=data, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (kind, seed, kernels, result)
    assert result["kernels"] == ["td_leaky_relu_s16" if kind == "LEAKY_RELU" else "td_relu_s16"]


def _mean16(kind: str, seed: int) -> bytes:
    """MEAN or SUM of x over drawn axes (negative ones too), keep_dims drawn."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    rank = int(rng.integers(1, 5))
    shape = [int(v) for v in rng.integers(1, 7, rank)]
    si = float(10 ** rng.uniform(-5, -2))
    so = float(si * 10 ** rng.uniform(-0.5, 1.5 if kind == "SUM" else 0.5))
    x = g.input(shape, si, 0, "int16")
    axes = sorted({int(a) for a in rng.choice(rank, int(rng.integers(1, rank + 1)), replace=False)})
    axes = [a - rank if rng.random() < 0.3 else a for a in axes]
    keep = bool(seed % 2)
    out = [1 if (d in axes or d - rank in axes) else v for d, v in enumerate(shape)]
    if not keep:
        out = [v for d, v in enumerate(shape) if not (d in axes or d - rank in axes)]
    y = g.tensor(out, so, 0, "int16")
    g.op(kind, [x, g.const(axes, "int32")], [y], "ReducerOptions", keepDims=keep)
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("kind", ["MEAN", "SUM"])
def test_16x8_mean_and_sum_are_bit_exact_over_drawn_axes(tmp_path: Path, kind: str, seed: int) -> None:
    from op_models import check_model

    kernels = _MODES[seed % len(_MODES)]
    result = check_model(_mean16(kind, seed), tmp_path, inputs=20, seed=seed, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (kind, seed, kernels, result)
    assert result["kernels"] == ["td_mean_s16"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(6))
def test_16x8_requantize_is_bit_exact_on_every_int16_input(tmp_path: Path, seed: int) -> None:
    """QUANTIZE int16 -> int16 (the converter's, before a CONCATENATION of differently
    scaled inputs): drawn scale ratios on both sides of 1."""
    from op_models import Graph, check_model

    rng = np.random.default_rng(seed)
    g = Graph()
    si = float(10 ** rng.uniform(-5, -2))
    x = g.input([1, 64, 64], si, 0, "int16")
    y = g.tensor([1, 64, 64], float(si * 10 ** rng.uniform(-1.5, 1.5)), 0, "int16")
    g.op("QUANTIZE", [x], [y])
    data = np.arange(-32768, 32768, dtype=np.int16).reshape(16, 1, 64, 64)
    kernels = _MODES[seed % len(_MODES)]
    result = check_model(g.build([x], [y]), tmp_path, data=data, kernels=kernels)
    assert result["exact_match_rate"] == 1.0, (seed, kernels, result)
    assert result["kernels"] == ["td_requantize"]


_EVERY = {  # (shape, inputs): every value of the type once, across the inputs
    "int8": ([1, 256], np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256)),
    "int16": ([1, 64, 64], np.arange(-32768, 32768, dtype=np.int16).reshape(16, 1, 64, 64)),
}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    "src,dst",
    [("int8", "int16"), ("int16", "int8"), ("int8", "int32"), ("int16", "int32")]
    + [("int32", "int8"), ("int32", "int16")],
)
def test_requantize_between_int8_int16_and_int32_is_bit_exact(tmp_path: Path, src: str, dst: str, seed: int) -> None:
    """QUANTIZE between integer types (td_requantize, one kernel for every pair TFLite
    Micro takes): every int8 / int16 input value, random full-range int32 ones; drawn
    scale ratios on both sides of 1, int8 zero points (int16 and int32 ones are 0)."""
    from op_models import Graph, check_model

    rng = np.random.default_rng(seed)
    g = Graph()
    si = float(10 ** rng.uniform(-5, -2))
    ratio = {"int8": 1.0, "int16": 256.0, "int32": 2.0**24}
    so = float(si * ratio[src] / ratio[dst] * 10 ** rng.uniform(-1, 1))
    zp = lambda t: int(rng.integers(-40, 40)) if t == "int8" else 0  # noqa: E731
    shape, data = _EVERY.get(src, ([2, 3, 40], None))
    x = g.input(shape, si, zp(src), src)
    y = g.tensor(shape, so, zp(dst), dst)
    g.op("QUANTIZE", [x], [y])
    result = check_model(g.build([x], [y]), tmp_path, data=data, inputs=8, kernels=_MODES[seed % len(_MODES)])
    assert result["exact_match_rate"] == 1.0, (src, dst, seed, result)
    assert result["kernels"] == ["td_requantize"]


def test_quantize_of_a_pair_tflm_refuses_is_refused(tmp_path: Path) -> None:
    from op_models import Graph

    from tinydeploy.compile import compile_model
    from tinydeploy.errors import UnsupportedOpError

    g = Graph()
    x = g.input([1, 4], 0.5, 0, "int32")
    y = g.tensor([1, 4], 0.25, 0, "int32")
    g.op("QUANTIZE", [x], [y])
    with pytest.raises(UnsupportedOpError, match=r"is int32, output int32; TFLite Micro requantizes int16 -> int16"):
        compile_model(parse_model(g.build([x], [y]), name="m"), tmp_path / "m")


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("q", [(0.0007, 0), (3.1e-5, 0), (0.013, 5)])
def test_dequantize_and_quantize_of_int16_are_bit_exact(tmp_path: Path, q: tuple[float, int]) -> None:
    """DEQUANTIZE int16 -> float32 on every int16 value (td_dequantize_f32, the int8
    kernel too), and QUANTIZE float32 -> int16 of those floats (td_quantize_f32), also
    at a coarser scale that saturates."""
    from op_models import Graph, check_model

    g = Graph()
    shape, data = _EVERY["int16"]
    x = g.input(shape, *q, "int16")
    f = g.tensor(shape, dtype="float32")
    g.op("DEQUANTIZE", [x], [f])
    result = check_model(g.build([x], [f]), tmp_path / "dq", data=data)
    assert result["exact_match_rate"] == 1.0, (q, result)
    assert result["kernels"] == ["td_dequantize_f32"]
    for k, scale in enumerate((q[0] * 0.77, q[0] * 3.3)):
        y = g.tensor(shape, scale, -q[1], "int16")
        g.op("QUANTIZE", [f], [y])
        result = check_model(g.build([x], [y]), tmp_path / f"q{k}", data=data)
        assert result["exact_match_rate"] == 1.0, (q, scale, result)
        assert result["kernels"] == ["td_dequantize_f32", "td_quantize_f32"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize(
    "alpha_shape,qa,qo",
    [([64], (0.01, 0), (0.0007, 0)), ([64, 1], (0.004, -20), (0.0011, 0)), ([], (0.02, 3), (0.0005, 0))],
)
def test_16x8_prelu_is_bit_exact_on_every_int16_input(
    tmp_path: Path, alpha_shape: list[int], qa: tuple[float, int], qo: tuple[float, int]
) -> None:
    """PRELU of int16 x with a constant int8 alpha (per channel, per row, one value):
    td_prelu, the int8 kernel too; output scales that saturate and that do not."""
    from op_models import Graph, check_model

    g = Graph()
    shape, data = _EVERY["int16"]
    x = g.input(shape, 0.0007, 0, "int16")
    values = np.random.default_rng(4).integers(-128, 128, alpha_shape)
    alpha = g.const(values, "int8", shape=alpha_shape, scale=qa[0], zp=qa[1])
    y = g.tensor(shape, *qo, "int16")
    g.op("PRELU", [x, alpha], [y])
    result = check_model(g.build([x], [y]), tmp_path, data=data)
    assert result["exact_match_rate"] == 1.0, (alpha_shape, result)
    assert result["kernels"] == ["td_prelu"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("ratio", [1.0, 0.37, 1.9, 12.5])
def test_16x8_abs_is_bit_exact_on_every_int16_input(tmp_path: Path, ratio: float) -> None:
    """ABS of int16 (zero points 0): |x| requantized and saturated (-32768 -> 32767 at
    equal scales), td_abs, the int8 kernel too."""
    from op_models import Graph, check_model

    g = Graph()
    shape, data = _EVERY["int16"]
    x = g.input(shape, 0.0007, 0, "int16")
    y = g.tensor(shape, 0.0007 / ratio, 0, "int16")
    g.op("ABS", [x], [y])
    result = check_model(g.build([x], [y]), tmp_path, data=data)
    assert result["exact_match_rate"] == 1.0, (ratio, result)
    assert result["kernels"] == ["td_abs"]


def _binary16_q(kind: str, form: str, hwc: tuple[int, int, int], scales, zps, act: int, seed: int) -> bytes:  # noqa: ANN001
    """ADD / SUB / MUL of x [1, H, W, C] (scale s1, zero point z1) and a second operand of
    scale s2, z2: a 1x1 CONV_2D of x (same shape), one channel of it (broadcast over C),
    or a constant [C] (broadcast over H and W)."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    h, w, c = hwc
    (s1, s2, so), (z1, z2, zo) = scales, zps
    x = g.input([1, h, w, c], s1, z1, "int16")
    if form == "const":
        other = g.const(rng.integers(-32768, 32768, [c]), "int16", scale=s2, zp=z2)
    else:
        other = _conv1x1_16(g, rng, x, [1, h, w, c], s1, c if form == "same" else 1, s2)
        g.tensors[other].quantization.zeroPoint = [z2]
    y = g.tensor([1, h, w, c], so, zo, "int16")
    options = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[kind]
    g.op(kind, [x, other] if seed % 2 else [other, x], [y], options, fusedActivationFunction=act)
    return g.build([x], [y])


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(["ADD", "SUB", "MUL"]),
    form=st.sampled_from(["same", "c", "const"]),
    hwc=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5)),
    logs=st.tuples(*[st.floats(-6, -1) for _ in range(3)]),
    zps=st.tuples(*[st.integers(-300, 300) for _ in range(3)]),
    act=st.sampled_from([0, 1, 3]),
    seed=st.integers(0, 1000),
)
def test_16x8_binary_quantization_property(hwc, form, kind, logs, zps, act, seed) -> None:  # noqa: ANN001
    """Scales up to 10^5 apart, non-zero zero points for ADD and SUB (TFLite Micro's int16
    MUL and CONV_2D need 0); inputs at the int16 extremes among the random ones."""
    import tempfile

    from op_models import check_model

    if importlib.util.find_spec("tflite_micro") is None or shutil.which("gcc") is None:
        pytest.skip("needs tflite-micro and gcc")
    scales = tuple(float(10**v) for v in logs)
    if kind == "MUL" or form != "const":
        zps = (0, 0, 0) if kind == "MUL" else (0, 0, zps[2])
    if kind == "MUL" and scales[0] * scales[1] / scales[2] > 0.5:
        scales = (scales[0], scales[1], scales[0] * scales[1] * 4)  # keep the product's shift <= 0
    raw = _binary16_q(kind, form, hwc, scales, zps, act, seed)
    rng = np.random.default_rng(seed)
    data = rng.integers(-32768, 32768, (6, 1, *hwc)).astype(np.int16)
    data[0], data[1] = -32768, 32767
    with tempfile.TemporaryDirectory() as d:
        result = check_model(raw, Path(d), data=data)
    assert result["exact_match_rate"] == 1.0, (kind, form, hwc, scales, zps, act, result)
    assert f"td_{kind.lower()}_s16" in result["kernels"]


def _transpose_conv16(seed: int) -> bytes:
    """One 16x8 TRANSPOSE_CONV with drawn shapes, stride, padding, per-channel or
    per-tensor weights, fused activation and an int64, int16 (TFLite Micro widens it) or
    no bias."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    n, h, w = int(rng.integers(1, 3)), *(int(v) for v in rng.integers(1, 6, 2))
    ic, oc, k, stride = (int(v) for v in rng.integers([1, 1, 1, 1], [6, 6, 5, 4]))
    padding = int(rng.integers(2))  # 0 SAME, 1 VALID
    oh, ow = (h * stride, w * stride) if padding == 0 else ((h - 1) * stride + k, (w - 1) * stride + k)
    s_in = float(rng.uniform(0.5, 2.0)) / 4096
    per_channel = bool(rng.integers(2))
    ws = list(rng.uniform(0.002, 0.02, oc)) if per_channel else [float(rng.uniform(0.002, 0.02))]
    x = g.input([n, h, w, ic], s_in, 0, "int16")
    wt = g.const(rng.integers(-127, 128, [oc, k, k, ic]), "int8", scale=ws, zp=[0] * len(ws))
    ins = [g.const([n, oh, ow, oc]), wt, x]
    bias = ["int64", "int16", None][seed % 3]
    if bias:
        hi = 20000 if bias == "int16" else 3_000_000
        ins.append(g.const(rng.integers(-hi, hi, [oc]), bias, scale=[s_in * v for v in ws], zp=[0] * len(ws)))
    taps = max(1, (k * k * ic) // (stride * stride))
    s_out = s_in * ws[0] * 127 * 8 * np.sqrt(taps) / float(rng.uniform(1.0, 4.0))
    y = g.tensor([n, oh, ow, oc], float(s_out), 0, "int16")
    g.op("TRANSPOSE_CONV", ins, [y], "TransposeConvOptions", padding=padding, strideW=stride, strideH=stride,
         fusedActivationFunction=int(rng.choice([0, 1, 3])))  # fmt: skip
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(12))
def test_16x8_transpose_conv_is_bit_exact_over_drawn_shapes(tmp_path: Path, seed: int) -> None:
    from op_models import check_model

    result = check_model(_transpose_conv16(seed), tmp_path, inputs=12, seed=seed, kernels=_MODES[seed % len(_MODES)])
    assert result["exact_match_rate"] == 1.0, (seed, result)
    assert "td_transpose_conv2d_s16" in result["kernels"]


def _batch_matmul16(form: str, seed: int) -> bytes:
    """x [2, 6, 5] (int16): x @ x'^T (adj_y), x^T @ x' (adj_x), x' @ x^T with the
    requantized x' first, x @ W (a constant, broadcast over the batch or not)."""
    from op_models import Graph

    rng = np.random.default_rng(seed)
    g = Graph()
    s_x = float(rng.uniform(0.5, 2.0)) / 4096
    x = g.input([2, 6, 5], s_x, 0, "int16")
    if form in ("self_attention", "adj_y", "adj_x"):
        s2 = s_x * float(rng.uniform(0.5, 2.0))
        x2 = g.tensor([2, 6, 5], s2, 0, "int16")
        g.op("QUANTIZE", [x], [x2])
        adj_x, adj_y = form == "adj_x", form != "adj_x"
        out = [2, 5, 5] if adj_x else [2, 6, 6]
        lhs, rhs = (x, x2) if form != "self_attention" else (x2, x)
        s_rhs = s2
    else:
        shape = [5, 4] if form == "broadcast_const" else [2, 5, 4]
        s_rhs = float(rng.uniform(1, 5)) / 32768
        lhs, rhs = x, g.const(rng.integers(-32768, 32768, shape), "int16", scale=s_rhs, zp=0)
        adj_x = adj_y = False
        out = [2, 6, 4]
    s_out = s_x * s_rhs * 32768 * 32768 * 5 / 32768 / float(rng.uniform(2.0, 16.0))
    y = g.tensor(out, float(s_out), 0, "int16")
    g.op("BATCH_MATMUL", [lhs, rhs], [y], "BatchMatMulOptions", adjX=adj_x, adjY=adj_y)
    return g.build([x], [y])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("form", ["self_attention", "adj_y", "adj_x", "const_rhs", "broadcast_const"])
def test_16x8_batch_matmul_is_bit_exact(tmp_path: Path, form: str, seed: int) -> None:
    from op_models import check_model

    result = check_model(_batch_matmul16(form, seed), tmp_path, inputs=12, seed=seed)
    assert result["exact_match_rate"] == 1.0, (form, seed, result)
    assert "td_batch_matmul_s16" in result["kernels"]
