#!/usr/bin/env bash
# Installs sesl with its test tools into .venv, then runs ruff, mypy (strict) and the test suite.
# Needs only Python >= 3.11 and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
echo "== ruff"; .venv/bin/ruff check sesl tests scripts
echo "== mypy (strict)"; .venv/bin/mypy
# Bytecode once for the CLI subprocesses the tests start: where PYTHONDONTWRITEBYTECODE is set, each of them
# would otherwise compile every sesl module from source again (a `sesl diff`: 2.8 s of CPU, 2.4 s with it).
.venv/bin/python -m compileall -q sesl
echo "== pytest"; .venv/bin/python -m pytest -n 2 --dist worksteal "$@"
