"""Fault drill: a worker killed with SIGKILL mid-firing and every database connection cut, with real processes.

Afterwards every due timer has fired exactly once, no case is left waiting on a timer that is due,
and the operations figures show what happened (the firings and their lateness, the queues).
PostgreSQL only: the drill cuts its connections with ``pg_terminate_backend``, what a restart does.
"""
import os
import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from test_worker__workers import _assert_each_fired_once, _count, _start_cases, rq_processes, wait_for_firings  # noqa: F401

from engine import Instance, InstanceStatus, TimerFiring
from worker import operations

pytestmark = [pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True), pytest.mark.faults]


def test_a_killed_worker_and_a_database_restart_lose_no_timer_and_fire_none_twice(
        session, db_engine, deadline_deployed, redis_conn, rq_processes, db_changes):
    workers, cron = rq_processes
    now = datetime.now(UTC)
    ids = _start_cases(session, redis_conn, [i % 60 for i in range(400)], now - timedelta(minutes=2))  # all due
    first = workers(2)
    cron()
    wait_for_firings(db_changes, session, 20, timeout=90)
    victim = first[0]
    os.killpg(victim.pid, signal.SIGKILL)  # mid-firing: no goodbye, its job half done
    victim.wait()
    cut = 0
    while not cut and _count(session, select(func.count()).select_from(TimerFiring)) < len(ids):
        session.close()
        with db_engine.connect() as conn:  # every other connection cut, as a database restart would
            cut = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                    "AND query NOT LIKE 'LISTEN%'")).scalar()  # the test's own listener stays
            conn.commit()
        db_engine.dispose()  # the test's own pooled connections may be among the cut ones
        if not cut:  # nobody connected at this instant: try again after the next firing
            wait_for_firings(db_changes, session, _count(session, select(func.count()).select_from(TimerFiring)) + 1,
                             timeout=60)
    fired_then = _count(session, select(func.count()).select_from(TimerFiring))
    assert fired_then < len(ids), "the drill struck mid-run"
    workers(1)  # the replacement
    wait_for_firings(db_changes, session, len(ids), timeout=120)
    _assert_each_fired_once(session, ids)
    stuck = session.scalars(select(Instance.id).where(Instance.status == InstanceStatus.RUNNING,
                                                      Instance.next_timer_due <= datetime.now(UTC))).all()
    assert stuck == [], "no case waits on a timer that is due"
    figures = operations.figures(session, redis_conn)
    assert figures.lateness.count == len(ids) and figures.redis_error is None
