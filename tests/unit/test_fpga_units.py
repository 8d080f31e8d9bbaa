"""FPGA settings, precision profile, estimate and report rendering: plain data, no hls4ml."""

from __future__ import annotations

import numpy as np
import pytest

from tinydeploy.errors import ConfigError, InputFileError
from tinydeploy.fpga.config import FpgaConfig, load_config, parse_precision
from tinydeploy.fpga.estimate import dsp_per_product, estimate
from tinydeploy.fpga.hls import LayerInfo
from tinydeploy.fpga.profile import needed_integer_bits, precision_profile, suggestions
from tinydeploy.fpga.report import blocks, to_html, to_markdown


@pytest.mark.parametrize(
    "text, signed, width, integer",
    [
        ("ap_fixed<16,6>", True, 16, 6),
        ("fixed<16, 6>", True, 16, 6),
        ("ap_ufixed<8,0>", False, 8, 0),
        ("ap_fixed<8,-2>", True, 8, -2),
        ("ap_int<8>", True, 8, 8),
        ("ap_uint<4>", False, 4, 4),
        ("ap_fixed<18,8,AP_RND,AP_SAT>", True, 18, 8),
    ],
)
def test_parse_precision(text, signed, width, integer) -> None:
    p = parse_precision(text, "--precision")
    assert (p.signed, p.width, p.integer) == (signed, width, integer)
    assert parse_precision(str(p), "x") == p  # str() round-trips


def test_precision_range_and_step() -> None:
    p = parse_precision("ap_fixed<16,6>", "x")
    assert p.step == 2**-10 and p.range == (-32.0, 32 - 2**-10)
    assert parse_precision("ap_ufixed<8,0>", "x").range == (0.0, 1 - 2**-8)


