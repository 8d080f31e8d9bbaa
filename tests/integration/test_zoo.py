"""Issue 17's zoo (bench/zoo.py): every ordinary model deploys on qemu-m4 with the AOT
runtime, bit-exact with tflite-micro. The benchmark writes the figures; this runs the
same models with fewer checked inputs."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("td_bench_zoo", REPO / "bench" / "zoo.py")
zoo = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(zoo)  # type: ignore[union-attr]

pytestmark = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="needs arm-none-eabi-gcc and qemu-system-arm",
)

# outside tinydeploy: TensorFlow's converter cannot quantize the NEG it lowers LayerNormalization to
CONVERTER_LIMITS = {"attention_layernorm": "NEG"}
NAMES = ["mobilenet_v1", "mobilenet_v2", "conv1d", "mlp", "lstm", "gru", "simple_rnn", "unet_decoder"]
NAMES += ["hardswish_leaky", "attention", "attention_layernorm"]


def test_the_list_is_the_zoo() -> None:
    assert sorted(NAMES) == sorted(zoo._zoo())


@pytest.mark.parametrize("name", NAMES)
def test_zoo_model_deploys_with_aot_bit_exact(name: str) -> None:
    row = zoo.run(name, zoo._zoo()[name], "qemu-m4", check=2)
    if name in CONVERTER_LIMITS:
        assert not row["deployed"] and CONVERTER_LIMITS[name] in row["error"], row
        return
    assert row["deployed"], row.get("error")
    assert row["exact_match_rate"] == 1.0
    assert row["instructions_per_inference"] > 0 and row["arena_bytes"] <= row["tflm_arena_bytes"]
