"""The MAC kernels for cores without the DSP extension (compile/mac.py, td_*_mac.c):
bit-exact with tflite-micro on the host (both layouts: the paired SMLAL accumulators of
v7m and the biased bytes of v6m) and on QEMU's Cortex-M3 and Cortex-M0, where
--kernels auto picks them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import mlperf_path
from tests.integration.test_aot_keras import CASES, build, convert

needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed (apt-get install "
    "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)",
)

MAC_KERNELS = {"td_conv2d_s8_mac", "td_depthwise_conv2d_s8_mac"}


def _compile_and_check(tmp_path, raw: bytes, name: str, mode: str, inputs: int = 5):
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    cm = compile_model(parse_model(raw, name=name), tmp_path / f"{name}-{mode}", kernels=mode)
    return cm, check(cm, raw, inputs=inputs)


# conv: relu6 (clamped), dilation, 3 input channels, padding (the im2col column);
# depthwise: strides and filters other than 3x3 (the generic row); dense: FC layers
@pytest.mark.parametrize("mode", ["v7m", "v6m"])
@pytest.mark.parametrize("case", ["conv", "conv_per_tensor", "depthwise", "depthwise_per_tensor", "dense", "residual"])
def test_mac_kernels_exact_on_keras_layers(tmp_path, case: str, mode: str) -> None:
    kind, kw = CASES[case]
    cm, r = _compile_and_check(tmp_path, convert(build(kind), **kw), f"mac_{case}", mode, 8)
    used = set(cm.kernels) & MAC_KERNELS
    assert used, cm.kernels
    assert not any("dsp_skipped" in op for op in cm.ops if op["kernel"] in MAC_KERNELS)
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


@pytest.mark.parametrize("mode", ["v7m", "v6m"])
@pytest.mark.parametrize("key", ["kws", "ad", "vww", "resnet"])
def test_mac_kernels_exact_on_mlperf_models(tmp_path, key: str, mode: str) -> None:
    path = mlperf_path(key)
    cm, r = _compile_and_check(tmp_path, path.read_bytes(), key, mode, 3)
    # every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED runs a MAC kernel
    macs = [op for op in cm.ops if op["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    assert macs and all(op["kernel"] in MAC_KERNELS for op in macs), [(op["op"], op.get("dsp_skipped")) for op in macs]
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def _mac_paths_model():
    """Shapes that reach every path of the MAC kernels: a 3-channel conv with padding
    (im2col runs and padded taps), 1x1 convs with out_c not a multiple of 8 (a partial
    block), 3x3 depthwise at stride 1 with an odd height (a lone last pair row) and at
    stride 2 (rows read twice), a 5x3 depthwise (the generic byte ring), RELU6 (a clamp,
    not the full int8 range), and a dense head."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(7)
    L = tf.keras.layers
    x = tf.keras.Input((13, 10, 3), batch_size=1)
    a = L.Conv2D(12, 3, padding="same", activation="relu")(x)
    d = L.DepthwiseConv2D(3, padding="same", activation="relu6")(a)
    p = L.Conv2D(10, 1, activation="relu")(d)
    s = L.DepthwiseConv2D(3, strides=2, padding="same")(p)
    g = L.DepthwiseConv2D((5, 3), padding="same", activation="relu")(s)
    q = L.Conv2D(19, 1)(g)
    return tf.keras.Model(x, L.Dense(5)(L.Flatten()(q)))


@pytest.mark.parametrize("mode", ["v7m", "v6m"])
def test_mac_paths_exact_on_host(tmp_path, mode: str) -> None:
    cm, r = _compile_and_check(tmp_path, convert(_mac_paths_model()), "mac_paths", mode, 10)
    ops = {op["index"]: op["kernel"] for op in cm.ops}
    assert sum(k == "td_depthwise_conv2d_s8_mac" for k in ops.values()) == 3, ops
    assert sum(k == "td_conv2d_s8_mac" for k in ops.values()) == 4, ops  # the dense head too
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


