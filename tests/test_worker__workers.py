"""Many workers, one truth: real ``rq worker`` and ``rq cron`` processes on PostgreSQL and Redis.

Each timer fires exactly once however the workers, the RQ scheduler and the
periodic sweep race, and none is lost when Redis forgets everything mid-run.
Due times lie in the past or the next seconds of real time (the workers run on
the real clock); the test waits by polling the database with a deadline.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from conftest import REDIS_URL
from sqlalchemy import func, select

from engine import AuditEvent, AuditKind, HumanTask, TimerFiring, start_instance
from worker import QUEUES, enqueue

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
PFLOW_WORKER = Path(sys.executable).with_name("pflow-worker")


@pytest.fixture
def rq_processes(db_engine, redis_conn, tmp_path, request):
    """Start ``pflow-worker work`` (RQ workers with scheduler) and ``pflow-worker cron`` processes; all are stopped
    afterwards, pass or fail."""
    env = dict(os.environ, DATABASE_URL=db_engine.url.render_as_string(hide_password=False), REDIS_URL=REDIS_URL,
               SWEEP_INTERVAL="2", LOG_FORMAT="json", LOG_LEVEL="WARNING")
    env.pop("SMTP_URL", None)
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        log = open(tmp_path / f"rq-{len(started)}.log", "w")
        proc = subprocess.Popen([str(PFLOW_WORKER), *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        started.append(proc)
        return proc

    def workers(n: int) -> list[subprocess.Popen]:
        return [start("work", *QUEUES) for _ in range(n)]

    def cron() -> None:
        start("cron")

    yield workers, cron
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if request.node.get_closest_marker("faults"):
        return  # a fault drill provokes tracebacks on purpose (jobs whose connection it cut)
    for log in sorted(tmp_path.glob("rq-*.log")):
        text = log.read_text()
        assert "Traceback" not in text, f"{log.name}:\n{text[-3000:]}"


def wait_for_firings(db_changes, session, count: int, timeout: float) -> None:
    """Wait until ``count`` timers fired (worker processes doing their work), failing after ``timeout``."""
    db_changes(lambda: _count(session, select(func.count()).select_from(TimerFiring)) >= count, timeout,
               f"{count} timers fired")


def _start_cases(session, redis_conn, delays: list[int], since: datetime) -> list[int]:
    """Start one case per delay (its deadline is ``since + delay``), committing and enqueueing in batches."""
    ids = []
    with time_machine.travel(since, tick=False):
        for n, delay in enumerate(delays, start=1):
            ids.append(start_instance(session, "P001", "deadline", {"delay_seconds": delay, "room": f"{n}"}).id)
            if n % 100 == 0 or n == len(delays):
                session.commit()
                enqueue.after_commit(session, redis_conn)
    return ids


def _count(session, query) -> int:
    value = session.scalar(query)
    session.rollback()
    return value


def _assert_each_fired_once(session, ids: list[int]) -> None:
    per_timer = session.execute(select(TimerFiring.instance_id, func.count()).group_by(
        TimerFiring.instance_id, TimerFiring.task_id)).all()
    assert sorted(i for i, _ in per_timer) == sorted(ids)
    assert {n for _, n in per_timer} == {1}
    escalations = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.kind == AuditKind.ESCALATED))
    reviews = session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.task_name == "review"))
    assert escalations == reviews == len(ids)


def test_a_thousand_timers_fire_exactly_once_across_several_workers(
        session, deadline_deployed, redis_conn, rq_processes, db_changes):
    workers, cron = rq_processes
    now = datetime.now(UTC)
    # started two minutes ago; deadlines from 2 minutes ago up to a few seconds from now
    delays = [i % 125 for i in range(1000)]
    ids = _start_cases(session, redis_conn, delays, now - timedelta(minutes=2))
    workers(3)
    cron()  # the sweep runs every 2 seconds, racing the per-due-time jobs
    wait_for_firings(db_changes, session, 1000, timeout=90)
    _assert_each_fired_once(session, ids)
    by_worker = dict(session.execute(select(TimerFiring.worker, func.count()).group_by(TimerFiring.worker)).all())
    assert len(by_worker) >= 2, by_worker  # the work was shared


def test_no_timer_is_lost_when_redis_is_flushed_mid_run(session, deadline_deployed, redis_conn, rq_processes,
                                                        db_changes):
    workers, cron = rq_processes
    now = datetime.now(UTC)
    delays = [90 + i % 40 for i in range(300)]  # due from 30 s ago to 10 s from now
    ids = _start_cases(session, redis_conn, delays, now - timedelta(minutes=2))
    workers(2)
    cron()
    wait_for_firings(db_changes, session, 30, timeout=60)
    redis_conn.flushdb()  # Redis keeps nothing on disk: a restart forgets every job
    fired_at_flush = _count(session, select(func.count()).select_from(TimerFiring))
    assert fired_at_flush < len(ids)
    wait_for_firings(db_changes, session, len(ids), timeout=90)
    _assert_each_fired_once(session, ids)


def test_users_and_workers_on_the_same_cases_lose_no_update(
        session_factory, session, deadline_deployed, redis_conn, rq_processes, db_changes):
    """Two web processes' worth of users complete the tasks while the workers fire the same cases' deadlines."""
    from rq import Queue
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    from engine import Conflict, complete_task

    workers, cron = rq_processes
    now = datetime.now(UTC)
    # half the deadlines passed a minute ago, half come due in an hour: however slow the machine, the users act
    # first (a deadline "15 s from now" once passed before they finished on a busy machine)
    delays = [60 if i % 2 else 3720 for i in range(200)]
    ids = _start_cases(session, redis_conn, delays, now - timedelta(minutes=2))
    overdue = set(ids[1::2])
    tasks = dict(session.execute(select(HumanTask.instance_id, HumanTask.id)).all())
    session.rollback()
    workers(3)
    cron()

    outcomes: dict[int, str] = {}

    def web(case_ids):
        with session_factory() as s:
            for case_id in case_ids:
                try:
                    complete_task(s, tasks[case_id], {"result": "已处理"}, user="eng1")
                    s.commit()
                    outcomes[case_id] = "completed"
                except Conflict:
                    s.rollback()
                    outcomes[case_id] = "conflict"
                enqueue.after_commit(s, redis_conn)

    threads = [threading.Thread(target=web, args=(ids[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(ids)

    wait_for_firings(db_changes, session, len(overdue), timeout=60)
    # the future deadlines' jobs run now, early (and must fire nothing): block on each one's result, as RQ offers
    timers = Queue("timers", connection=redis_conn)
    scheduled = ScheduledJobRegistry(queue=timers)
    for job in Job.fetch_many(scheduled.get_job_ids(), connection=redis_conn):
        if job is not None:
            scheduled.remove(job)
            timers.enqueue_job(job)
    pending = timers.job_ids + StartedJobRegistry(queue=timers).get_job_ids()
    deadline = time.monotonic() + 30
    for job in Job.fetch_many(pending, connection=redis_conn):
        if job is not None:
            left = max(1, int(deadline - time.monotonic()))
            assert job.latest_result(timeout=left) is not None, f"timer job {job.id} did not run"

    fired = dict(session.execute(select(TimerFiring.instance_id, func.count()).group_by(TimerFiring.instance_id)).all())
    completed = set(session.scalars(select(AuditEvent.instance_id).where(AuditEvent.kind == AuditKind.TASK_COMPLETED)))
    for case_id in ids:
        if case_id in overdue:  # the deadline won: escalated once, the user was told
            assert (outcomes[case_id], fired.get(case_id), case_id in completed) == ("conflict", 1, False), case_id
        else:  # the user won: the deadline was cancelled with the task and never fired
            assert (outcomes[case_id], fired.get(case_id), case_id in completed) == ("completed", None, True), case_id
