"""SIMD (DSP) kernels: bit-exact with tflite-micro, chosen from the board's cpu.

Host tier: the portable C of td_*_dsp.c (same layouts and arithmetic as on the
M4) over the Keras suite and an MLPerf model. QEMU tier: the SMLAD code on
qemu-m4, a core without the DSP extension (qemu-m3) getting the MAC kernels (compile/mac.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import mlperf_path
from tests.integration.test_aot_keras import CASES, build, convert

needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)

DSP_CASES = [c for c in sorted(CASES) if c.startswith(("conv", "depthwise", "dense", "residual"))]


@pytest.mark.parametrize("case", DSP_CASES)
def test_dsp_layouts_bit_exact_on_host(case, tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    kind, kw = CASES[case]
    raw = convert(build(kind), **kw)
    cm = compile_model(parse_model(raw, name=f"dsp_{case}"), tmp_path / case, kernels="dsp")
    meta = json.loads(cm.metadata.read_text())
    assert meta["kernel_mode"] == "dsp"
    assert check(cm, raw, inputs=30, seed=5) == {"inputs": 30, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


def _dw3x3_model():  # 3x3 stride-1 depthwise: the vertical-pair kernel's cases
    import tensorflow as tf

    tf.keras.utils.set_random_seed(2)
    L = tf.keras.layers
    x = tf.keras.Input((7, 6, 8), batch_size=1)
    a = L.DepthwiseConv2D(3, padding="same")(x)  # odd height, fast requantization
    b = L.DepthwiseConv2D(3, padding="valid", activation="relu6")(a)  # clamped, even height
    c = L.Conv2D(5, 1)(b)
    d = L.DepthwiseConv2D(3, padding="same", activation="relu")(c)  # 5 channels
    return tf.keras.Model(x, L.Concatenate()([L.Flatten()(b), L.Flatten()(d)]))


def test_dsp_depthwise_3x3_vertical_pairs_bit_exact(tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = convert(_dw3x3_model())
    cm = compile_model(parse_model(raw, name="dsp_dw3x3"), tmp_path / "m", kernels="dsp")
    meta = json.loads(cm.metadata.read_text())
    assert sum(o.get("kernel") == "td_depthwise_conv2d_s8_dsp3x3" for o in meta["ops"]) == 3
    assert "vert = 1" in cm.model_c.read_text()
    assert check(cm, raw, inputs=30, seed=7) == {"inputs": 30, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


def _dw_dual_model():  # stride-1 depthwise filters other than 3x3: td_dw_dual's cases
    import tensorflow as tf

    tf.keras.utils.set_random_seed(3)
    L = tf.keras.layers
    x = tf.keras.Input((9, 7, 8), batch_size=1)
    a = L.DepthwiseConv2D(5, padding="same", activation="relu")(x)  # 5x5 (the inlined case), odd width
    b = L.DepthwiseConv2D((3, 4), padding="valid")(a)  # even filter width, even output width
    c = L.Conv2D(6, 1)(b)
    d = L.DepthwiseConv2D((1, 7), padding="same", activation="relu6")(c)  # 6 channels, one row
    e = L.DepthwiseConv2D((5, 2), strides=(2, 1), padding="same")(d)  # stride 2 down, 1 across
    f = L.DepthwiseConv2D((2, 1), padding="valid")(e)  # one tap per row
    return tf.keras.Model(x, L.Concatenate()([L.Flatten()(b), L.Flatten()(f)]))


def test_dsp_depthwise_two_outputs_a_step_bit_exact(tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = convert(_dw_dual_model())
    cm = compile_model(parse_model(raw, name="dsp_dw_dual"), tmp_path / "m", kernels="dsp")
    assert cm.model_c.read_text().count(".dual = 1") == 5
    assert check(cm, raw, inputs=30, seed=11) == {"inputs": 30, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


@pytest.mark.slow
@needs_arm
def test_dsp_depthwise_two_outputs_a_step_exact_on_qemu_m4(tmp_path, capsys) -> None:
    r, model_dir = _flash_keras_on_m4(tmp_path, capsys, _dw_dual_model())
    assert (model_dir / "model.c").read_text().count(".dual = 1") == 5
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


@pytest.mark.parametrize("case", ["conv", "dense"])
def test_dsp_small_int8_weights_bit_exact_on_host(case, tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    kind, kw = CASES[case]
    raw = convert(build(kind), **kw)
    cm = compile_model(parse_model(raw, name=f"small_{case}"), tmp_path / case, kernels="dsp-small")
    assert json.loads(cm.metadata.read_text())["kernel_mode"] == "dsp-small"
    assert "w8 = 1" in cm.model_c.read_text()
    assert check(cm, raw, inputs=20, seed=4)["exact_match_rate"] == 1.0


def _dead_channel_model():  # a pointwise conv with a dead channel, as VWW's layers have
    import tensorflow as tf

    tf.keras.utils.set_random_seed(3)
    L = tf.keras.layers
    x = tf.keras.Input((6, 5, 16), batch_size=1)
    conv = L.Conv2D(10, 1)
    y = L.Dense(6)(L.Flatten()(conv(x)))
    k, bias = conv.get_weights()
    k[..., 3] = 0.0  # the converter gives a channel of zero weights a huge int32 bias
    bias[3] = 1.0
    conv.set_weights([k, bias])
    return tf.keras.Model(x, y)


def test_dsp_small_keeps_wide_layer_weights_int8_bit_exact(tmp_path) -> None:
    """A layer whose doubled accumulator could overflow is "wide" (64-bit requantization
    of the accumulator scaled by 1): dsp-small keeps its int8 weights unscaled, the
    kernel skipping the doubling (it once widened them to 16 bit: VWW's 224 KB)."""
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = convert(_dead_channel_model())
    model = parse_model(raw, name="dead_channel")
    fast = compile_model(model, tmp_path / "dsp", kernels="dsp")
    small = compile_model(model, tmp_path / "small", kernels="dsp-small")
    text = small.model_c.read_text()
    assert "wide = 1" in fast.model_c.read_text() and "wide = 1" in text
    assert text.count("w8 = 1") == 2 and "w8 = 0" not in text  # the conv and the dense layer
    assert small.weights_bytes < 0.6 * fast.weights_bytes
    for cm in (fast, small):
        assert check(cm, raw, inputs=30, seed=3) == {"inputs": 30, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


def test_dsp_small_keeps_kws_weights_int8(tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    path = mlperf_path("kws")
    raw = path.read_bytes()
    model = parse_model(raw, path)
    fast = compile_model(model, tmp_path / "fast", kernels="dsp")
    small = compile_model(model, tmp_path / "small", kernels="dsp-small")
    assert small.weights_bytes < 0.7 * fast.weights_bytes
    assert check(small, raw, inputs=3)["exact_match_rate"] == 1.0


def test_dsp_global_average_pool_bit_exact(tmp_path) -> None:
    import tensorflow as tf

    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    tf.keras.utils.set_random_seed(3)
    L = tf.keras.layers
    x = tf.keras.Input((15, 17, 8), batch_size=1)  # 255 pixels: the int16 sums' limit
    y = L.Flatten()(L.AveragePooling2D((15, 17))(L.Conv2D(8, 1)(x)))
    raw = convert(tf.keras.Model(x, y))
    cm = compile_model(parse_model(raw, name="dsp_gap"), tmp_path / "m", kernels="dsp")
    assert "td_avg_pool2d_s8_dsp" in cm.kernels
    assert check(cm, raw, inputs=30, seed=9)["exact_match_rate"] == 1.0


def _pooling_model():
    """Max pooling 2x2/2 and 3x3/2 with SAME padding (clipped windows), a clamp after a
    pool, and means over 272 pixels (two int16 blocks) and over 8 x 6 of 12 channels."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(6)
    L = tf.keras.layers
    x = tf.keras.Input((34, 32, 3), batch_size=1)
    a = L.Conv2D(8, 3, padding="same")(x)
    b = L.MaxPooling2D(2)(a)  # 17 x 16
    c = L.Conv2D(12, 1)(b)
    g = L.GlobalAveragePooling2D()(c)  # 272 pixels
    d = L.ReLU(max_value=6)(L.MaxPooling2D(3, strides=2, padding="same")(c))  # 9 x 8
    e = L.Conv2D(12, 1)(d)
    m = L.GlobalAveragePooling2D(keepdims=True)(L.Cropping2D(((0, 1), (1, 1)))(e))
    return tf.keras.Model(x, L.Concatenate()([g, L.Flatten()(m), L.Flatten()(d)]))


def test_dsp_max_pool_and_mean_bit_exact_on_host(tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = convert(_pooling_model())
    cm = compile_model(parse_model(raw, name="dsp_pool"), tmp_path / "m", kernels="dsp")
    assert {"td_max_pool2d_s8_dsp", "td_mean_s8_dsp"} <= set(cm.kernels)
    assert "td_max_pool2d_s8" not in cm.kernels and "td_mean_s8" not in cm.kernels
    assert check(cm, raw, inputs=30, seed=11) == {"inputs": 30, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


@pytest.mark.parametrize("act", [1, 3])  # RELU, RELU6: the clamp's both bounds
def test_dsp_max_pool_fused_activation_bit_exact(tmp_path, act) -> None:
    """A fused RELU6 whose 6 is inside the int8 range (scale 0.05: act_max 120 + zp)."""
    from tests.op_models import Graph, check_model

    g = Graph()
    x = g.tensor([1, 7, 9, 8], 0.05, -7)
    y = g.tensor([1, 4, 5, 8], 0.05, -7)
    g.op(
        "MAX_POOL_2D",
        [x],
        [y],
        "Pool2DOptions",
        padding=0,
        strideW=2,
        strideH=2,
        filterWidth=3,
        filterHeight=2,
        fusedActivationFunction=act,
    )
    result = check_model(g.build([x], [y]), tmp_path / "m", inputs=20, kernels="dsp")
    assert result["kernels"] == ["td_max_pool2d_s8_dsp"], result
    assert result["exact_match_rate"] == 1.0, result


@pytest.mark.slow
@needs_arm
def test_dsp_max_pool_and_mean_exact_on_qemu_m4(tmp_path, capsys) -> None:
    r, model_dir = _flash_keras_on_m4(tmp_path, capsys, _pooling_model())
    model_c = (model_dir / "model.c").read_text()
    assert "td_max_pool2d_s8_dsp(" in model_c and "td_mean_s8_dsp(" in model_c
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def test_mlperf_resnet_dsp_on_host_with_remat(tmp_path) -> None:
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    path = mlperf_path("resnet")
    raw = path.read_bytes()
    cm = compile_model(parse_model(raw, path), tmp_path / "r", kernels="dsp")
    meta = json.loads(cm.metadata.read_text())
    assert "td_conv2d_s8" not in cm.kernels and "td_conv2d_s8_dsp" in cm.kernels
    assert "td_add_s8" not in cm.kernels and "td_add_s8_dsp" in cm.kernels  # table ADD
    assert any("recomputes" in o for o in meta["ops"])  # row recompute uses the SIMD conv too
    assert "td_conv2d_s8_dsp_rows" in cm.model_c.read_text()
    assert check(cm, raw, inputs=3)["exact_match_rate"] == 1.0


def test_kernel_mode_follows_the_board(tmp_path) -> None:
    from tinydeploy.compile import compile_model
    from tinydeploy.model.ir import parse_model

    path = mlperf_path("kws")
    model = parse_model(path.read_bytes(), path)
    auto_dsp = compile_model(model, tmp_path / "a", kernels="auto", dsp=True)
    auto_plain = compile_model(model, tmp_path / "b", kernels="auto", dsp=False)
    forced = compile_model(model, tmp_path / "c", kernels="reference", dsp=True)
    assert "td_depthwise_conv2d_s8_dsp3x3" in auto_dsp.kernels
    assert not any(k.endswith("_dsp") for k in auto_plain.kernels + forced.kernels)
    with pytest.raises(ValueError, match="kernels must be one of"):
        compile_model(model, tmp_path / "d", kernels="fast")


def _flash(capsys, *argv: str) -> dict:
    from tinydeploy.cli import main

    assert main(["flash", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
@needs_arm
def test_kws_simd_on_qemu_m4_is_exact_and_4x_faster(tmp_path, capsys) -> None:
    kws = str(mlperf_path("kws"))
    dsp = _flash(capsys, kws, "--board", "qemu-m4", "--check", "5", "--runs", "1", "-o", str(tmp_path / "d"))
    ref = _flash(
        capsys,
        kws,
        "--board",
        "qemu-m4",
        "--kernels",
        "reference",
        "--check",
        "0",
        "--runs",
        "1",
        "-o",
        str(tmp_path / "r"),
    )
    assert dsp["kernels"] == "dsp" and ref["kernels"] == "reference"
    assert dsp["exact_match_rate"] == 1.0 and dsp["max_abs_diff"] == 0
    assert dsp["instructions_per_inference"] * 4 <= ref["instructions_per_inference"]
    assert dsp["arena_bytes"] <= 0.5 * dsp["tflm_arena_bytes"]
    assert (tmp_path / "d" / "report.html").is_file()


@pytest.mark.slow
@needs_arm
def test_core_without_dsp_gets_the_mac_kernels(tmp_path, capsys) -> None:
    r = _flash(
        capsys, str(mlperf_path("ad")), "--board", "qemu-m3", "--check", "2", "--runs", "1", "-o", str(tmp_path / "m3")
    )
    assert r["kernels"] == "v7m" and r["exact_match_rate"] == 1.0


def _asm_paths_model():
    """Shapes that reach every assembly path of the M4 kernels: a 3-channel conv with
    row-padded weights and an odd width (two bands), the 3x3 depthwise 2x2 routine with
    a lone last column and row, 1x1 convs (STM widening, a 2-quad record entering the
    unrolled loop late), a table ADD, a 27-quad record (loop test), a dilated conv on
    6 channels (band gather)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(3)
    L = tf.keras.layers
    x = tf.keras.Input((11, 9, 3), batch_size=1)
    a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    d = L.DepthwiseConv2D(3, padding="same", activation="relu")(a)
    p = L.Conv2D(12, 1)(d)
    q = L.Conv2D(12, 1, activation="relu")(d)
    s = L.Add()([p, q])
    w = L.Conv2D(10, 3, padding="same", activation="relu")(s)
    six = L.Conv2D(6, 1)(w)
    dil = L.Conv2D(4, 3, dilation_rate=2, padding="same")(six)
    return tf.keras.Model(x, L.Concatenate()([L.Flatten()(w), L.Flatten()(dil)]))


def _flash_keras_on_m4(tmp_path, capsys, keras_model, kernels: str = "auto") -> tuple[dict, Path]:
    """Convert, flash to qemu-m4 with an 8-input check; (report, the project's model/)."""
    model = tmp_path / "model.tflite"
    if not model.is_file():
        model.write_bytes(convert(keras_model))
    capsys.readouterr()  # TensorFlow's conversion chatter
    out = tmp_path / f"d-{kernels}"
    r = _flash(
        capsys, str(model), "--board", "qemu-m4", "--kernels", kernels, "--check", "8", "--runs", "1", "-o", str(out)
    )
    assert r["kernels"] == "dsp"
    return r, out / "project" / "model"


@pytest.mark.slow
@needs_arm
def test_m4_assembly_paths_exact_on_qemu(tmp_path, capsys) -> None:
    r, model_dir = _flash_keras_on_m4(tmp_path, capsys, _asm_paths_model())
    model_c = (model_dir / "model.c").read_text()
    for needle in ("td_add_s8_dsp(", "td_depthwise_conv2d_s8_dsp3x3(", ".row_quads = 3"):
        assert needle in model_c, needle
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def test_features_header_leaves_out_unused_paths_and_refuses_stale(tmp_path) -> None:
    """td_features.h switches off the SIMD code paths a model does not use; a header
    that leaves out a path a layer needs makes the kernel refuse, never compute wrong."""
    from tinydeploy.compile import check, compile_model
    from tinydeploy.errors import ToolchainError
    from tinydeploy.model.ir import parse_model

    def flags(cm) -> dict[str, int]:
        lines = cm.features_h.read_text().splitlines()
        return {
            ln.split()[1]: int(ln.split()[2]) for ln in lines if ln.startswith("#define TD_") and len(ln.split()) == 3
        }

    kws = mlperf_path("kws")
    cm = compile_model(parse_model(kws.read_bytes(), kws), tmp_path / "kws", kernels="dsp")
    assert cm.features_h in cm.headers
    assert flags(cm) == {
        "TD_CONV_DSP_SLOW": 0,
        "TD_CONV_DSP_W8": 0,
        "TD_CONV_DSP_COLUMN": 0,
        "TD_CONV_DSP_BANDS": 1,
        "TD_DW_DSP_SLOW": 0,
        "TD_FC_DSP_ASM": 0,
        "TD_FC_DSP_ASM_W8": 0,
    }
    assert check(cm, kws.read_bytes(), inputs=3)["exact_match_rate"] == 1.0

    ad = mlperf_path("ad")  # dense layers doing all the work: the assembly loop
    cm = compile_model(parse_model(ad.read_bytes(), ad), tmp_path / "ad", kernels="dsp")
    assert flags(cm)["TD_FC_DSP_ASM"] == 1 and flags(cm)["TD_FC_DSP_ASM_W8"] == 0
    small = compile_model(parse_model(ad.read_bytes(), ad), tmp_path / "ad-small", kernels="dsp-small")
    assert flags(small)["TD_FC_DSP_ASM"] == 0 and flags(small)["TD_FC_DSP_ASM_W8"] == 1

    kind, kw = CASES["conv"]  # relu6 (clamped: the slow records), dilation, 3 channels
    raw = convert(build(kind), **kw)
    cm = compile_model(parse_model(raw, name="feat_conv"), tmp_path / "conv", kernels="dsp")
    assert flags(cm)["TD_CONV_DSP_SLOW"] == 1 and flags(cm)["TD_CONV_DSP_COLUMN"] == 1
    stale = cm.features_h.read_text().replace("TD_CONV_DSP_SLOW 1", "TD_CONV_DSP_SLOW 0")
    cm.features_h.write_text(stale)
    with pytest.raises(ToolchainError, match="td_model_invoke returned"):
        check(cm, raw, inputs=1)


def _dense_model():
    """Dense layers with 16k+ MACs (so the assembly loop is built): 31, 16, 5 quads
    (entries 3, 0, 1 blocks before the loop test), 130 outputs (two channels left to the
    C loop) and a 130-input layer (a partial quad: the C loop)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(4)
    L = tf.keras.layers
    x = tf.keras.Input((124,), batch_size=1)
    h = L.Dense(130, activation="relu")(x)
    h = L.Dense(64, activation="relu")(h)
    h = L.Dense(20, activation="relu")(h)
    return tf.keras.Model(x, L.Dense(10)(h))


@pytest.mark.slow
@needs_arm
def test_m4_dense_assembly_exact_on_qemu(tmp_path, capsys) -> None:
    model = _dense_model()
    # dsp: int16 records (td_fc_quad); auto: int8 ones, a weight serving one MAC (td_fc_quad_w8)
    for kernels, flag in (("dsp", "TD_FC_DSP_ASM"), ("auto", "TD_FC_DSP_ASM_W8")):
        r, model_dir = _flash_keras_on_m4(tmp_path, capsys, model, kernels)
        assert f"#define {flag} 1" in (model_dir / "td_features.h").read_text(), kernels
        assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0, kernels


# ---- every assembly routine against its C twin on qemu-m4 ---------------------------

TWINS = (
    "td_widen2",
    "td_block2x2",
    "td_block2x2_w8",
    "td_record2x2_w8",
    "td_records",
    "td_fc_quad",
    "td_fc_quad_w8",
    "td_dw_widen4",
    "td_dw_vert_px",
    "td_dw_vert22",
)
TWINS_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "dsp_twins_m4.c"


def run_twins_on_qemu(out_dir: Path, seed: int, runtime: Path | None = None) -> str:
    """Build tests/fixtures/dsp_twins_m4.c for qemu-m4 (in place of the protocol server)
    against ``runtime`` (default: firmware/runtime), run it, return what it printed."""
    import subprocess

    from tinydeploy.boards import load_board
    from tinydeploy.codegen import generate_project

    board = load_board("qemu-m4")
    project = generate_project(board, [TWINS_FIXTURE], out_dir / "project")
    (project / "app" / "td_server.c").unlink()  # the fixture has the main()
    for f in (project / "runtime").glob("*.c"):  # headers only: the routines are static
        f.unlink()
    if runtime is not None:
        for f in runtime.glob("*.h"):
            shutil.copyfile(f, project / "runtime" / f.name)
    build = subprocess.run(
        ["make", "-s", "-C", str(project), f"EXTRA_CFLAGS=-DTD_TEST_SEED={seed}"], capture_output=True, text=True
    )
    assert build.returncode == 0, build.stderr[-2000:]
    try:  # a run takes under a second; a routine that never returns or faults hangs
        run = subprocess.run(
            [
                "qemu-system-arm",
                "-machine",
                board.qemu_machine,
                "-nographic",
                "-monitor",
                "none",
                "-semihosting-config",
                "enable=on,target=native",
                "-kernel",
                str(project / "build" / "fw.elf"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout
        return (out or "") + "\nTIMEOUT (a routine hung or faulted)\n"
    return run.stdout


@pytest.fixture(scope="module")
def twins_output(tmp_path_factory) -> str:
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None:
        pytest.skip("arm-none-eabi-gcc and qemu-system-arm are needed")
    d = tmp_path_factory.mktemp("twins")
    return "".join(run_twins_on_qemu(d / f"s{seed}", seed) for seed in (1, 2, 3))


@pytest.mark.slow
@needs_arm
@pytest.mark.parametrize("routine", TWINS)
def test_m4_assembly_routine_equals_its_c_twin_on_qemu(twins_output, routine) -> None:
    """Three seeds of random shapes and data (every entry point): the assembly and its
    twin write the same bytes, and nothing else (tests/fixtures/dsp_twins_m4.c)."""
    lines = [ln.strip() for ln in twins_output.splitlines()]
    assert lines.count("done 0") == 3, twins_output
    mine = [ln for ln in lines if ln.split()[1:2] == [routine]]
    assert len(mine) == 3 and all(ln.startswith("ok ") and int(ln.split()[2]) >= 18 for ln in mine), mine
