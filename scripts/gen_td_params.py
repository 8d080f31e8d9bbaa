"""Regenerate firmware/runtime/td_params.h from the kernel registry
(tinydeploy/compile/kernels.py); with --check, only compare.

Usage: python scripts/gen_td_params.py [--check]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinydeploy.compile.kernels import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main([] if "--check" in sys.argv[1:] else ["--write"]))
