#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite. Fails when any test fails,
# and also when no test ran at all (pytest's exit code 5).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
# lint and the public API's types first: seconds, and a finding fails the run
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
.venv/bin/mypy || exit 1
# firmware/ C layout (.clang-format; generated and hand-laid assembly files are listed in
# .clang-format-ignore)
.venv/bin/clang-format --dry-run --Werror $(git ls-files 'firmware/*.c' 'firmware/*.h') || exit 1
.venv/bin/python -m pytest -q -ra "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
