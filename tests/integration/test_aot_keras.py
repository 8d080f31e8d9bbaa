"""Small Keras models covering every AOT kernel and variant, bit-exact vs TFLite Micro.

Each model is built here with tf.keras, converted full-int8 with random
representative data (int8 I/O unless noted), compiled, built with host gcc and
compared with tflite-micro's interpreter on 50 random inputs.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("gcc") is None, reason="needs host gcc")]


def build(kind: str):  # -> keras.Model
    import tensorflow as tf

    tf.keras.utils.set_random_seed(1)
    L = tf.keras.layers
    ops = tf.keras.ops

    def inp(*shape):
        return tf.keras.Input(shape, batch_size=1)

    if kind == "conv":  # stride 1/2, SAME/VALID, dilation, odd and non-square kernels
        x = inp(13, 11, 3)
        a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
        b = L.Conv2D(6, 3, strides=2, padding="valid", activation="relu6")(a)
        c = L.Conv2D(5, 3, dilation_rate=2, padding="same")(b)
        d = L.Conv2D(7, (5, 3), strides=(2, 1), padding="valid", activation="relu")(a)
        e = L.Conv2D(4, (2, 4), strides=(1, 2), padding="same")(d)
        return tf.keras.Model(x, L.Concatenate()([L.Flatten()(c), L.Flatten()(e)]))
    if kind == "depthwise":  # depth multiplier 1/2/3, strides, dilation
        x = inp(15, 9, 4)
        a = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu")(x)
        b = L.DepthwiseConv2D(3, strides=2, padding="valid", activation="relu6")(a)
        c = L.DepthwiseConv2D(3, dilation_rate=2, padding="same")(a)
        d = L.DepthwiseConv2D((3, 2), strides=(1, 2), depth_multiplier=3, padding="same")(c)
        return tf.keras.Model(x, L.Concatenate()([L.Flatten()(b), L.Flatten()(d)]))
    if kind == "pool":  # max/avg, SAME (clipped windows) and VALID, odd sizes
        x = inp(17, 13, 5)
        parts = [
            L.MaxPooling2D(2)(x),
            L.MaxPooling2D(3, strides=2, padding="same")(x),
            L.AveragePooling2D(3, strides=1, padding="same")(x),
            L.AveragePooling2D((2, 3), strides=(2, 2), padding="valid")(x),
        ]
        return tf.keras.Model(x, L.Concatenate()([L.Flatten()(p) for p in parts]))
    if kind == "eltwise":  # ADD, MUL, broadcast MUL (squeeze-excite), MEAN, CONCATENATION
        x = inp(9, 7, 6)
        a = L.Conv2D(6, 1, activation="relu")(x)
        b = L.Conv2D(6, 3, padding="same")(x)
        s = L.Add()([a, b])
        m = L.Multiply()([a, b])
        se = L.Multiply()([m, ops.mean(s, axis=[1, 2], keepdims=True)])
        return tf.keras.Model(x, L.Concatenate()([L.ReLU()(L.Add()([s, se])), m]))
    if kind == "residual":  # conv -> conv -> add(first conv): the rematerialisation case
        x = inp(16, 16, 3)
        a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
        b = L.Conv2D(8, 3, padding="same", activation="relu")(a)
        b = L.Conv2D(8, 3, padding="same")(b)
        y = L.ReLU()(L.Add()([a, b]))
        return tf.keras.Model(x, L.Dense(4)(L.GlobalAveragePooling2D()(y)))
    if kind == "padmean":  # PAD, MEAN over H,W and over W only
        x = inp(10, 8, 3)
        a = L.Conv2D(4, 3, activation="relu")(L.ZeroPadding2D(((1, 2), (3, 0)))(x))
        return tf.keras.Model(x, L.Concatenate()([L.GlobalAveragePooling2D()(a), L.Flatten()(ops.mean(a, axis=[2]))]))
    if kind == "activations":  # LOGISTIC, TANH, requantizing QUANTIZE, SOFTMAX
        x = inp(24)
        a = L.Dense(16, activation="sigmoid")(x)
        b = L.Dense(12, activation="tanh")(x)
        return tf.keras.Model(x, L.Softmax()(L.Dense(10)(L.Concatenate()([a, b]))))
    if kind == "dense":  # FULLY_CONNECTED on a 3-D input (5 batches of 7), RELU6
        x = inp(5, 7)
        a = L.Flatten()(L.Dense(9, activation="relu")(x))
        return tf.keras.Model(x, L.Dense(11, activation="relu6")(a))
    if kind == "clip":  # fused RELU_N1_TO_1
        x = inp(8, 8, 2)
        return tf.keras.Model(x, L.Flatten()(ops.clip(L.Conv2D(3, 3, padding="same")(x), -1.0, 1.0)))
    if kind == "leaky":  # LEAKY_RELU
        x = inp(8, 8, 2)
        return tf.keras.Model(x, L.LeakyReLU()(L.Conv2D(3, 3, padding="same")(x)))
    if kind == "unet":  # TRANSPOSE_CONV, RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, SUB
        x = inp(8, 8, 3)
        d = L.Conv2D(6, 3, strides=2, padding="same", activation="relu")(x)
        u = L.Conv2DTranspose(4, 3, strides=2, padding="same")(d)
        n = L.Conv2D(4, 1)(L.Resizing(8, 8, interpolation="nearest")(d))
        b = L.Conv2D(4, 1)(L.UpSampling2D(2, interpolation="bilinear")(d))
        return tf.keras.Model(x, L.Concatenate()([L.Subtract()([u, n]), b, x]))
    if kind == "hardswish":  # HARD_SWISH (MobileNetV3's activation)
        x = inp(8, 8, 3)
        a = L.Activation(tf.keras.activations.hard_swish)(L.Conv2D(8, 3, padding="same")(x))
        b = L.Activation(tf.keras.activations.hard_swish)(L.DepthwiseConv2D(3)(a))
        return tf.keras.Model(x, L.GlobalAveragePooling2D()(b))
    if kind == "attention":  # BATCH_MATMUL, TRANSPOSE, MUL by a constant, SOFTMAX
        x = inp(6, 16)
        return tf.keras.Model(x, L.MultiHeadAttention(2, 8)(x, x) + x)
    if kind == "prelu":  # PRELU, alpha shared over height and width
        x = inp(8, 8, 3)
        return tf.keras.Model(x, L.PReLU(shared_axes=[1, 2])(L.Conv2D(4, 3)(x)))
    if kind == "argmax":  # a classifier ending in ARG_MAX: one int32 class index out
        x = inp(8, 8, 2)
        h = L.Dense(10)(L.Flatten()(L.Conv2D(4, 3, activation="relu")(x)))
        return tf.keras.Model(x, L.Lambda(lambda v: tf.argmax(v, axis=-1, output_type=tf.int32))(h))
    if kind == "cumsum":  # CUMSUM: the converter leaves it float, which AOT does not run
        x = inp(8, 8, 2)
        return tf.keras.Model(x, ops.cumsum(L.Conv2D(3, 3, padding="same")(x), axis=1))
    raise ValueError(kind)


def convert(model, per_tensor: bool = False, float_io: bool = False, dense_per_tensor: bool = False) -> bytes:
    import tensorflow as tf

    shape = tuple(model.inputs[0].shape[1:])
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(20):
            yield [rng.standard_normal((1, *shape)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    if per_tensor:
        conv._experimental_disable_per_channel = True
    if dense_per_tensor:
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    return conv.convert()


CASES = {
    "conv": ("conv", {}),
    "conv_per_tensor": ("conv", {"per_tensor": True}),
    "depthwise": ("depthwise", {}),
    "depthwise_per_tensor": ("depthwise", {"per_tensor": True}),
    "pool": ("pool", {}),
    "eltwise": ("eltwise", {}),
    "residual": ("residual", {}),
    "padmean": ("padmean", {}),
    "activations": ("activations", {}),
    "activations_float_io": ("activations", {"float_io": True}),
    "dense": ("dense", {}),
    "dense_per_tensor": ("dense", {"dense_per_tensor": True}),
    "clip": ("clip", {}),
    "leaky": ("leaky", {}),
    "unet": ("unet", {}),
    "hardswish": ("hardswish", {}),
    "attention": ("attention", {}),
    "prelu": ("prelu", {}),
    "argmax": ("argmax", {}),
}


@pytest.fixture(scope="module")
def tflite():
    cache: dict[str, bytes] = {}

    def get(case: str) -> bytes:
        if case not in cache:
            kind, kw = CASES[case] if case in CASES else (case, {})
            cache[case] = convert(build(kind), **kw)
        return cache[case]

    return get


def _kernel_variants(steps) -> set[str]:
    out = set()
    for st in steps:
        p = st.params
        tag = st.opcode
        if "per_channel" in p:
            out.add(f"{tag}/{'per_channel' if p['per_channel'] else 'per_tensor'}")
        if p.get("stride_h", 1) > 1 or p.get("stride_w", 1) > 1:
            out.add(f"{tag}/stride")
        if p.get("dilation_h", 1) > 1:
            out.add(f"{tag}/dilation")
        if p.get("depth_multiplier", 1) > 1:
            out.add(f"{tag}/depth_multiplier")
        if "bc" in p and p["bc"]["dims"]:
            out.add(f"{tag}/broadcast")
        if st.remat:
            out.add(f"{tag}/remat")
        out.add(tag)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_bit_exact_against_tflite_micro(tflite, case, tmp_path):
    from tinydeploy.compile import check, compile_model
    from tinydeploy.model.ir import parse_model

    raw = tflite(case)
    model = parse_model(raw, name=f"zoo_{case}")
    cm = compile_model(model, tmp_path / case)
    result = check(cm, raw, inputs=50, seed=11)
    assert result == {"inputs": 50, "exact_match_rate": 1.0, "max_abs_diff": 0.0}


def test_suite_covers_every_kernel_and_variant(tflite):
    from tinydeploy.compile.lower import lower
    from tinydeploy.compile.plan import plan
    from tinydeploy.model.ir import parse_model

    seen: set[str] = set()
    for case in CASES:
        model = parse_model(tflite(case))
        steps, _ = plan(model, lower(model))
        seen |= _kernel_variants(steps)
    want = {
        "CONV_2D/per_channel",
        "CONV_2D/per_tensor",
        "CONV_2D/stride",
        "CONV_2D/dilation",
        "DEPTHWISE_CONV_2D/per_channel",
        "DEPTHWISE_CONV_2D/per_tensor",
        "DEPTHWISE_CONV_2D/stride",
        "DEPTHWISE_CONV_2D/dilation",
        "DEPTHWISE_CONV_2D/depth_multiplier",
        "FULLY_CONNECTED/per_channel",
        "FULLY_CONNECTED/per_tensor",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "SOFTMAX",
        "ADD",
        "MUL",
        "MUL/broadcast",
        "CONCATENATION",
        "PAD",
        "MEAN",
        "LOGISTIC",
        "TANH",
        "QUANTIZE",
        "DEQUANTIZE",
        "RESHAPE",
        "ADD/remat",
    }
    assert want <= seen, sorted(want - seen)


def test_unsupported_op_is_a_one_line_error_naming_op_and_tensor(tflite, tmp_path, capsys):
    from tinydeploy.cli import main

    path = tmp_path / "cumsum.tflite"
    path.write_bytes(tflite("cumsum"))
    assert main(["compile", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "CUMSUM" in err and "--runtime tflm" in err