# the same paths built for the cores themselves (SMLAL and LDRD on v7-M; the 16-bit
# products of the requantization on v6-M)
@pytest.mark.slow
@needs_arm
@pytest.mark.parametrize("board,mode", [("qemu-m3", "v7m"), ("qemu-m0", "v6m")])
def test_mac_paths_exact_on_qemu(tmp_path, capsys, board: str, mode: str) -> None:
    model = tmp_path / "model.tflite"
    model.write_bytes(convert(_mac_paths_model()))
    capsys.readouterr()  # TensorFlow's conversion chatter
    r = _flash(capsys, str(model), "--board", board, "--check", "8", "--runs", "1", "-o", str(tmp_path / board))
    assert r["kernels"] == mode
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def test_paired_accumulators_split_long_filters() -> None:
    """v7m pairs two channels per SMLAL only while 128 * sum |w| < 2^22: a longer filter
    is summed in runs of mac.pair_chunk inputs (the largest that keeps every run under
    the bound), whatever the weights; the dense head of _mac_paths_model runs such."""
    import numpy as np

    from tinydeploy.compile.mac import pair_chunk

    assert pair_chunk(np.full((2, 255), 127)) == 255  # 128 * 127 * 255 < 2^22
    assert pair_chunk(np.full((2, 259), 127)) == 129  # halved: two runs and a rest
    assert pair_chunk(np.full((3, 4096), 127)) == 256
    small = np.zeros((2, 5000), np.int64)
    small[1, ::50] = 127  # sparse: one run is enough
    assert pair_chunk(small) == 5000
    for w in (np.full((2, 259), 127), np.random.default_rng(0).integers(-127, 128, (8, 3000))):
        run = pair_chunk(w)
        for i in range(0, w.shape[1], run):
            assert int(np.abs(w[:, i : i + run]).sum(axis=1).max()) * 128 < 1 << 22


def test_auto_picks_the_mac_kernels_of_the_cpu(tmp_path) -> None:
    from tinydeploy.boards import load_board
    from tinydeploy.compile import compile_model
    from tinydeploy.model.ir import parse_model
    from tinydeploy.policy import kernel_options

    ad = mlperf_path("ad")
    model = parse_model(ad.read_bytes(), ad)
    for board, mode in (
        ("qemu-m3", "v7m"),
        ("qemu-m0", "v6m"),
        ("pico", "v6m"),
        ("host", "reference"),
        ("qemu-m4", "dsp"),
    ):
        cm = compile_model(model, tmp_path / board, **kernel_options(load_board(board), "auto"))
        assert cm.kernel_choice["kernels"] == mode, (board, cm.kernel_choice)


def _flash(capsys, *argv: str) -> dict:
    from tinydeploy.cli import main

    assert main(["flash", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


# regression guards, not the figures (bench/kernels.py writes those): KWS took 21
# instructions per MAC on either core with the reference kernels, 1.97 (v7m) and 7.0
# (v6m) with these
@pytest.mark.slow
@needs_arm
@pytest.mark.parametrize("board,mode,bound", [("qemu-m3", "v7m", 2.2), ("qemu-microbit", "v6m", 8.0)])
def test_kws_on_cores_without_dsp_exact_and_faster(tmp_path, capsys, board, mode, bound) -> None:
    r = _flash(
        capsys, str(mlperf_path("kws")), "--board", board, "--check", "3", "--runs", "1", "-o", str(tmp_path / board)
    )
    assert r["kernels"] == mode and r["kernel_choice"]["requested"] == "auto"
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0
    assert r["instructions_per_mac"] <= bound


TWINS_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mac_twins_m0.c"


def _run_twins_on_qemu_m0(out_dir: Path, seed: int) -> str:
    """Build tests/fixtures/mac_twins_m0.c for the Cortex-M0 (in place of the protocol
    server), run it on QEMU's microbit machine, return what it printed."""
    from tinydeploy.boards import load_board
    from tinydeploy.codegen import generate_project

    board = load_board("qemu-microbit")
    project = generate_project(board, [TWINS_FIXTURE], out_dir / "project")
    (project / "app" / "td_server.c").unlink()  # the fixture has the main()
    for f in (project / "runtime").glob("*.c"):  # headers only: the routines are static
        f.unlink()
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


@pytest.mark.slow
@needs_arm
def test_v6m_assembly_routine_equals_its_c_twin_on_qemu(tmp_path) -> None:
    """Three seeds of random lengths, alignments and data: td_mac_bytes8_m0 and its twin
    write the same sums, and nothing else (tests/fixtures/mac_twins_m0.c)."""
    out = "".join(_run_twins_on_qemu_m0(tmp_path / f"s{seed}", seed) for seed in (1, 2, 3))
    lines = [ln.strip() for ln in out.splitlines()]
    assert lines.count("done 0") == 3, out
    assert lines.count("ok td_mac_bytes8 40") == 3, out
