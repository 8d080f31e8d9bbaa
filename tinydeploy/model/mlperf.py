"""MLPerf Tiny model ids: what the official runner expects `profile%` to report.

The runner (mlcommons/tiny benchmark/runner) picks its test script and data set by the
model id the device reports in `m-model-[<id>]`, and knows only its own ids. The four
reference models are recognised by the SHA-256 of their .tflite; any other model gets an
id only when the user names one (`--mlperf-id`).
"""

from __future__ import annotations

from tinydeploy.errors import ConfigError

MLPERF_IDS = ("kws01", "vww01", "ic01", "ad01")

# SHA-256 of the reference .tflite files (benchmark/training/*/trained_models/).
REFERENCE_MODELS = {
    "aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae": "kws01",
    "597a384c8c2c8a1276f04702f25013b7838f2f814f1ca7c174d295b73e3d6b7b": "vww01",
    "3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415": "ic01",
    "87cf24194ef93d1d9b11a591d805526b98008e351655d29883c825c9c106ba24": "ad01",
}


def mlperf_id(sha256: str, requested: str | None = None) -> str | None:
    """The id the firmware reports: ``requested`` (checked), else the reference
    model's id when the model is one of the four, else None (the model's name)."""
    if requested is not None:
        if requested not in MLPERF_IDS:
            raise ConfigError(
                f"'{requested}' is not an MLPerf Tiny model id; use one of: {', '.join(MLPERF_IDS)}",
                where="--mlperf-id",
            )
        return requested
    return REFERENCE_MODELS.get(sha256)
