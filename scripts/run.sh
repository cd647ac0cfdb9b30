#!/usr/bin/env bash
# Install and run the product on the embedded default: SQLite file, in-process timer loop, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DATABASE_URL=${DATABASE_URL:-sqlite:///$(pwd)/property-flow.db}
.venv/bin/pflow init-db
PROCESSES=processes
if ! ls processes/*/manifest.json >/dev/null 2>&1; then
  # until the process library is merged, the demo runs the engine's own test process
  PROCESSES=tests/fixtures/packages
  echo "no process library under processes/: the demo deploys $PROCESSES"
fi
.venv/bin/pflow demo --processes "$PROCESSES"
exec .venv/bin/pflow-web --host 127.0.0.1 --port "${PORT:-5000}" --sweep-interval "${SWEEP_INTERVAL:-5}"
