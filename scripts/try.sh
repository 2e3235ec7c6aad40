#!/usr/bin/env bash
# The main job, end to end: generate a repo at a stage and run it as a user would
# (install it, run its tests, its pre-commit hooks and its pipeline).
#   bash scripts/try.sh [STAGE] [DEST]
set -euo pipefail
cd "$(dirname "$0")/.."
STAGE=${1:-data-centric}
DEST=${2:-$(mktemp -d)/my-ml-project}
bash scripts/setup.sh
.venv/bin/scaffold new "$DEST" --stage "$STAGE" --defaults
cd "$DEST"
echo "== installing the generated repo into $DEST/.venv"
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check uv==0.13.9
.venv/bin/uv pip install -q --python .venv/bin/python -e '.[dev]'
export PATH="$PWD/.venv/bin:$PATH"
echo "== its tests";            pytest -q
echo "== its pre-commit hooks"; pre-commit run --all-files
echo "== its pipeline";         dvc repro
if grep -q '^ *metrics:' dvc.yaml; then dvc metrics show; fi
echo "Done: $DEST is a working $STAGE repo."
