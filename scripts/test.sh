#!/usr/bin/env bash
# Run the whole test suite: every database test on SQLite and on PostgreSQL.
# PostgreSQL comes from TEST_POSTGRES_URL (default: the local server's 'test' database);
# without one the PostgreSQL variants skip, except under CI=true where they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pytest "$@"
