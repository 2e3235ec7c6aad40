#!/usr/bin/env bash
# Install everything the tests need into .venv, then run the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` or `-n 0`
# to run in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Independent tests run on every core (pytest-xdist); the tests of one generated
# repo stay on one worker (--dist loadgroup). The 15 slowest tests are listed last.
exec .venv/bin/python -m pytest -n auto --dist loadgroup --durations=15 "$@"
