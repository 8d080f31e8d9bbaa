"""Options of `tinydeploy compress` that need no training: their checks and which
layers --prune-skip spares (fast: builds a tiny DS-CNN, trains nothing)."""

from __future__ import annotations

import pytest

from tinydeploy.compress import CompressSettingError, Options, skipped_layers


@pytest.mark.parametrize("kw,message", [
    ({"prune": 0.0}, "--prune: sparsity 0.0 is outside 0..1"),
    ({"distill": True, "epochs": 0}, "--distill: distillation during fine-tuning needs --epochs > 0"),
    ({"distill": True, "distill_width": 0.5}, "--distill: --distill fine-tunes against the original"),
    ({"alpha": -0.1}, "--alpha: alpha -0.1 must be in 0..1"),
    ({"lr": 0.0}, "--lr: learning rate 0.0 must be > 0"),
    ({"prune": 0.5, "prune_min_weights": 0}, "--prune-min-weights: 0; must be >= 1"),
    ({"bits": 8, "bits_skip": "first"}, "--bits-skip: keeps layers at 8 bits when the others"),
])
def test_bad_settings_are_named(kw, message):
    with pytest.raises(CompressSettingError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Options(**kw).validate()


def test_prune_skip_positions():
    from tinydeploy.compress import dscnn

    m = dscnn((16, 8, 1), 3, width=8, depth=2)
    names = [ly.name for ly in m.layers if type(ly).__name__ in ("Conv2D", "DepthwiseConv2D",
                                                                  "Dense")]
    # weight layers: conv, dw, pw, dw, pw, dense
    assert skipped_layers(m, ("first",)) == {0}
    assert skipped_layers(m, ("last",)) == {5}
    assert skipped_layers(m, ("depthwise", "dense")) == {1, 3, 5}
    assert skipped_layers(m, ("conv",)) == {0, 2, 4}
    assert skipped_layers(m, (names[2],)) == {2}
    opts = Options(prune=0.5, prune_skip="first, depthwise")
    opts.validate()
    assert opts.prune_skip == ("first", "depthwise")
    with pytest.raises(CompressSettingError, match="--prune-skip: 'pointwise' matches no weight "
                       "layer; use first, last, depthwise, dense, conv or a layer name"):
        skipped_layers(m, ("pointwise",))
    with pytest.raises(CompressSettingError, match="--bits-skip: 'x' matches no weight layer"):
        skipped_layers(m, ("x",), "--bits-skip")
