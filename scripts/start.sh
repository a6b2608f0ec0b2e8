#!/usr/bin/env bash
# Install the runtime packages into .venv and start the dashboard on the demo data (or on
# $SAFER_DATA_DIR). Extra arguments go to Streamlit, e.g. --server.port 8502.
set -euo pipefail
cd "$(dirname "$0")/.."
# Chart export (PNG, SVG), the SIA pack and briefing PDFs use Debian's Chromium.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "== installing Debian's chromium (chart export, SIA pack, briefing PDF)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run dashboard.py --server.headless true "$@"
