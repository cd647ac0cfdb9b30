"""The functions RQ workers run: thin callers of the engine, one transaction each, then ``after_commit``.

The worker's start (``worker.main``) hands the settings in with ``configure``;
each job uses the database engine, session factory and mail transport built
from them once per process (a job run elsewhere reads the environment once,
on first use), and enqueues the follow-up
jobs its commit calls for on the Redis connection it came from. Every job is
idempotent, so a job RQ runs twice (a retry, a sweep racing a timer job) does
no harm.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import asdict, dataclass
from datetime import datetime

from rq import get_current_job
from sqlalchemy.orm import sessionmaker

from engine import (
    MailError,
    NotFound,
    Settings,
    database_went_away,
    deliver_message,
    due_message_ids,
    fire_due_timers,
    fire_instance_timers,
    make_engine,
    make_session_factory,
    notice_due_soon,
    quarantine,
    sms_transport_for,
    start_due_schedules,
    sync_figures,
    transport_for,
)
from worker import connect, enqueue

log = logging.getLogger(__name__)


@dataclass
class _Runtime:
    pid: int
    settings: Settings
    sessions: sessionmaker
    mailer: object
    sms: object


_runtime: _Runtime | None = None
_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Use these settings for this process's jobs (called once when the worker starts)."""
    global _settings, _runtime
    _settings, _runtime = settings, None


def runtime() -> _Runtime:
    """This process's database sessions and mailer (built on first use; rebuilt in a forked child)."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        settings = _settings or Settings.from_env(os.environ)
        engine = make_engine(settings.database_url, pool_pre_ping=True)
        _runtime = _Runtime(os.getpid(), settings, make_session_factory(engine, settings=settings),
                            transport_for(settings), sms_transport_for(settings))
    return _runtime


def _worker_name() -> str:
    job = get_current_job()
    return (job.worker_name if job is not None else None) or f"{socket.gethostname()}:{os.getpid()}"


def _after_commit(session) -> None:
    job = get_current_job()
    connection = job.connection if job is not None else None
    if connection is None and runtime().settings.redis_url:
        connection = connect(runtime().settings.redis_url)
    enqueue.after_commit(session, connection)


def fire_timers(instance_id: int, due_at: str | None = None) -> int:
    """Fire one instance's due timers (enqueued at ``due_at``); returns how many fired.

    Waits for a step another process holds on the instance, then re-checks, so a
    timer fires once. At the last attempt RQ allows, a failure quarantines the
    instance as an incident (``retry_incident`` brings it back).
    """
    job = get_current_job()
    with runtime().sessions() as session:
        try:
            fired = fire_instance_timers(session, instance_id, worker=_worker_name()) or 0
            session.commit()
        except NotFound:
            session.rollback()
            log.info("timer job for instance %s: no such instance", instance_id, extra={"instance_id": instance_id})
            return 0
        except Exception as exc:
            session.rollback()
            if (job is None or not job.retries_left) and not database_went_away(exc):
                quarantine(session, instance_id, exc)  # a database that went away is left to the sweep
            raise
        _after_commit(session)
    if fired:
        log.info("fired %s timer(s) of instance %s due %s", fired, instance_id, due_at,
                 extra={"instance_id": instance_id, "fired": fired})
    return fired


def sweep_timers() -> dict:
    """Fire every due timer the per-due-time jobs have not (Redis lost them, or they are late)."""
    with runtime().sessions() as session:
        report = fire_due_timers(session, worker=_worker_name(), limit=2000)
        _after_commit(session)
    result = asdict(report)
    if report.fired or report.failed:
        log.info("timer sweep: %s fired on %s case(s), %s failed", report.fired, report.instances,
                 len(report.failed), extra=result)
    return result


def start_schedules() -> list[int]:
    """Start the scheduled processes whose period began (daily rounds, monthly plans)."""
    with runtime().sessions() as session:
        started = [i.id for i in start_due_schedules(session)]
        _after_commit(session)
    if started:
        log.info("started %s scheduled case(s)", len(started), extra={"instances": started})
    return started


def scan_deadlines() -> int:
    """Record deadline-near notices (and their mail) for open tasks whose due time is close."""
    with runtime().sessions() as session:
        count = notice_due_soon(session)
        _after_commit(session)
    return count


def deliver_mail(message_id: int) -> str | None:
    """One delivery attempt of an outbox message; raises on failure so RQ retries it."""
    rt = runtime()
    with rt.sessions() as session:
        result = deliver_message(session, message_id, rt.mailer, sms=rt.sms)
        session.commit()
    if result.error:
        raise MailError(f"outbox message {message_id}: {result.error}")
    return result.status.value if result.status else None


def flush_outbox(now: datetime | None = None) -> int:
    """Enqueue delivery of every due pending message that has no job waiting (Redis lost it, or a retry)."""
    job = get_current_job()
    connection = job.connection if job is not None else connect(runtime().settings.redis_url)
    with runtime().sessions() as session:
        ids = due_message_ids(session, now)
    return sum(enqueue.enqueue_mail(connection, message_id) for message_id in ids)


def sync_kpi_figures() -> int:
    """Bring the KPI roll-ups up to the newest audit event (idempotent; ``engine.sync_figures``)."""
    with runtime().sessions() as session:
        cases = sync_figures(session)
        session.commit()
    return cases
