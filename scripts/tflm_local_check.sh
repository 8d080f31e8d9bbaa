#!/usr/bin/env bash
# Developer tool (not CI): check tinydeploy's TensorFlow Lite Micro variant of td_model.h
# against a real TFLM source tree, offline.
#
#   1. builds TFLM's libtensorflow-microlite.a for the host with TFLM's own Makefile;
#   2. renders tflm_model.cc + model_data.h/.c for each .tflite (write_tflm_model), links a
#      small test program (td_model_init, deterministic random int8 inputs, td_model_invoke)
#      against the library and compares its output bytes with tflite-micro's Python
#      interpreter on the same inputs: they must be identical;
#   3. with --cortex-m4: cross-builds TFLM (cortex_m_generic, cortex-m4, CMSIS-NN kernels)
#      with the system arm-none-eabi-gcc and compiles each rendered tflm_model.cc for it;
#      if qemu-system-arm is there, links a bare-metal test (same inputs) and runs it on
#      QEMU's mps2-an386 (Cortex-M4), comparing outputs with tflite-micro's Python likewise.
#
# It downloads nothing. TFLM's Makefile downloads its third-party code into
# tensorflow/lite/micro/tools/make/downloads/ when a folder is missing there; this script
# links the folders you give it into that place first (and sets a dead proxy for make, so a
# download attempt fails instead of reaching out). Build output goes to TFLM_SRC/gen/.
#
# Usage: scripts/tflm_local_check.sh TFLM_SRC THIRD_PARTY_DIR [options]
#   TFLM_SRC          a tflite-micro source tree (work tree, not a bare git dir)
#   THIRD_PARTY_DIR   holds the folders TFLM's download scripts would make (see --help)
# Options:
#   --models DIR      folder of .tflite files (default: <repo>/../shared/models/mlperf-tiny)
#   --inputs N        inputs per model and input mode (default 20; 2 modes)
#   --work DIR        scratch folder (default: a new mktemp -d)
#   --jobs N          make -j N (default 2)
#   --cortex-m4       also do step 3
#   --python PATH     python with tinydeploy and tflite_micro (default: python3 on PATH)
#   --make-python PATH  python3 with Pillow and numpy for TFLM's Makefile, which runs
#                     generate_cc_arrays.py while it reads its example makefiles
#                     (default: python3 on PATH)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  cat <<'EOF'
THIRD_PARTY_DIR layout (the versions TFLM_SRC's own download scripts name; print them with
--help TFLM_SRC, or read tensorflow/lite/micro/tools/make/third_party_downloads.inc,
flatbuffers_download.sh, kissfft_download.sh and ext_libs/cmsis*_download.sh):
  flatbuffers/  google/flatbuffers at the pinned tag, with BUILD files removed and
                tensorflow/lite/micro/tools/make/flatbuffers.patch applied (patch -p1)
  gemmlowp/     google/gemmlowp at the pinned commit
  ruy/          google/ruy at the pinned commit
  kissfft/      mborgerding/kissfft at the pinned tag, with third_party/kissfft/kissfft.patch
                applied (patch -p1)
  with --cortex-m4 also:
  cmsis/        ARM-software/CMSIS_6 at the pinned commit, with ARM-software/Cortex_DFP at its
                pinned commit in cmsis/Cortex_DFP/
  cmsis_nn/     ARM-software/CMSIS-NN at the pinned commit
Example, from local git mirrors:
  git --git-dir=MIRROR archive TAG_OR_COMMIT | tar -x -C THIRD_PARTY_DIR/flatbuffers
  patch -p1 -d THIRD_PARTY_DIR/flatbuffers < TFLM_SRC/tensorflow/lite/micro/tools/make/flatbuffers.patch
EOF
}

die() { echo "tflm_local_check: $*" >&2; exit 2; }

