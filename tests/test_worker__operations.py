"""What operators watch: health of the database and Redis, timer lateness percentiles, queue figures, logs."""
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from conftest import free_port
from rq import Queue
from sqlalchemy import insert

from engine import Settings, TimerFiring, make_engine, make_session_factory, start_instance
from engine.logs import JsonFormatter
from worker import MAIL, TIMERS, connect, operations

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_health_reports_each_part(session, redis_conn):
    health = operations.check_health(session, redis_conn)
    assert (health.database, health.redis, health.ok) == ("ok", "ok", True)
    assert operations.check_health(session, None).ok  # the embedded default has no Redis

    down = operations.check_health(session, connect(f"redis://127.0.0.1:{free_port()}/1"))
    assert down.database == "ok" and "ConnectionError" in down.redis and not down.ok

    broken_db = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    with make_session_factory(broken_db)() as broken:
        health = operations.check_health(broken, redis_conn)
    assert health.redis == "ok" and "OperationalError" in health.database and not health.ok


def test_timer_lateness_percentiles_over_the_window(session, deadline_deployed):
    case = start_instance(session, "P001", "deadline", {"delay_seconds": 60})
    rows = [dict(instance_id=case.id, task_id="t", task_name="handle_deadline", due_at=NOW,
                 fired_at=NOW - timedelta(hours=1), lateness_seconds=float(n)) for n in range(1, 101)]
    rows.append(dict(rows[0], fired_at=NOW - timedelta(days=3), lateness_seconds=9999.0))  # outside the window
    session.execute(insert(TimerFiring), rows)
    session.commit()
    lateness = operations.figures(session, None, now=NOW).lateness
    assert (lateness.count, lateness.p50, lateness.p99, lateness.max) == (100, 50.0, 99.0, 100.0)
    assert operations.timer_lateness(session, NOW).count == 0


def test_queue_depths_scheduled_and_failed(session, redis_conn):
    Queue(TIMERS, connection=redis_conn).enqueue("worker.jobs.sweep_timers")
    Queue(TIMERS, connection=redis_conn).enqueue_at(NOW + timedelta(days=365), "worker.jobs.sweep_timers")
    Queue(MAIL, connection=redis_conn).enqueue("worker.jobs.flush_outbox")
    figures = operations.figures(session, redis_conn, now=NOW)
    assert [(q.name, q.queued, q.scheduled, q.failed) for q in figures.queues] == [(TIMERS, 1, 1, 0), (MAIL, 1, 0, 0)]
    assert figures.redis_error is None and figures.open_incidents == 0 and figures.lateness.count == 0

    unreachable = operations.figures(session, connect(f"redis://127.0.0.1:{free_port()}/1"), now=NOW)
    assert unreachable.queues == [] and "ConnectionError" in unreachable.redis_error


def test_json_logs_carry_the_extra_fields():
    record = logging.LogRecord("worker.jobs", logging.INFO, __file__, 1, "fired %s timer(s)", (2,), None)
    record.instance_id = 42
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "fired 2 timer(s)" and entry["instance_id"] == 42
    assert entry["level"] == "INFO" and entry["logger"] == "worker.jobs" and entry["time"].endswith("+00:00")


def test_settings_come_from_the_environment_with_clear_errors():
    settings = Settings.from_env({"REDIS_URL": "redis://r:6379/0", "SWEEP_INTERVAL": "15", "LOG_FORMAT": "JSON",
                                  "PUBLIC_URL": "https://wuye.example/"})
    assert (settings.redis_url, settings.sweep_interval, settings.log_format, settings.public_url) == (
        "redis://r:6379/0", 15, "json", "https://wuye.example")
    assert Settings.from_env({}).smtp_url is None  # development: mail goes to the log
    with pytest.raises(ValueError, match="SWEEP_INTERVAL"):
        Settings.from_env({"SWEEP_INTERVAL": "soon"})
