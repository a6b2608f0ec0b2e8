#!/usr/bin/env bash
# Install everything the tests need: the Python packages into .venv, axe-core from the npm registry
# into node_modules/, and Debian's chromium (chart export and browser tests) when it is missing;
# then lint, check the format and run every test, the browser tests included.
# Usage: bash scripts/test.sh [pytest args]   (the fast loop: bash scripts/test.sh -m "not browser")
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing Debian packages: ${missing[*]} (chart export and browser tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# axe-core (accessibility scan in tests/test_browser.py), pinned in package-lock.json
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== installing axe-core from the npm registry (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# House habits: lint and format are part of the test command, so CI fails on them.
echo "== ruff check and ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

set +e
# Three worker processes on two cores, each test file kept whole on one (its module fixtures, a browser file's one
# server): a worker waits on Chromium and the dashboard, whose work is in their own processes; on a slow two-core
# machine three took 19.0 minutes where two took 19.6 (session 27: the cores were busy throughout, so what shortens
# the suite is less CPU, not more workers). SAFER_TEST_WORKERS=0 runs it in this process (pytest-xdist's -n 0).
# --no-loadscope-reorder: the files in tests/conftest.py's order (longest first); xdist's default order, most tests
# first, left the browser layout file (12 tests, 5 minutes) queued behind the other browser file, to run alone at
# the end (session 28, a run timed test by test).
.venv/bin/python -m pytest -n "${SAFER_TEST_WORKERS:-3}" --dist loadfile --no-loadscope-reorder "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