pinned_versions() {  # what TFLM_SRC's download scripts would fetch
  local mk="$1/tensorflow/lite/micro/tools/make"
  echo "Versions pinned by $1:"
  grep -hoE '(GEMMLOWP|RUY|FLATBUFFERS|KISSFFT)_URL *:?= *"[^"]+"' "$mk/third_party_downloads.inc" \
    | sed 's/^/  /' || true
  grep -hoE '^ *(ZIP_PREFIX(_NN)?|CMSIS(_DFP|_NN)?_URL)="[^"]+"' \
    "$mk/ext_libs/cmsis_download.sh" "$mk/ext_libs/cmsis_nn_download.sh" 2>/dev/null \
    | sed 's/^ */  /' || true
}

TFLM="" TP="" MODELS="" INPUTS=20 WORK="" JOBS=2 M4=0 PY=python3 MAKEPY=python3
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; [ -n "$TFLM" ] && pinned_versions "$TFLM"; exit 0 ;;
    --models) MODELS="$2"; shift 2 ;;
    --inputs) INPUTS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --cortex-m4) M4=1; shift ;;
    --python) PY="$2"; shift 2 ;;
    --make-python) MAKEPY="$2"; shift 2 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) if [ -z "$TFLM" ]; then TFLM="$1"; elif [ -z "$TP" ]; then TP="$1"; else die "extra argument $1"; fi; shift ;;
  esac
done
[ -n "$TFLM" ] && [ -n "$TP" ] || { usage >&2; exit 2; }
[ -d "$TFLM" ] || die "TFLM_SRC $TFLM is not a folder"
[ -d "$TP" ] || die "THIRD_PARTY_DIR $TP is not a folder"
TFLM="$(cd "$TFLM" && pwd)" TP="$(cd "$TP" && pwd)"
MK="$TFLM/tensorflow/lite/micro/tools/make"
[ -f "$MK/Makefile" ] || die "$TFLM is not a tflite-micro source tree (no tensorflow/lite/micro/tools/make/Makefile)"
MODELS="${MODELS:-$REPO/../shared/models/mlperf-tiny}"
ls "$MODELS"/*.tflite >/dev/null 2>&1 || die "no .tflite files in $MODELS (use --models DIR)"

# ---- what is needed, checked before anything runs ------------------------------------
missing=()
need() {  # need FOLDER FILE [TEXT-IN-FILE] DESCRIPTION
  local dir="$1" file="$2" text="$3" what="$4"
  if [ ! -f "$TP/$dir/$file" ]; then
    missing+=("$dir/: $what (no $dir/$file)")
  elif [ -n "$text" ] && ! grep -q "$text" "$TP/$dir/$file"; then
    missing+=("$dir/: $what ($dir/$file lacks the patch/version mark '$text')")
  fi
}
need flatbuffers include/flatbuffers/base.h "For TFLM, we always want FLATBUFFERS_LOCALE_INDEPENDENT" \
  "google/flatbuffers with TFLM's flatbuffers.patch applied"
fb_ver="$(sed -n 's/^#define FLATBUFFERS_VERSION_\(MAJOR\|MINOR\|REVISION\) \([0-9]*\).*/\2/p' \
  "$TP/flatbuffers/include/flatbuffers/base.h" 2>/dev/null | paste -sd. - || true)"
fb_want="$(grep -oE 'flatbuffers/archive/refs/tags/v[0-9.]+\.zip' "$MK/third_party_downloads.inc" \
  | head -1 | sed 's/.*tags\/v//; s/\.zip$//' || true)"
if [ -n "$fb_ver" ] && [ -n "$fb_want" ] && [ "$fb_ver" != "$fb_want" ]; then
  missing+=("flatbuffers/: is $fb_ver, TFLM pins v$fb_want")
fi
need gemmlowp fixedpoint/fixedpoint.h "" "google/gemmlowp"
need ruy ruy/profiler/instrumentation.h "" "google/ruy"
need kissfft _kiss_fft_guts.h "_KISS_FFT_GUTS_H" "mborgerding/kissfft with TFLM's kissfft.patch applied"
if [ "$M4" = 1 ]; then
  need cmsis CMSIS/Core/Include/cmsis_compiler.h "" "ARM-software/CMSIS_6"
  need cmsis Cortex_DFP/Device/ARMCM4/Include/ARMCM4.h "" "ARM-software/Cortex_DFP in cmsis/Cortex_DFP"
  need cmsis_nn Include/arm_nnfunctions.h "" "ARM-software/CMSIS-NN"
  command -v arm-none-eabi-gcc >/dev/null || missing+=("arm-none-eabi-gcc on PATH (Debian: apt-get install gcc-arm-none-eabi)")
