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
.venv/bin/tinydeploy --version
