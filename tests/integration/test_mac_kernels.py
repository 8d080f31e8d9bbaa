"""The MAC kernels for cores without the DSP extension (compile/mac.py, td_*_mac.c):
bit-exact with tflite-micro on the host (both layouts: the paired SMLAL accumulators of
v7m and the biased bytes of v6m) and on QEMU's Cortex-M3 and Cortex-M0, where
--kernels auto picks them."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import mlperf_path
from tests.integration.test_aot_keras import CASES, build, convert

needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed (apt-get install "
           "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)")

MAC_KERNELS = {"td_conv2d_s8_mac", "td_depthwise_conv2d_s8_mac"}


def _compile_and_check(tmp_path, raw: bytes, name: str, mode: str, inputs: int = 5):
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    cm = compile_model(parse_model(raw, name=name), tmp_path / f"{name}-{mode}", kernels=mode)
    return cm, check(cm, raw, inputs=inputs)


# conv: relu6 (clamped), dilation, 3 input channels, padding (the im2col column);
# depthwise: strides and filters other than 3x3 (the generic row); dense: FC layers
@pytest.mark.parametrize("mode", ["v7m", "v6m"])
@pytest.mark.parametrize("case", ["conv", "conv_per_tensor", "depthwise",
                                  "depthwise_per_tensor", "dense", "residual"])
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
    macs = [op for op in cm.ops if op["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D",
                                                 "FULLY_CONNECTED")]
    assert macs and all(op["kernel"] in MAC_KERNELS for op in macs), \
        [(op["op"], op.get("dsp_skipped")) for op in macs]
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0


def test_paired_accumulators_refuse_channels_that_could_overlap() -> None:
    """v7m's two channels per SMLAL only where 128 * sum |w| < 2^22 for every channel;
    a longer filter keeps the reference kernel, with the reason (v6m takes it)."""
    import numpy as np

    from tinydeploy.compile import mac
    from tinydeploy.compile.lower import ConstArray, Step

    def fc(weights: np.ndarray) -> Step:
        out_depth, depth = weights.shape
        arrays = [ConstArray("w", "int8_t", weights.reshape(-1), "weights"),
                  ConstArray("m", "int32_t", np.array([1 << 30]), "params"),
                  ConstArray("s", "int8_t", np.array([-20]), "params")]
        params = dict(batches=1, accum_depth=depth, out_depth=out_depth, input_offset=0,
                      filter_offset=0, output_offset=0, act_min=-128, act_max=127,
                      per_channel=0, filter="w", bias=None, multiplier="m", shift="s")
        return Step(0, "FULLY_CONNECTED", "td_fully_connected_s8", "td_fc_params", params,
                    [0], [1], arrays, {})

    fits = np.full((2, 255), 127, np.int64)  # 128 * 127 * 255 < 2^22
    over = np.full((2, 259), 127, np.int64)  # 128 * 127 * 259 >= 2^22
    steps, skipped = mac.select([fc(fits), fc(over)], "v7m")
    assert [s.kernel for s in steps] == ["td_conv2d_s8_mac", "td_fully_connected_s8"]
    assert "2^15" in skipped[0]
    steps, skipped = mac.select([fc(over)], "v6m")
    assert steps[0].kernel == "td_conv2d_s8_mac" and not skipped


def test_auto_picks_the_mac_kernels_of_the_cpu(tmp_path) -> None:
    from tinydeploy.boards import load_board
    from tinydeploy.compile import compile_model
    from tinydeploy.model.ir import parse_model
    from tinydeploy.policy import kernel_options

    ad = mlperf_path("ad")
    model = parse_model(ad.read_bytes(), ad)
    for board, mode in (("qemu-m3", "v7m"), ("qemu-m0", "v6m"), ("pico", "v6m"),
                        ("host", "reference"), ("qemu-m4", "dsp")):
        cm = compile_model(model, tmp_path / board, **kernel_options(load_board(board), "auto"))
        assert cm.kernel_choice["kernels"] == mode, (board, cm.kernel_choice)


def _flash(capsys, *argv: str) -> dict:
    from tinydeploy.cli import main

    assert main(["flash", *argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


# the figures' bounds: KWS was 21 instructions per MAC on either core with the
# reference kernels (bench/kernels.py has the measured figures)
@pytest.mark.slow
@needs_arm
@pytest.mark.parametrize("board,mode,bound", [("qemu-m3", "v7m", 4.0), ("qemu-microbit", "v6m", 9.0)])
def test_kws_on_cores_without_dsp_exact_and_faster(tmp_path, capsys, board, mode, bound) -> None:
    r = _flash(capsys, str(mlperf_path("kws")), "--board", board, "--check", "3", "--runs", "1",
               "-o", str(tmp_path / board))
    assert r["kernels"] == mode and r["kernel_choice"]["requested"] == "auto"
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0
    assert r["instructions_per_mac"] <= bound
