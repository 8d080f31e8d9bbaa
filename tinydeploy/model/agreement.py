"""Float vs quantized (int8 or 16x8) agreement of one model on the same samples, both
run in tflite-micro."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tinydeploy.model.ir import Model
from tinydeploy.model.reference import Reference

# Agreement needs no more samples than this to be a stable figure.
MAX_AGREEMENT_SAMPLES = 200


@dataclass(frozen=True)
class Agreement:
    samples: int
    top1_agreement: float | None  # None when the output is a single value
    max_abs_error: float  # in the output's real units
    mean_abs_error: float
    max_error_steps: float  # max_abs_error in output quantization steps (int8 or int16)

    def as_dict(self) -> dict:
        return asdict(self)


def _quantize(x: np.ndarray, scale: float, zero_point: int, dtype: np.dtype = np.dtype(np.int8)) -> np.ndarray:
    q = np.round(x / scale) + zero_point
    info = np.iinfo(dtype)
    return np.clip(q, info.min, info.max).astype(dtype)


def _qparams(details: dict) -> tuple[float, int]:
    q = details["quantization_parameters"]
    if not len(q["scales"]):
        return 0.0, 0
    return float(q["scales"][0]), int(q["zero_points"][0])


def agreement(float_raw: bytes, int8_raw: bytes, samples: np.ndarray, int8_model: Model | None = None) -> Agreement:
    """Run float and int8 models on ``samples`` (float32, [N, ...]) and compare outputs.

    ``int8_model``: the parsed int8 model, to name it and its ops in errors.
    """
    qref = Reference(int8_raw, int8_model)  # first: TFLite Micro refusing it is the news
    fref = Reference(float_raw)
    in_scale, in_zp = _qparams(qref.input_details)
    out_scale, out_zp = _qparams(qref.output_details)
    samples = samples[:MAX_AGREEMENT_SAMPLES]
    errors, same = [], []
    for x in samples:
        y_float = fref.run(x.astype(np.float32).reshape(fref.input_shape)).astype(np.float64)
        quantized_in = qref.input_dtype in (np.int8, np.int16)
        xq = _quantize(x, in_scale, in_zp, qref.input_dtype) if quantized_in else x.astype(np.float32)
        y_q = qref.run(xq.reshape(qref.input_shape))
        y_int8 = (y_q.astype(np.float64) - out_zp) * out_scale if y_q.dtype in (np.int8, np.int16) else y_q
        errors.append(np.abs(y_float - y_int8).ravel())
        if y_float.size > 1:
            same.append(int(np.argmax(y_float)) == int(np.argmax(y_int8)))
    err = np.concatenate(errors)
    max_err = float(err.max()) if err.size else 0.0
    return Agreement(
        samples=len(samples),
        top1_agreement=float(np.mean(same)) if same else None,
        max_abs_error=max_err,
        mean_abs_error=float(err.mean()) if err.size else 0.0,
        max_error_steps=max_err / out_scale if out_scale else 0.0,
    )
