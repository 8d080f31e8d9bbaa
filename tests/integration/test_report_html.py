"""report.html: one self-contained file whose plots a headless browser renders."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tinydeploy.report.html import bench_html, flash_html, profile_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

FLASH = {
    "model": {"name": "kws"},
    "board": "qemu-m4",
    "board_name": "QEMU",
    "cpu": "cortex-m4",
    "runtime": "aot",
    "kernels": "dsp",
    "macs": 2_656_768,
    "flash_bytes": 74_912,
    "flash": {"weights": 47_920, "runtime": 5_668, "other": 21_324},
    "ram_bytes": 12_776,
    "static_ram_bytes": 12_400,
    "arena_bytes": 11_280,
    "tflm_arena_bytes": 24_272,
    "stack_bytes": 376,
    "instructions_per_inference": 4_776_941.0,
    "instructions_per_mac": 1.798,
    "board_flash_bytes": 4 << 20,
    "board_ram_bytes": 4 << 20,
    "check": {"inputs": 5, "exact_match_rate": 1.0, "max_abs_diff": 0.0},
}
OPS = [
    {
        "index": 0,
        "op": "CONV_2D",
        "kernel": "td_conv2d_s8_dsp",
        "macs": 320_000,
        "ticks": 1,
        "instructions": 585_869,
        "instructions_per_mac": 1.831,
        "share": 0.7,
    },
    {
        "index": 12,
        "op": "SOFTMAX",
        "kernel": "td_softmax_s8",
        "macs": 0,
        "ticks": 1,
        "instructions": 2_706,
        "instructions_per_mac": None,
        "share": 0.3,
    },
]
PROFILE = dict(FLASH, ops=OPS, m4_cycles_estimate=6_000_000)
BENCH = {
    "note": "emulated",
    "rows": [
        {
            "model": m,
            "board": "qemu-m4",
            "variant": v,
            "macs": 1000,
            "instructions_per_inference": i,
            "instructions_per_mac": i / 1000,
            "exact_match_rate": 1.0,
            "arena_bytes": 900,
            "tflm_arena_bytes": 2000,
            "runtime_code_bytes": 3000,
        }
        for m in ("kws", "ad")
        for v, i in (("reference", 20_000.0), ("dsp", 1_500.0))
    ],
}


def _self_contained(text: str) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)=\"(https?:|//|file:)", text)
    assert "<script" not in text


def test_pages_hold_their_plots_inline() -> None:
    for text, ids in (
        (flash_html(FLASH), ["memory-map"]),
        (profile_html(PROFILE), ["per-op", "memory-map"]),
        (bench_html(BENCH), ["runtimes", "arena"]),
    ):
        _self_contained(text)
        for plot in ids:
            assert re.search(rf'<figure class="plot" id="{plot}"><svg', text), plot


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_headless_chromium_renders_the_plots(tmp_path) -> None:
    page = tmp_path / "report.html"
    page.write_text(profile_html(PROFILE))
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    dom = proc.stdout
    for plot in ("per-op", "memory-map"):
        m = re.search(rf'<figure class="plot" id="{plot}">(.*?)</figure>', dom, re.S)
        assert m, plot
        assert "<svg" in m.group(1) and "<path" in m.group(1)  # drawn, not an empty box
    assert "td_conv2d_s8_dsp" in dom


def test_reserved_stack_and_high_water_are_named_apart() -> None:
    from tinydeploy.report.figures import FIGURES

    profile = {k: v for k, v in PROFILE.items() if k != "stack_bytes"}
    profile["stack_reserved_bytes"] = 16_384  # what a profile knows: the linker's figure
    caption = re.compile(r'id="memory-map">.*?<figcaption>(.*?)</figcaption>', re.S)
    flash_caption = caption.search(flash_html(FLASH)).group(1)
    profile_caption = caption.search(profile_html(profile)).group(1)
    assert FIGURES["stack_high_water_bytes"][0] in flash_caption
    assert "reserved" not in flash_caption
    assert FIGURES["stack_reserved_bytes"][0] in profile_caption
    assert "high-water" not in profile_caption
