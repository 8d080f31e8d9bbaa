"""Options of `tinydeploy compress` that need no training: their checks and which
layers --prune-skip spares (fast: builds a tiny DS-CNN, trains nothing)."""

from __future__ import annotations

import pytest

from tinydeploy.compress import CompressSettingError, Options, skipped_layers


@pytest.mark.parametrize(
    "kw,message",
    [
        ({"prune": 0.0}, "--prune: sparsity 0.0 is outside 0..1"),
        ({"distill": True, "epochs": 0}, "--distill: distillation during fine-tuning needs --epochs > 0"),
        ({"distill": True, "distill_width": 0.5}, "--distill: --distill fine-tunes against the original"),
        ({"alpha": -0.1}, "--alpha: alpha -0.1 must be in 0..1"),
        ({"lr": 0.0}, "--lr: learning rate 0.0 must be > 0"),
        ({"prune": 0.5, "prune_min_weights": 0}, "--prune-min-weights: 0; must be >= 1"),
        ({"bits": 8, "bits_skip": "first"}, "--bits-skip: keeps layers at 8 bits when the others"),
        ({"structured": 0.5, "structured_by": "l2"}, "--structured-by: 'l2'; use one of activation, l1"),
        ({"structured_steps": 2}, "--structured-steps: 2 steps; use 1 or more, with --structured"),
        ({"structured": 0.5, "structured_steps": 0}, "--structured-steps: 0 steps"),
    ],
)
def test_bad_settings_are_named(kw, message):
    with pytest.raises(CompressSettingError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Options(**kw).validate()


def test_prune_skip_positions():
    from tinydeploy.compress import dscnn

    m = dscnn((16, 8, 1), 3, width=8, depth=2)
    names = [ly.name for ly in m.layers if type(ly).__name__ in ("Conv2D", "DepthwiseConv2D", "Dense")]
    # weight layers: conv, dw, pw, dw, pw, dense
    assert skipped_layers(m, ("first",)) == {0}
    assert skipped_layers(m, ("last",)) == {5}
    assert skipped_layers(m, ("depthwise", "dense")) == {1, 3, 5}
    assert skipped_layers(m, ("conv",)) == {0, 2, 4}
    assert skipped_layers(m, (names[2],)) == {2}
    opts = Options(prune=0.5, prune_skip="first, depthwise")
    opts.validate()
    assert opts.prune_skip == ("first", "depthwise")
    with pytest.raises(
        CompressSettingError,
        match="--prune-skip: 'pointwise' matches no weight "
        "layer; use first, last, depthwise, dense, conv or a layer name",
    ):
        skipped_layers(m, ("pointwise",))
    with pytest.raises(CompressSettingError, match="--bits-skip: 'x' matches no weight layer"):
        skipped_layers(m, ("x",), "--bits-skip")


def test_structured_ranking_by_activation_sees_through_batch_norm():
    """A channel that batch norm silences (gamma = beta = 0) is worthless whatever its
    kernel: ranked by activation it goes first, ranked by the kernel's L1 norm (here
    made the largest) it stays, and a channel the next layer ignores goes too."""
    import numpy as np

    from tinydeploy.compress import dscnn
    from tinydeploy.compress.layers import channel_scores, structured_prune

    import keras

    keras.utils.set_random_seed(0)
    m = dscnn((16, 8, 1), 3, width=8, depth=1)
    for ly in m.layers:
        # positive depthwise taps: no channel is silent by chance (random init can make
        # one all-negative, and ReLU then zeroes it)
        if type(ly).__name__ == "DepthwiseConv2D":
            ly.set_weights([np.abs(w) + 0.05 for w in ly.get_weights()])
    convs = [ly for ly in m.layers if type(ly).__name__ == "Conv2D"]
    first, bn = convs[0], m.layers[m.layers.index(convs[0]) + 1]
    assert type(first).__name__ == "Conv2D" and type(bn).__name__ == "BatchNormalization"
    rng = np.random.default_rng(0)
    k = rng.normal(0, 0.1, first.get_weights()[0].shape).astype(np.float32)
    k[..., 5] *= 50  # the largest kernel, silenced below
    first.set_weights([k])
    gamma, beta, mean, var = bn.get_weights()
    gamma[5] = beta[5] = 0.0
    bn.set_weights([gamma, beta, mean, var])
    pw = convs[1]
    w = pw.get_weights()[0]
    w[:, :, 2, :] = 0.0  # pointwise ignores channel 2 of the first conv
    pw.set_weights([w])
    dense = m.layers[-2]
    dw, db = dense.get_weights()
    dw[[0, 1], :] = 0.0  # the classifier ignores pointwise channels 0 and 1
    dense.set_weights([dw, db])
    x = rng.normal(0, 1, (64, 16, 8, 1)).astype(np.float32)
    scores = channel_scores(m, x)
    assert (scores[pw.name][:2] == 0).all() and (scores[pw.name][2:] > 0).all()
    s = scores[first.name]
    assert s[5] == 0.0 and s[2] == 0.0 and (np.delete(s, [2, 5]) > 0).all()
    by_act = structured_prune(m, 0.5, scores=scores)
    by_l1 = structured_prune(m, 0.5)

    def kept(pruned):
        # the kept channels' kernels identify them
        kk = [ly for ly in pruned.layers if type(ly).__name__ == "Conv2D"][0].get_weights()[0]
        assert kk.shape[-1] == 4
        return {int(np.argmin(np.abs(k - kk[..., [j]]).sum(axis=(0, 1, 2)))) for j in range(4)}

    kept_act, kept_l1 = kept(by_act), kept(by_l1)
    assert 5 not in kept_act and 2 not in kept_act
    assert 5 in kept_l1
    # the silenced and ignored channels contributed nothing: removing just them (the
    # two lowest of each Conv2D) leaves the outputs as they were
    alone = structured_prune(m, 0.25, multiple=2, scores=scores)
    np.testing.assert_allclose(alone.predict(x, verbose=0), m.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
