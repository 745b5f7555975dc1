#!/usr/bin/env bash
# The Python client's tests: a fresh venv, the package with its test extras,
# then pytest against a real `fsql serve` the tests start (from the repo's
# TypeScript sources: run `npm ci` first). Prints pytest's closing line last.
# FSQL_PY_VENV chooses the venv folder (default: python/.venv).
set -uo pipefail
cd "$(dirname "$0")"
venv="${FSQL_PY_VENV:-.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" || { echo "cannot create a venv with $python"; echo "0 passed, 1 failed"; exit 1; }
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1
if ! "$venv/bin/python" -m pip install --quiet -e '.[test]'; then
  echo "pip install of fsql-client[test] failed"
  echo "0 passed, 1 failed"
  exit 1
fi
log="$(mktemp)"
"$venv/bin/python" -m pytest -q -p no:cacheprovider 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# pytest's closing line, e.g. `12 passed in 40.1s` or `1 failed, 11 passed in 41.0s`.
tail -n 1 "$log"
exit "$rc"
