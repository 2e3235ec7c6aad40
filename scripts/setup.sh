#!/usr/bin/env bash
# Create .venv with scaffold and its test tools. Needs Python 3.11+ and git.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check uv==0.13.9
# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every
# process would otherwise compile its imports from source again.
.venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python -e '.[test]'
echo "scaffold is ready: $(.venv/bin/scaffold --version)"