fi
"$MAKEPY" -c "import PIL, numpy" 2>/dev/null \
  || missing+=("--make-python: $MAKEPY lacks Pillow/numpy, which TFLM's Makefile needs (python3 -m venv --system-site-packages V && V/bin/pip install pillow numpy)")
"$PY" -c "import tinydeploy, tflite_micro.python.tflite_micro.runtime" 2>/dev/null \
  || missing+=("--python: $PY cannot import tinydeploy and tflite_micro (use the project's venv python)")
for tool in make g++ gcc; do command -v $tool >/dev/null || missing+=("$tool on PATH"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tflm_local_check: missing, nothing was built:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  pinned_versions "$TFLM" >&2
  echo "See --help for the layout of THIRD_PARTY_DIR." >&2
  exit 2
fi

WORK="${WORK:-$(mktemp -d /tmp/tflm_check.XXXXXX)}"
mkdir -p "$WORK/bin"
# (a wrapper, not a symlink: a venv's python finds its packages only from its own path)
rm -f "$WORK/bin/python3"  # never write through an old symlink
printf '#!/bin/sh\nexec "%s" "$@"\n' "$(command -v "$MAKEPY")" > "$WORK/bin/python3"
chmod +x "$WORK/bin/python3"
# TFLM's Makefile calls python3 by name; any download it still tried must fail, not fetch.
export PATH="$WORK/bin:$PATH"
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
echo "== work folder $WORK"

DL="$MK/downloads"
mkdir -p "$DL"
for d in flatbuffers gemmlowp ruy kissfft; do
  if [ -e "$DL/$d" ] || [ -L "$DL/$d" ]; then
    if [ "$(readlink -f "$DL/$d")" != "$(readlink -f "$TP/$d")" ]; then
      echo "note: $DL/$d already exists and is not $TP/$d; TFLM will use the existing one"
    fi
  else
    ln -s "$TP/$d" "$DL/$d"
  fi
done
# third_party.inc runs pigweed_download.sh (a git clone) on every make unless the folder
# exists; the microlite library uses nothing from it.
if [ ! -e "$DL/pigweed" ]; then
  mkdir "$DL/pigweed"
  echo "note: made an empty $DL/pigweed placeholder (microlite does not use pigweed)"
fi

tmake() { (cd "$TFLM" && nice -n 10 make -f tensorflow/lite/micro/tools/make/Makefile "$@"); }
tvar() { local v="$1"; shift; tmake -s "$@" "print-$v" 2>/dev/null | sed -n "s/^$v=//p" | head -1; }

# ---- 1. host library ---------------------------------------------------------------
echo "== 1. host: make -f tensorflow/lite/micro/tools/make/Makefile -j$JOBS microlite"
tmake -j"$JOBS" microlite > "$WORK/host_build.log" 2>&1 \
  || { tail -30 "$WORK/host_build.log"; die "host build failed (log: $WORK/host_build.log)"; }
HOST_LIB="$TFLM/$(tvar MICROLITE_LIB_PATH)"
[ -f "$HOST_LIB" ] || HOST_LIB="$(ls -t "$TFLM"/gen/linux_x86_64_*/lib/libtensorflow-microlite.a | head -1)"
echo "built $HOST_LIB"
HOST_CXXFLAGS="$(tvar CXXFLAGS)"
HOST_INCLUDES="$(tvar INCLUDES)"

# ---- 2. render, link, compare ------------------------------------------------------
cat > "$WORK/td_host_test.cc" <<'EOF'
// td_model.h host test: deterministic random inputs, output bytes in hex, memory figures.
#include <cstdio>
#include <cstdlib>
#include "td_model.h"

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 10;
  uint64_t seed = argc > 2 ? strtoull(argv[2], nullptr, 10) : 1;
  // mode 0: uniform int8; mode 1: zero_point + small noise (keeps classifiers unsaturated)
  int mode = argc > 3 ? atoi(argv[3]) : 0;
  td_status st = td_model_init();
  if (st != TD_OK) { printf("init failed: %d\n", (int)st); return 1; }
  if (td_model_init() != TD_OK) { printf("second init failed\n"); return 1; }
  const td_tensor_info *in = td_model_input_info(), *out = td_model_output_info();
  printf("model %s hash %s runtime %s\n", td_model_name(), td_model_hash(), td_model_runtime());
  if (in->dtype != TD_INT8) { printf("input is not int8: unsupported by this test\n"); return 1; }
  for (int n = 0; n < count; ++n) {
    uint64_t s = seed * 1000003ull + (uint64_t)n;
    int8_t *x = static_cast<int8_t *>(td_model_input());
    for (int i = 0; i < in->bytes; ++i) {
      int v = (int8_t)(uint8_t)(splitmix64(&s) >> 56);
      if (mode == 1) {
        v = in->zero_point + v / 8;
        v = v < -128 ? -128 : (v > 127 ? 127 : v);
      }
      x[i] = (int8_t)v;
    }
    if ((st = td_model_invoke()) != TD_OK) { printf("invoke failed: %d\n", (int)st); return 1; }
    const uint8_t *y = static_cast<const uint8_t *>(td_model_output());
    printf("out %d ", n);
    for (int i = 0; i < out->bytes; ++i) printf("%02x", y[i]);
    printf("\n");
  }
  printf("arena_used %u static %u\n", (unsigned)td_model_arena_bytes(),
         (unsigned)td_model_static_bytes());
  return 0;
}
EOF
cat > "$WORK/render_compare.py" <<'EOF'
import re, subprocess, sys
from pathlib import Path
import numpy as np
from tinydeploy.codegen.tflm import write_tflm_model
from tinydeploy.model.ir import read_model
from tflite_micro.python.tflite_micro import runtime

