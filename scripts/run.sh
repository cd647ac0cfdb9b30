#!/usr/bin/env bash
# Install and run the product on the embedded default: SQLite file, in-process timer loop, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DATABASE_URL=${DATABASE_URL:-sqlite:///$(pwd)/property-flow.db}
.venv/bin/pflow init-db
.venv/bin/pflow demo
if [ -f webapp/__init__.py ]; then
  exec .venv/bin/flask --app webapp run --host 127.0.0.1 --port "${PORT:-5000}"
fi
exec .venv/bin/pflow timers run --interval "${TIMER_INTERVAL:-5}"
