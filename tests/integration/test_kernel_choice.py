"""--kernels auto weighs the board's flash: "dsp" (weights widened to 16 bit where each
serves at least dsp.WIDEN_MIN_REUSE MACs or the convolution is small, int8 elsewhere) when its model data fits 90%
of the flash beside the firmware, else "dsp-small" (int8 weights everywhere), else the
build's size check refuses the model as before. Real compiles, builds and QEMU runs of
a generated model of two 12x12 convolutions (auto 225 KB of model data, dsp-small 114
KB) on a qemu-m4 profile whose flash is cut to 224 KB, and of the MLPerf
anomaly-detection model (291 KB either way) on one cut to 256 KB; the per-layer
widening on the MLPerf models."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import mlperf_path
from tinydeploy.boards import load_board, load_board_file
from tinydeploy.errors import BoardError

needs_arm = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="arm-none-eabi-gcc and qemu-system-arm are needed",
)


def _small_qemu_m4(folder: Path, flash_kb: int) -> Path:
    """qemu-m4's profile with less flash (QEMU still maps 4 MB; the linker script and the
    size checks use the profile's figure)."""
    text = load_board("qemu-m4").path.read_text(encoding="utf-8")
    board_id = f"qemu-m4-{flash_kb}k"
    text = re.sub(r"(?m)^id = .*$", f'id = "{board_id}"', text)
    text = re.sub(r"(?m)^flash_bytes = .*$", f"flash_bytes = {flash_kb * 1024}", text)
    path = folder / f"{board_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_auto_keeps_dsp_where_it_fits_and_says_why(tmp_path) -> None:
    from tinydeploy.compile import compile_model, load_compiled
    from tinydeploy.model.ir import parse_model
    from tinydeploy.policy import dsp_flash_budget

    path = mlperf_path("ad")
    model = parse_model(path.read_bytes(), path)
    # qemu-m4 (4 MB) and nano33ble (1 MB): dsp's 555 KB fit
    for board in (load_board("qemu-m4"), load_board("nano33ble")):
        cm = compile_model(model, tmp_path / board.id, dsp=board.dsp, flash_budget=dsp_flash_budget(board))
        choice = cm.kernel_choice
        assert choice["kernels"] == "dsp" and choice["requested"] == "auto"
        assert choice["model_data_bytes"]["dsp"] == cm.weights_bytes + cm.params_bytes
        assert choice["flash_budget_bytes"] == int((board.flash_bytes - 16384) * 0.9)
        assert "fits the flash budget" in choice["reason"]
        meta = json.loads(cm.metadata.read_text())
        assert meta["kernel_mode"] == "dsp" and meta["kernel_choice"] == choice
        assert load_compiled(tmp_path / board.id).kernel_choice == choice
    # an explicit choice is kept whatever the flash; a core without DSP keeps reference
    small = load_board_file(_small_qemu_m4(tmp_path, 512))
    forced = compile_model(model, tmp_path / "forced", kernels="dsp", dsp=True, flash_budget=dsp_flash_budget(small))
    assert forced.kernel_choice == {"requested": "dsp", "kernels": "dsp", "reason": "requested (dsp)"}
    plain = compile_model(model, tmp_path / "m3", dsp=False, flash_budget=dsp_flash_budget(small))
    assert plain.kernel_choice["kernels"] == "reference"
    assert plain.kernel_choice["reason"] == "auto without a board: the portable reference kernels"
    host = compile_model(model, tmp_path / "host", dsp=False, cpu="host")
    assert host.kernel_choice["reason"] == "auto: the cpu has no DSP extension"


def _two_convs() -> bytes:
    """Two 3x3 convolutions over 12 x 12 pixels (110 K weights, each serving 144 MACs:
    auto widens them) and a small dense layer."""
    import tensorflow as tf

    from tests.integration.test_aot_keras import convert

    tf.keras.utils.set_random_seed(5)
    L = tf.keras.layers
    x = tf.keras.Input((12, 12, 32), batch_size=1)
    h = L.Conv2D(128, 3, padding="same", activation="relu")(x)
    h = L.Conv2D(64, 3, padding="same", activation="relu")(h)
    return convert(tf.keras.Model(x, L.Dense(10)(L.GlobalAveragePooling2D()(h))))


