#!/usr/bin/env bash
# Install everything tinydeploy needs on a fresh Debian machine (as root):
# the Arm toolchain and QEMU from apt, and a virtualenv (.venv) with the package.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Mono packages run ../shared/thirdparty's Renode 1.14 (the Renode boards' tests):
# the runtime and the framework assemblies Renode loads, not all of mono-complete.
APT_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib espeak-ng
              qemu-system-arm gcc make cmake python3-venv clang libclang-rt-dev chromium
              mono-runtime libmono-system-xml-linq4.0-cil libmono-posix4.0-cil
              libmono-microsoft-csharp4.0-cil libmono-system-drawing4.0-cil)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" \
    || { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# The ONNX and PyTorch front ends (the onnx and torch extras), for their tests: PyTorch's
# CPU wheel by its exact version (this machine keeps it on disk; a bare 'torch' fetches a
# CUDA build of several GB), and tf-keras (which onnx2tf imports) without its 'tensorflow'
# requirement, tensorflow-cpu being that TensorFlow.
.venv/bin/python -m pip install -q 'torch==2.13.0'
.venv/bin/python -m pip install -q --no-deps 'tf-keras>=2.16,<2.22'
.venv/bin/python -m pip install -q -e '.[test,onnx,torch]'
.venv/bin/tinydeploy --version