@pytest.mark.parametrize(
    "text, message",
    [
        ("ap_fixed<16;6>", "precision 'ap_fixed<16;6>' is not a fixed-point type; write ap_fixed<W,I>"),
        ("float", "is not a fixed-point type"),
        ("ap_fixed<0,0>", "has 0 bits; ap_fixed allows 1 to 1024"),
        ("ap_fixed<16,6,AP_FOO>", "unknown rounding mode 'AP_FOO' (one of AP_RND,"),
        ("ap_fixed<16,6,AP_RND,AP_BAR>", "unknown saturation mode 'AP_BAR' (one of AP_SAT,"),
    ],
)
def test_malformed_precision_is_one_clear_line(text, message) -> None:
    with pytest.raises(ConfigError) as err:
        parse_precision(text, "--precision")
    assert str(err.value).startswith("--precision: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_defaults_are_hls4mls() -> None:
    cfg = load_config()
    assert cfg == FpgaConfig()
    assert str(cfg.precision) == "ap_fixed<16,6>" and cfg.reuse_factor == 1
    assert (cfg.strategy, cfg.io_type, cfg.backend) == ("latency", "io_parallel", "vivado")
    assert cfg.part == "xcvu13p-flga2577-2-e" and cfg.clock_period == 5.0
    assert cfg.hls_config() == {
        "Model": {"Precision": {"default": "ap_fixed<16,6>"}, "ReuseFactor": 1, "Strategy": "Latency"},
        "LayerName": {},
    }


def test_toml_then_command_line(tmp_path) -> None:
    f = tmp_path / "f.toml"
    f.write_text(
        'precision = "ap_fixed<18,8>"\nreuse_factor = 2\nstrategy = "Resource"\n'
        'backend = "Vitis"\n[layers.fc1]\nreuse_factor = 4\n'
        '[layers.fc1.precision]\nweight = "ap_fixed<8,1>"\n'
        '[layers.out_softmax]\nprecision = { inv_inp = "ap_fixed<14,4>" }\n'
    )
    cfg = load_config(
        f,
        {"reuse_factor": 3, "precision": None, "io_type": "io_stream"},
        ["fc1.bias=ap_fixed<10,2>", "fc2=ap_fixed<12,4>"],
    )
    assert str(cfg.precision) == "ap_fixed<18,8>" and cfg.reuse_factor == 3  # CLI wins
    assert (cfg.strategy, cfg.backend, cfg.io_type) == ("resource", "vitis", "io_stream")
    hc = cfg.hls_config(["fc1"])
    assert hc["Model"]["Strategy"] == "Resource"
    assert hc["LayerName"]["fc1"] == {
        "Precision": {"weight": "ap_fixed<8,1>", "bias": "ap_fixed<10,2>"},
        "ReuseFactor": 4,
        "Trace": True,
    }
    assert hc["LayerName"]["fc2"] == {"Precision": {"default": "ap_fixed<12,4>"}}
    # hls4ml takes table types as layer attributes, not through "Precision"
    assert hc["LayerName"]["out_softmax"] == {"inv_inp_t": "ap_fixed<14,4>"}
    # the written settings read back to the same configuration
    again = tmp_path / "again.toml"
    again.write_text(cfg.toml())
    assert load_config(again) == cfg


@pytest.mark.parametrize(
    "text, message",
    [
        ('precison = "ap_fixed<16,6>"', "f.toml: unknown key 'precison' (known keys: backend,"),
        ('strategy = "fast"', "f.toml, key 'strategy': unknown strategy 'fast'; one of: latency, resource"),
        ("reuse_factor = 0", "f.toml, key 'reuse_factor': reuse factor must be a whole number >= 1"),
        ("clock_period = -1", "clock period must be a positive number of ns"),
        ('io_type = "axi"', "unknown IO type 'axi'; one of: io_parallel, io_stream"),
        (
            '[layers.fc1]\nprecision = "fixed<16>"',
            "f.toml, key 'layers.fc1.precision': precision 'fixed<16>' is not a fixed-point type",
        ),
        ("[layers.fc1]\nreuse = 2", "unknown key 'layers.fc1.reuse' (known: precision, reuse_factor)"),
        ('[layers.fc1.precision]\nweights = "ap_fixed<8,1>"', "unknown type 'layers.fc1.precision.weights'"),
        ("precision = ", "f.toml: not valid TOML"),
    ],
)
def test_bad_toml_names_file_and_key(tmp_path, text, message) -> None:
    f = tmp_path / "f.toml"
    f.write_text(text + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    assert message in str(err.value)


def test_bad_command_line_values() -> None:
    with pytest.raises(ConfigError, match=r"^--reuse-factor: reuse factor must be"):
        load_config(overrides={"reuse_factor": 0})
    with pytest.raises(ConfigError, match=r"^--backend: unknown backend 'quartus'; one of: vivado, vitis"):
        load_config(overrides={"backend": "quartus"})
    with pytest.raises(ConfigError, match=r"^--layer-precision: 'fc1' is not NAME=TYPE"):
        load_config(layer_precision=["fc1"])
    with pytest.raises(ConfigError, match=r"unknown type 'fc1.weights'"):
        load_config(layer_precision=["fc1.weights=ap_fixed<8,1>"])
    with pytest.raises(InputFileError, match="no such configuration file"):
        load_config("/nonexistent/fpga.toml")


@pytest.mark.parametrize(
    "lo, hi, signed, bits",
    [
        (-3.2, 2.5, True, 3),  # [-4, 4)
        (-4.0, 3.9, True, 4),  # conservative at exact powers of two
        (0, 0.3, True, 0),  # [-0.5, 0.5)
        (0, 0.3, False, 0),
        (0, 5.0, False, 3),  # [0, 8)
        (0, 0, True, 0),
    ],
)
def test_needed_integer_bits(lo, hi, signed, bits) -> None:
    assert needed_integer_bits(lo, hi, signed) == bits


def _dense(name, n_in, n_out, w=None, rf=1, strategy="latency", result="ap_fixed<16,6>", tensors=("t",)) -> LayerInfo:
    p = parse_precision("ap_fixed<16,6>", "x")
    w = np.full((n_in, n_out), 0.25) if w is None else w
    return LayerInfo(
        name=name,
        kind="Dense",
        tensors=tensors,
        shape=(n_out,),
        types={"result_t": parse_precision(result, "x"), "weight_t": p},
        weights={"weight": (w, p), "bias": (np.zeros(n_out), p)},
        reuse_factor=rf,
        strategy=strategy,
        attrs={"n_in": n_in, "n_out": n_out},
    )


def test_profile_flags_overflow_and_waste_and_suggests() -> None:
    layer = _dense(
        "fc1",
        4,
        2,
        w=np.array([[0.3, -0.2], [0.0001, 0.1], [0.2, 0.2], [0.1, 0.1]]),
        result="ap_fixed<8,3>",
        tensors=("t",),
    )
    floats = {"t": np.array([[-1.0, 9.5], [0.5, 2.0]])}  # 9.5 does not fit ap_fixed<8,3>
    rows = {r["what"]: r for r in precision_profile([layer], floats)}
    out = rows["output"]
    assert out["status"] == "overflow" and out["needed_integer_bits"] == 6  # 5 + headroom
    assert out["suggested"] == "ap_fixed<11,6>"  # the fractional bits are kept
    w = rows["weight"]
    assert w["status"] == "wastes 6 bits" and w["suggested"] == "ap_fixed<10,0>"
    assert w["zeroed"] == pytest.approx(1 / 8)  # 0.0001 < 2^-10
    assert "bias" in rows and rows["bias"]["status"] == "ok"  # all zero: nothing to say
    assert suggestions(list(rows.values())) == {"fc1": {"result": "ap_fixed<11,6>", "weight": "ap_fixed<10,0>"}}


def test_estimate_counts_nonzero_multipliers_and_reuse() -> None:
    w = np.full((16, 64), 0.25)
    w[0, :] = 0.0  # 64 multiplications by zero are optimised away
    layers = [_dense("fc1", 16, 64, w=w), _dense("fc2", 64, 32, rf=4), _dense("fc3", 32, 32, rf=4, strategy="resource")]
    est = estimate(layers, clock_ns=5.0, io_type="io_parallel")
    rows = {r["layer"]: r for r in est["layers"]}
    assert rows["fc1"]["multipliers"] == 15 * 64 and rows["fc1"]["dsp"] == 15 * 64
    assert rows["fc2"]["multipliers"] == 64 * 32 // 4 and rows["fc2"]["ii_cycles"] == 4
    # latency: 3 ns multiply + 7 adder levels x 1.5 ns = 13.5 ns -> 3 cycles, + R - 1
    assert rows["fc2"]["latency_cycles"] == 3 + 3
    assert rows["fc3"]["bram_18k"] == 1 and rows["fc1"]["bram_18k"] == 0  # 1024 x 16 bits
    assert est["ii_cycles"] == 4 and est["latency_cycles"] == sum(r["latency_cycles"] for r in est["layers"])
    assert est["latency_ns"] == est["latency_cycles"] * 5.0
    assert "not HLS synthesis" in est["label"]
    assert estimate(layers, 2.5, "io_parallel")["latency_cycles"] > est["latency_cycles"]


def test_dsp_per_product() -> None:
    assert dsp_per_product(16, 16) == 1 and dsp_per_product(18, 27) == 1
    assert dsp_per_product(32, 16) == 2 and dsp_per_product(32, 32) == 4


def _report() -> dict:
    layer = _dense("fc<1>", 4, 2)
    floats = {"t": np.array([[0.5, 1.0]])}
    prof = precision_profile([layer], floats)
    return {
        "model": {
            "path": "m.keras",
            "name": "m",
            "input_shape": [4],
            "output_shape": [2],
            "hls4ml": "1.3.0",
            "keras": "3",
        },
        "config": FpgaConfig().as_dict(),
        "project": {"dir": "hls_project", "name": "m"},
        "data": {"source": "x.npy", "samples": 1},
        "agreement": {
            "samples": 1,
            "max_abs_error": 0.01,
            "mean_abs_error": 0.005,
            "top1_agreement": 1.0,
            "disagreements": 0,
            "near_ties": 0,
        },
        "layers": [
            {
                "layer": "fc<1>",
                "kind": "Dense",
                "type": "ap_fixed<16,6>",
                "max_abs_error": 0.01,
                "mean_abs_error": 0.005,
                "relative_error": 0.01,
                "float_min": 0.5,
                "float_max": 1.0,
                "out_of_range": 0.0,
            }
        ],
        "profile": prof,
        "suggested_config": suggestions(prof),
        "estimate": estimate([layer], 5.0, "io_parallel"),
        "synthesis": None,
        "warnings": ["careful | here"],
    }


def test_markdown_and_html_hold_the_same_sections() -> None:
    bs = blocks(_report())
    md, html = to_markdown(bs), to_html(bs)
    for text in (
        "C simulation (fixed point) vs float Keras",
        "Precision profile",
        "Resource and latency estimate",
        "not HLS synthesis",
        "C synthesis",
    ):
        assert text in md and text in html
    assert "fc&lt;1&gt;" in html and "<td>fc<1>" not in html  # escaped
    assert "careful \\| here" not in md and "careful | here" in md  # bullet, not a cell
    assert '[layers."fc<1>"]' in md  # suggestion snippet
    assert html.startswith("<!DOCTYPE html>") and "<strong>estimate" in html


def test_reports_name_the_framework() -> None:
    keras_md = to_markdown(blocks(_report()))  # reports from before "framework" read as Keras
    assert "(Keras 3 model)" in keras_md
    r = _report()
    r["model"] = {**r["model"], "framework": "pytorch", "torch": "2.13.0", "path": "m.pt"}
    del r["model"]["keras"]
    md = to_markdown(blocks(r))
    assert "C simulation (fixed point) vs float PyTorch" in md and "(PyTorch 2.13.0 model)" in md
    assert "Keras" not in md