M64 = (1 << 64) - 1
def inputs(n, seed, size, mode, zp):
    s, out = (seed * 1000003 + n) & M64, bytearray(size)
    for i in range(size):
        s = (s + 0x9E3779B97F4A7C15) & M64
        z = ((s ^ (s >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        out[i] = (z ^ (z >> 31)) >> 56
    x = np.frombuffer(bytes(out), np.int8).astype(np.int32)
    if mode == 1:
        x = np.clip(zp + np.trunc(x / 8).astype(np.int32), -128, 127)
    return x.astype(np.int8)

cmd, work = sys.argv[1], Path(sys.argv[2])
if cmd == "render":
    for p in sys.argv[3:]:
        m = read_model(p)
        out = work / "models" / m.name
        out.mkdir(parents=True, exist_ok=True)
        s = write_tflm_model(m, Path(p).read_bytes(), out)
        print(f"{m.name} {s.tflm_arena_bytes} {s.arena_bytes}")
    sys.exit(0)
if cmd == "compare-log":  # a QEMU UART log: "out MODE N HEX" lines
    text = Path(sys.argv[3]).read_text(errors="replace")
    raw = Path(sys.argv[4]).read_bytes()
    ip = runtime.Interpreter.from_bytes(raw, arena_size=max(len(raw) * 10, 1 << 20))
    d = ip.get_input_details(0)
    shape = tuple(int(v) for v in d["shape"])
    zps = d["quantization_parameters"]["zero_points"]
    zp = int(zps[0]) if len(zps) else 0
    outs = re.findall(r"out (\d) (\d+) ([0-9a-f]+)", text)
    same = 0
    for mode, n, h in outs:
        ip.set_input(inputs(int(n), 7, int(np.prod(shape)), int(mode), zp).reshape(shape), 0)
        ip.invoke()
        same += np.array(ip.get_output(0)).tobytes().hex() == h
    arena = re.search(r"arena_used (\d+) static (\d+)", text)
    ok = arena is not None and outs and same == len(outs)
    print(f"{'OK  ' if ok else 'FAIL'} {Path(sys.argv[4]).stem}: cortex-m4 in QEMU {same}/{len(outs)} "
          f"identical; " + (f"arena used {arena.group(1)} bytes, static {arena.group(2)} bytes"
                            if arena else f"log: {text.strip()[-200:]!r}"))
    sys.exit(0 if ok else 1)
exe, tflite, count, seed = sys.argv[3], sys.argv[4], int(sys.argv[5]), 7
raw = Path(tflite).read_bytes()
ip = runtime.Interpreter.from_bytes(raw, arena_size=max(len(raw) * 10, 1 << 20))
d = ip.get_input_details(0)
shape = tuple(int(v) for v in d["shape"])
zps = d["quantization_parameters"]["zero_points"]
zp = int(zps[0]) if len(zps) else 0
same = total = 0
distinct = set()
for mode in (0, 1):
    text = subprocess.run([exe, str(count), str(seed), str(mode)], capture_output=True,
                          text=True).stdout
    if "arena_used" not in text:
        print(f"FAIL {Path(tflite).stem}: test program: {text.strip()[-300:]}"); sys.exit(1)
    outs = dict(l.split()[1:3] for l in text.splitlines() if l.startswith("out "))
    for n in range(count):
        ip.set_input(inputs(n, seed, int(np.prod(shape)), mode, zp).reshape(shape), 0)
        ip.invoke()
        y = np.array(ip.get_output(0)).tobytes().hex()
        total += 1
        distinct.add(y)
        if outs.get(str(n)) == y:
            same += 1
        elif total - same <= 3:
            print(f"  mode {mode} input {n}: C {outs.get(str(n))} != Python {y}")
    arena = re.search(r"arena_used (\d+) static (\d+)", text)
print(f"{'OK  ' if same == total else 'FAIL'} {Path(tflite).stem}: {same}/{total} identical "
      f"({len(distinct)} distinct outputs); arena used {arena.group(1)} bytes, "
      f"static {arena.group(2)} bytes")
sys.exit(0 if same == total else 1)
EOF
echo "== 2. render tflm_model.cc (write_tflm_model), link against $(basename "$HOST_LIB"), compare"
"$PY" "$WORK/render_compare.py" render "$WORK" "$MODELS"/*.tflite 2>/dev/null > "$WORK/arena.txt" \
  || die "rendering failed: $PY $WORK/render_compare.py render $WORK $MODELS/*.tflite"
fail=0
while read -r name measured reserved; do
  md="$WORK/models/$name"
  # TFLM's flag lists carry shell quoting (-D...=\"ARMCM4.h\"): eval them as make's shell would.
  (cd "$TFLM" && eval "g++ $HOST_CXXFLAGS -O2 $HOST_INCLUDES -I'$REPO/firmware/runtime' -I'$md' \
      -c '$md/tflm_model.cc' -o '$md/tflm_model.o'" \
    && gcc -O2 -I"$md" -c "$md/model_data.c" -o "$md/model_data.o" \
    && eval "g++ $HOST_CXXFLAGS -O2 -I'$REPO/firmware/runtime' -c '$WORK/td_host_test.cc' -o '$md/test.o'" \
    && g++ -o "$md/td_host_test" "$md/test.o" "$md/tflm_model.o" "$md/model_data.o" "$HOST_LIB" -lm) \
    || { echo "FAIL $name: host compile/link"; fail=1; continue; }
  "$PY" "$WORK/render_compare.py" compare "$WORK" "$md/td_host_test" "$MODELS/$name.tflite" "$INPUTS" \
    2>/dev/null || fail=1
  echo "     tflite-micro (Python, 64-bit) measured arena $measured bytes; template reserves $reserved"
done < "$WORK/arena.txt"

# ---- 3. Cortex-M4 ------------------------------------------------------------------
if [ "$M4" = 1 ]; then
  M4ARGS=(TARGET=cortex_m_generic TARGET_ARCH=cortex-m4 OPTIMIZED_KERNEL_DIR=cmsis_nn
          "TARGET_TOOLCHAIN_ROOT=$(dirname "$(command -v arm-none-eabi-gcc)")/"
          "CMSIS_PATH=$TP/cmsis" "CMSIS_NN_PATH=$TP/cmsis_nn")
  echo "== 3. cortex-m4: make ... ${M4ARGS[*]} -j$JOBS microlite"
  tmake "${M4ARGS[@]}" -j"$JOBS" microlite > "$WORK/m4_build.log" 2>&1 \
    || { tail -30 "$WORK/m4_build.log"; die "cortex-m4 build failed (log: $WORK/m4_build.log)"; }
  M4_LIB="$TFLM/$(tvar MICROLITE_LIB_PATH "${M4ARGS[@]}")"
  echo "built $M4_LIB"
  M4_CXXFLAGS="$(tvar CXXFLAGS "${M4ARGS[@]}")"
  M4_CCFLAGS="$(tvar CCFLAGS "${M4ARGS[@]}")"
  M4_INCLUDES="$(tvar INCLUDES "${M4ARGS[@]}")"
  # the -mcpu/-mfloat-abi/-mthumb the library was built with, for the QEMU link
  M4_LDFLAGS="$(echo "$M4_CXXFLAGS" | tr ' ' '\n' | grep -E '^-m(cpu|thumb|float-abi|fpu)' | tr '\n' ' ')"
  QEMU=0
  if command -v qemu-system-arm >/dev/null; then
    QEMU=1
    cat > "$WORK/startup.c" <<'STARTUP_EOF'
/* Minimal Cortex-M4 startup for QEMU mps2-an386: vector table, .data/.bss init, C++ ctors,
 * CMSDK UART0 output, semihosting exit. Test harness only. */
#include <stdint.h>
#include <string.h>
extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
extern void __libc_init_array(void);
extern int main(void);
void semihost_exit(int code);
void Reset_Handler(void) {
  memcpy(&_sdata, &_sidata, (uint8_t *)&_edata - (uint8_t *)&_sdata);
  memset(&_sbss, 0, (uint8_t *)&_ebss - (uint8_t *)&_sbss);
  __libc_init_array();
  semihost_exit(main());
}
static void Fault_Handler(void) { semihost_exit(99); }
__attribute__((section(".isr_vector"), used)) void (*const g_vectors[16])(void) = {
  (void (*)(void))&_estack, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
  Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler,
  Fault_Handler};
#define UART0 ((volatile uint32_t *)0x40004000u)
void uart_putc(char c) {
  static int on = 0;
  if (!on) { UART0[4] = 16; UART0[2] = 1; on = 1; }  /* BAUDDIV, CTRL.TX_EN */
  while (UART0[1] & 1u) {}
  UART0[0] = (uint8_t)c;
}
void semihost_exit(int code) {
  /* SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit and the code */
  uint32_t block[2] = {0x20026u, (uint32_t)code};
  register uint32_t r0 __asm__("r0") = 0x20;
  register uint32_t r1 __asm__("r1") = (uint32_t)block;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) {}
}
/* newlib hooks (nosys) */
int _write(int fd, const char *p, int n) { for (int i = 0; i < n; ++i) uart_putc(p[i]); return n; }
void *__dso_handle = 0;
void _init(void) {} void _fini(void) {}
STARTUP_EOF
    cat > "$WORK/link.ld" <<'LINK_EOF'
MEMORY { FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M }
ENTRY(Reset_Handler)
_estack = ORIGIN(RAM) + LENGTH(RAM);
SECTIONS {
  .text : { KEEP(*(.isr_vector)) *(.text*) *(.rodata*)
    . = ALIGN(4); __preinit_array_start = .; KEEP(*(.preinit_array)) __preinit_array_end = .;
    __init_array_start = .; KEEP(*(SORT(.init_array.*))) KEEP(*(.init_array)) __init_array_end = .;
    KEEP(*(.init)) KEEP(*(.fini)) } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  _sidata = LOADADDR(.data);
  .data : { . = ALIGN(4); _sdata = .; *(.data*) . = ALIGN(4); _edata = .; } > RAM AT > FLASH
  .bss (NOLOAD) : { . = ALIGN(16); _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; end = .; _end = .; } > RAM
}
LINK_EOF
    cat > "$WORK/m4_test.cc" <<'M4TEST_EOF'
// td_model.h test on the MCU: same deterministic inputs as the host test, output via UART.
#include <cstdio>
#include "td_model.h"
extern "C" void uart_putc(char c);
static void puts_(const char *s) { while (*s) uart_putc(*s++); }
static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
#ifndef COUNT
#define COUNT 10
#endif
int main(void) {
  char buf[64];
  td_status st = td_model_init();
  if (st != TD_OK) { snprintf(buf, sizeof buf, "init failed: %d\n", (int)st); puts_(buf); return 1; }
  const td_tensor_info *in = td_model_input_info(), *out = td_model_output_info();
  for (int mode = 0; mode < 2; ++mode) {
    for (int n = 0; n < COUNT; ++n) {
      uint64_t s = 7ull * 1000003ull + (uint64_t)n;
      int8_t *x = static_cast<int8_t *>(td_model_input());
      for (int i = 0; i < in->bytes; ++i) {
        int v = (int8_t)(uint8_t)(splitmix64(&s) >> 56);
        if (mode == 1) { v = in->zero_point + v / 8; v = v < -128 ? -128 : (v > 127 ? 127 : v); }
        x[i] = (int8_t)v;
      }
      if ((st = td_model_invoke()) != TD_OK) { puts_("invoke failed\n"); return 1; }
      const uint8_t *y = static_cast<const uint8_t *>(td_model_output());
      snprintf(buf, sizeof buf, "out %d %d ", mode, n); puts_(buf);
      for (int i = 0; i < out->bytes; ++i) { snprintf(buf, sizeof buf, "%02x", y[i]); puts_(buf); }
      puts_("\n");
    }
  }
  snprintf(buf, sizeof buf, "arena_used %u static %u\n", (unsigned)td_model_arena_bytes(),
           (unsigned)td_model_static_bytes());
  puts_(buf);
  return 0;
}
M4TEST_EOF
  else
    echo "note: no qemu-system-arm: cortex-m4 objects are compiled, not run"
  fi
  while read -r name measured reserved; do
    md="$WORK/models/$name"
    if (cd "$TFLM" && eval "arm-none-eabi-g++ $M4_CXXFLAGS -Os $M4_INCLUDES -I'$REPO/firmware/runtime' \
          -I'$md' -c '$md/tflm_model.cc' -o '$md/tflm_model.m4.o'" \
        && eval "arm-none-eabi-gcc $M4_CCFLAGS -Os -I'$md' -c '$md/model_data.c' -o '$md/model_data.m4.o'"); then
      echo "OK   $name: tflm_model.cc compiles for cortex-m4 ($(arm-none-eabi-size "$md/tflm_model.m4.o" \
        | awk 'NR==2 {print "text " $1 ", data " $2 ", bss " $3}'))"
    else
      echo "FAIL $name: cortex-m4 compile"; fail=1; continue
    fi
    [ "$QEMU" = 1 ] || continue
    if (cd "$TFLM" && eval "arm-none-eabi-g++ $M4_CXXFLAGS -Os -DCOUNT=$INPUTS -I'$REPO/firmware/runtime' \
          -c '$WORK/m4_test.cc' -o '$md/m4_test.o'" \
        && eval "arm-none-eabi-gcc $M4_CCFLAGS -Os -c '$WORK/startup.c' -o '$md/startup.o'" \
        && arm-none-eabi-g++ $M4_LDFLAGS -nostartfiles --specs=nano.specs --specs=nosys.specs \
          -T "$WORK/link.ld" -Wl,--gc-sections -o "$md/m4.elf" "$md/startup.o" "$md/m4_test.o" \
          "$md/tflm_model.m4.o" "$md/model_data.m4.o" "$M4_LIB" -lm 2>"$md/m4_link.log"); then
      timeout 600 qemu-system-arm -M mps2-an386 -nographic -monitor none \
        -semihosting-config enable=on,target=native -kernel "$md/m4.elf" \
        -serial "file:$md/m4_uart.log" > "$md/qemu.out" 2>&1 || true
      "$PY" "$WORK/render_compare.py" compare-log "$WORK" "$md/m4_uart.log" "$MODELS/$name.tflite" \
        2>/dev/null || fail=1
    else
      echo "FAIL $name: cortex-m4 link ($md/m4_link.log)"; fail=1
    fi
  done < "$WORK/arena.txt"
fi

[ "$fail" = 0 ] && echo "== all checks passed" || echo "== some checks FAILED"
exit "$fail"