@pytest.mark.slow
@needs_arm
def test_auto_falls_back_to_dsp_small_and_stays_exact_on_qemu(tmp_path, capsys) -> None:
    from tinydeploy.cli import main

    board = _small_qemu_m4(tmp_path, 224)
    model = tmp_path / "two_convs.tflite"
    model.write_bytes(_two_convs())
    capsys.readouterr()  # the converter's own output
    out = tmp_path / "two_convs"
    assert (
        main(
            [
                "flash",
                str(model),
                "--board",
                str(board),
                "--check",
                "5",
                "--runs",
                "1",
                "-o",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    r = json.loads(captured.out)
    assert r["kernels"] == "dsp-small" and r["board"] == "qemu-m4-224k"
    assert r["exact_match_rate"] == 1.0 and r["max_abs_diff"] == 0
    choice = r["kernel_choice"]
    assert choice["requested"] == "auto" and choice["kernels"] == "dsp-small"
    assert choice["flash_budget_bytes"] == int((224 * 1024 - 16384) * 0.9)
    sizes = choice["model_data_bytes"]
    assert sizes["dsp-small"] <= choice["flash_budget_bytes"] < sizes["dsp"]
    assert sizes["dsp-small"] == r["flash"]["weights"]  # the weights section as built
    assert "exceeds the flash budget" in choice["reason"]
    assert r["flash_bytes"] <= r["board_flash_bytes"] == 224 * 1024
    assert json.loads((out / "report.json").read_text())["kernel_choice"] == choice
    # one line on stderr names the board and the sizes; stdout stays pure JSON
    notes = [ln for ln in captured.err.splitlines() if ln.startswith("note:")]
    assert len(notes) == 1, captured.err
    assert (
        "dsp-small for board 'qemu-m4-224k'" in notes[0]
        and f"{sizes['dsp']:,} B" in notes[0]
        and f"{sizes['dsp-small']:,} B" in notes[0]
    )


@pytest.mark.slow
@needs_arm
def test_too_big_even_for_dsp_small_is_the_size_error(tmp_path) -> None:
    from tinydeploy.pipeline import flash

    board = _small_qemu_m4(tmp_path, 256)
    (tmp_path / "ad").mkdir()
    notes: list[str] = []
    with pytest.raises(BoardError) as err:
        flash(mlperf_path("ad"), str(board), tmp_path / "ad", check=1, runs=1, note=notes.append)
    assert "does not fit board 'qemu-m4-256k'" in str(err.value)
    assert re.search(r"flash: [\d,]+ bytes needed, 245,760 available", str(err.value))
    assert len(notes) == 1 and "dsp-small" in notes[0]


def test_auto_widens_only_the_weights_that_serve_many_macs(tmp_path) -> None:
    """Per layer: int8 weights exactly where each weight serves fewer than
    WIDEN_MIN_REUSE MACs and either one MAC (dense layers) or the layer has more than
    WIDEN_FREE_WEIGHTS weights (ResNet-8's 8x8 3x3 layers; its 2,048-weight 8x8 1x1
    shortcut is widened), widened elsewhere; KWS (125 pixels per convolution) keeps every
    convolution widened, as --kernels dsp."""
    from tinydeploy.compile import compile_model
    from tinydeploy.compile.dsp import WIDEN_FREE_WEIGHTS, WIDEN_MIN_REUSE
    from tinydeploy.compile.lower import lower
    from tinydeploy.model.ir import parse_model

    for key in ("resnet", "kws"):
        path = mlperf_path(key)
        model = parse_model(path.read_bytes(), path)
        low = set()
        for st in lower(model):
            p = st.params
            if st.kernel == "td_conv2d_s8":
                count, each = p["out_c"] * p["filter_h"] * p["filter_w"] * p["filter_c"], p["out_h"] * p["out_w"]
            elif st.kernel == "td_fully_connected_s8":
                count, each = p["accum_depth"] * p["out_depth"], p["batches"]
            else:
                continue
            if each < WIDEN_MIN_REUSE and (each == 1 or count > WIDEN_FREE_WEIGHTS):
                low.add(st.op_index)
        auto = compile_model(model, tmp_path / f"{key}-auto", dsp=True, cpu="cortex-m4")
        fast = compile_model(model, tmp_path / f"{key}-dsp", kernels="dsp", dsp=True, cpu="cortex-m4")
        small = compile_model(model, tmp_path / f"{key}-small", kernels="dsp-small", dsp=True, cpu="cortex-m4")
        choice = auto.kernel_choice
        assert choice["kernels"] == "dsp" and choice["widen_min_reuse"] == WIDEN_MIN_REUSE
        assert set(choice["int8_weight_ops"]) == low, key
        assert f"int8 in {len(low)} layers" in choice["reason"]
        data = [c.weights_bytes + c.params_bytes for c in (small, auto, fast)]
        assert data[0] < data[1] < data[2], (key, data)
        if key == "resnet":
            assert len(low) == 3, low
    # KWS: only its dense layer (one MAC per weight) is int8, every convolution widened
    assert choice["int8_weight_ops"] == [11]
    text = auto.model_c.read_text()
    assert text.count("w8 = 1") == 1 and text.count("w8 = 0") == fast.model_c.read_text().count("w8 = 0") - 1


def test_vww_int8_weights_keep_dsp_small_near_the_reference_flash(tmp_path) -> None:
    """Regression: VWW's pointwise layers are "wide" (channels with 2^30 biases, whose
    doubled accumulator could overflow), and dsp-small used to widen their weights to 16
    bit anyway: 460 KB of model data against the reference's 219 KB. Now their int8
    weights are used unscaled; dsp-small and auto stay within 30% of the reference."""
    from tinydeploy.compile import compile_model
    from tinydeploy.model.ir import parse_model

    path = mlperf_path("vww")
    model = parse_model(path.read_bytes(), path)
    data = {}
    for mode in ("reference", "dsp-small", "auto"):
        cm = compile_model(model, tmp_path / mode, kernels=mode, dsp=True, cpu="cortex-m4")
        data[mode] = cm.weights_bytes + cm.params_bytes
        if mode == "dsp-small":
            assert cm.model_c.read_text().count("wide = 1") >= 8  # the layers in question
    assert data["dsp-small"] <= data["auto"] <= 1.3 * data["reference"], data
