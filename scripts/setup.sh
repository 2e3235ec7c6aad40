#!/usr/bin/env bash
# Create .venv with scaffold and its test tools. Needs Python 3.11+ and git.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check uv==0.13.9
.venv/bin/uv pip install -q --python .venv/bin/python -e '.[test]'
echo "scaffold is ready: $(.venv/bin/scaffold --version)"
