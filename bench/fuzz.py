"""Fuzz the firmware's tdlink protocol server (command parser + input loaders) with libFuzzer.

Builds firmware/fuzz/fuzz_server.c natively with clang's libFuzzer, AddressSanitizer and
UndefinedBehaviorSanitizer, seeds it with firmware/fuzz/seeds (valid sessions) and
firmware/fuzz/regressions (inputs that once crashed), runs it, and writes one JSON object:
executions, executions per second, crashes, hangs (timeouts), out-of-memory, corpus size.

    python bench/fuzz.py --seconds 900 --out bench/results/fuzz.json
    python bench/fuzz.py --runs 10000000

A crash, hang or OOM input is copied to firmware/fuzz/regressions/ with --keep, where
tests/fuzz/ replays it on every test run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FUZZ_DIR = REPO / "firmware" / "fuzz"
SOURCES = [FUZZ_DIR / "fuzz_server.c", FUZZ_DIR / "fuzz_model.c", REPO / "firmware" / "app" / "td_io.c"]
INCLUDES = [FUZZ_DIR, REPO / "firmware" / "app", REPO / "firmware" / "runtime"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


class FuzzSetupError(RuntimeError):
    """clang or its libFuzzer runtime is missing, or the target does not build."""


def clang_path() -> str | None:
    return shutil.which("clang")


def _compile(cc: str, flags: list[str], out: Path) -> Path:
    cmd = [cc, "-g", "-O1", *flags, *[f"-I{d}" for d in INCLUDES], *map(str, SOURCES), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise FuzzSetupError(f"{' '.join(cmd)}\n{proc.stderr.strip()}")
    return out


def build_fuzzer(out_dir: Path) -> Path:
    """The libFuzzer binary (clang only)."""
    cc = clang_path()
    if cc is None:
        raise FuzzSetupError("clang is not installed (apt-get install clang libclang-rt-dev)")
    return _compile(cc, ["-fsanitize=fuzzer", *SANITIZE], out_dir / "fuzz_server")


def build_replayer(out_dir: Path, cc: str = "cc") -> Path:
    """A plain sanitized program replaying input files (gcc or clang, no libFuzzer)."""
    return _compile(cc, ["-DTD_FUZZ_REPLAY", *SANITIZE], out_dir / "fuzz_replay")


def corpus_files() -> list[Path]:
    return sorted(p for d in ("seeds", "regressions") for p in (FUZZ_DIR / d).glob("*") if p.is_file())


def _stat(text: str, key: str) -> float | None:
    m = re.search(rf"stat::{key}:\s+(\d+)", text)
    return float(m.group(1)) if m else None


def run_fuzzer(
    binary: Path,
    work: Path,
    seconds: int | None = None,
    runs: int | None = None,
    max_len: int = 2048,
    timeout_s: int = 10,
    rss_limit_mb: int = 1024,
) -> dict:
    """Run libFuzzer once; returns the figures (artifacts stay in work/artifacts).

    ``rss_limit_mb`` is the fuzzer's own budget. Linux starts a child's peak RSS at its
    parent's (the forked copy's high-water mark survives exec), and libFuzzer checks the
    peak: from a process holding TensorFlow (a test run) it reported an OOM before its
    first input. The parent's peak is added to the limit."""
    import resource

    inherited_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
    corpus = work / "corpus"
    artifacts = work / "artifacts"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(binary),
        str(corpus),
        str(FUZZ_DIR / "seeds"),
        str(FUZZ_DIR / "regressions"),
        f"-max_len={max_len}",
        f"-timeout={timeout_s}",
        f"-rss_limit_mb={rss_limit_mb + inherited_mb}",
        f"-artifact_prefix={artifacts}/",
        "-print_final_stats=1",
        "-close_fd_mask=1",
    ]
    if seconds is not None:
        cmd.append(f"-max_total_time={seconds}")
    if runs is not None:
        cmd.append(f"-runs={runs}")
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    elapsed = time.monotonic() - started
    log = proc.stderr
    (work / "fuzz.log").write_text(log[-200_000:])
    found = sorted(p.name for p in artifacts.iterdir())
    crashes = [n for n in found if n.startswith(("crash-", "leak-"))]
    hangs = [n for n in found if n.startswith("timeout-")]
    ooms = [n for n in found if n.startswith("oom-")]
    execs = _stat(log, "number_of_executed_units")
    done = re.search(r"Done (\d+) runs in (\d+) second", log)
    if execs is None and done:
        execs = float(done.group(1))
    return {
        "executions": int(execs or 0),
        "seconds": round(elapsed, 1),
        "executions_per_second": int((execs or 0) / elapsed) if elapsed else None,
        "crashes": len(crashes),
        "hangs": len(hangs),
        "out_of_memory": len(ooms),
        "artifacts": found,
        "new_units": int(_stat(log, "new_units_added") or 0),
        "corpus_files": sum(1 for _ in corpus.iterdir()),
        "peak_rss_mb": int(_stat(log, "peak_rss_mb") or 0),
        "exit_code": proc.returncode,
        "max_len": max_len,
        "timeout_s": timeout_s,
        "log_tail": log.strip().splitlines()[-12:] if (crashes or hangs or ooms) else [],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=None, help="stop after this many seconds")
    ap.add_argument("--runs", type=int, default=None, help="stop after this many executions")
    ap.add_argument("--max-len", type=int, default=2048)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "fuzz.json")
    ap.add_argument("--work", type=Path, default=None, help="corpus/artifact folder [temporary]")
    ap.add_argument("--keep", action="store_true", help="copy crash/hang inputs to firmware/fuzz/regressions")
    args = ap.parse_args(argv)
    if args.seconds is None and args.runs is None:
        args.seconds = 60
    work = args.work or Path(tempfile.mkdtemp(prefix="td-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        binary = build_fuzzer(work)
    except FuzzSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = run_fuzzer(binary, work, seconds=args.seconds, runs=args.runs, max_len=args.max_len)
    clang = subprocess.run(["clang", "--version"], capture_output=True, text=True).stdout.splitlines()
    report = {
        "target": "firmware/fuzz/fuzz_server.c (td_server.c + td_io.c)",
        "engine": "libFuzzer + ASan + UBSan",
        "compiler": clang[0] if clang else None,
        "seed_files": len(corpus_files()),
        "cpus": os.cpu_count(),
        **result,
    }
    if args.keep:
        for name in result["artifacts"]:
            shutil.copyfile(work / "artifacts" / name, FUZZ_DIR / "regressions" / name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0 if not (result["crashes"] or result["hangs"] or result["out_of_memory"]) else 1


if __name__ == "__main__":
    sys.exit(main())
