"""The one TensorFlow Lite Micro revision tinydeploy builds, and the third-party
revisions that revision's own download scripts name (third_party_downloads.inc,
flatbuffers_download.sh, kissfft_download.sh, ext_libs/cmsis*_download.sh)."""

from __future__ import annotations

TFLM_COMMIT = "90b983c2b3f1480642e040bbd2ddb37b998f3424"
TFLM_URL = f"https://github.com/tensorflow/tflite-micro/archive/{TFLM_COMMIT}.tar.gz"

# folder under tools/make/downloads -> (revision, archive URL). With the TFLM tree in
# place, TFLM's Makefile downloads these itself (and applies its patches); they are
# listed here so that a user without internet knows exactly what to bring.
THIRD_PARTY: dict[str, tuple[str, str]] = {
    "flatbuffers": ("v25.9.23", "https://github.com/google/flatbuffers/archive/refs/tags/v25.9.23.zip"),
    "gemmlowp": (
        "719139ce755a0f31cbf1c37f7f98adcc7fc9f425",
        "https://github.com/google/gemmlowp/archive/719139ce755a0f31cbf1c37f7f98adcc7fc9f425.zip",
    ),
    "ruy": (
        "d37128311b445e758136b8602d1bbd2a755e115d",
        "https://github.com/google/ruy/archive/d37128311b445e758136b8602d1bbd2a755e115d.zip",
    ),
    "kissfft": ("v130", "https://github.com/mborgerding/kissfft/archive/refs/tags/v130.zip"),
    "cmsis": (
        "5782d6f8057906d360f4b95ec08a2354afe5c9b9",
        "https://github.com/ARM-software/CMSIS_6/archive/5782d6f8057906d360f4b95ec08a2354afe5c9b9.zip",
    ),
    "cmsis/Cortex_DFP": (
        "c2c70a97a20fb355815e2ead3d4a40e35a4a3cdf",
        "https://github.com/ARM-software/Cortex_DFP/archive/c2c70a97a20fb355815e2ead3d4a40e35a4a3cdf.zip",
    ),
    "cmsis_nn": (
        "4ab83cc3cc98fb85ed6dafb55e8ca02f1628dcae",
        "https://github.com/ARM-software/CMSIS-NN/archive/4ab83cc3cc98fb85ed6dafb55e8ca02f1628dcae.zip",
    ),
}

# What --tflm-source / TINYDEPLOY_TFLM_SOURCE may hold (offline): these two tarballs
# (tflite-micro/ in the first; the THIRD_PARTY folders at the top of the second), or
# the same trees extracted side by side.
SOURCE_TARBALL = "tflite-micro.tar.xz"
THIRD_PARTY_TARBALL = "tflm-third-party.tar.xz"
