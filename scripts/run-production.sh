#!/usr/bin/env bash
# Production natively on this machine: the processes docker-compose.yml runs, against the local
# PostgreSQL and Redis. Migrates the database, then starts WORKERS RQ workers (with RQ's scheduler),
# one cron process for the periodic sweeps (RQ's CronScheduler) and gunicorn on BIND.
# Ctrl-C or SIGTERM stops every process it started; so does any one of them exiting.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/property_flow}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export LOG_FORMAT=${LOG_FORMAT:-json}
WORKERS=${WORKERS:-2}
BIND=${BIND:-127.0.0.1:8000}

.venv/bin/pflow init-db  # Alembic migrations, as on every deploy
if [ "${DEMO:-0}" = 1 ]; then .venv/bin/pflow demo; fi

pids=()
stop() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

for _ in $(seq "$WORKERS"); do
  .venv/bin/pflow-worker work timers mail & pids+=($!)
done
.venv/bin/pflow-worker cron & pids+=($!)
.venv/bin/gunicorn --bind "$BIND" --workers "${WEB_CONCURRENCY:-2}" --access-logfile - 'webapp:create_app()' & pids+=($!)
echo "running: $WORKERS worker(s), cron, web on $BIND" >&2

wait -n || true
echo "a process exited; stopping the others" >&2
exit 1
