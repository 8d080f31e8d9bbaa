"""Train the bundled example: a tiny CNN that tells horizontal from vertical stripes.

Synthetic data, deterministic, trains in a few seconds on a CPU. Writes into the
folder given (default: examples/tiny_cnn/out):
  tiny_cnn.keras     the float Keras model
  calibration.npy    200 representative inputs for int8 calibration
  test_x.npy / test_y.npy   a held-out labelled test set
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CLASSES = ("horizontal", "vertical", "noise")
SIZE = 16


def make_data(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, len(CLASSES), size=count)
    images = rng.normal(0.0, 0.3, size=(count, SIZE, SIZE, 1)).astype(np.float32)
    for image, label in zip(images, labels):
        if label == 2:
            continue
        period = int(rng.integers(3, 6))
        phase = int(rng.integers(0, period))
        stripes = (np.arange(SIZE) + phase) % period == 0
        if label == 0:
            image[stripes, :, 0] += 1.0
        else:
            image[:, stripes, 0] += 1.0
    return images, labels.astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import tensorflow as tf

    tf.keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x_train, y_train = make_data(3000, rng)
    x_test, y_test = make_data(300, rng)
    L = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input((SIZE, SIZE, 1)),
            L.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            L.DepthwiseConv2D(3, padding="same", activation="relu"),
            L.Conv2D(16, 1, activation="relu"),
            L.AveragePooling2D(2),
            L.Flatten(),
            L.Dense(len(CLASSES)),
            L.Softmax(),
        ],
        name="tiny_cnn",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / "tiny_cnn.keras")
    np.save(args.out / "calibration.npy", x_train[:200])
    np.save(args.out / "test_x.npy", x_test)
    np.save(args.out / "test_y.npy", y_test)
    print(f"float test accuracy {accuracy:.3f}; wrote {args.out}/tiny_cnn.keras and data")


if __name__ == "__main__":
    main()
