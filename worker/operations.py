"""What operators watch: health of the database and Redis, queue figures, incidents, timer lateness.

``check_health`` backs the health endpoint and never raises: each broken part is
reported. ``figures`` backs the admin page: it reads in the caller's session and
reports a broken Redis instead of raising.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine import Incident, IncidentStatus, NotAllowed, NotFound, OutboxMessage, TimerFiring, open_incidents, utcnow
from worker import QUEUES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    """``ok`` when every checked part answers; each part is 'ok', 'not configured' or the error."""

    database: str
    redis: str

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.redis in ("ok", "not configured")


def check_health(session: Session, redis: Redis | None) -> Health:
    """Ask the database and Redis for a round trip each."""
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - the health check reports any failure
        session.rollback()
        database = f"{type(exc).__name__}: {exc}"[:300]
    if redis is None:
        return Health(database, "not configured")
    try:
        redis.ping()
        return Health(database, "ok")
    except (RedisError, OSError) as exc:
        return Health(database, f"{type(exc).__name__}: {exc}"[:300])


@dataclass(frozen=True)
class QueueFigures:
    name: str
    queued: int
    scheduled: int
    started: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    error: str
    ended_at: datetime | None


@dataclass(frozen=True)
class Lateness:
    """How late timers fired in a window: nearest-rank percentiles in seconds (None: no firing)."""

    count: int
    p50: float | None
    p99: float | None
    max: float | None


@dataclass
class Figures:
    queues: list[QueueFigures] = field(default_factory=list)
    redis_error: str | None = None
    failed_jobs: list[FailedJob] = field(default_factory=list)
    open_incidents: int = 0
    incidents: list[Incident] = field(default_factory=list)
    lateness: Lateness = Lateness(0, None, None, None)
    outbox: dict[str, int] = field(default_factory=dict)  # messages by status, every channel
    outbox_by_channel: dict[tuple[str, str], int] = field(default_factory=dict)  # (mail | sms, status) -> count


def queue_figures(redis: Redis, names=QUEUES) -> list[QueueFigures]:
    """Jobs waiting, scheduled (due later), running and failed, per queue."""
    result = []
    for name in names:
        queue = Queue(name, connection=redis)
        result.append(QueueFigures(name, queue.count, ScheduledJobRegistry(queue=queue).count,
                                   StartedJobRegistry(queue=queue).count, FailedJobRegistry(queue=queue).count))
    return result


def failed_jobs(redis: Redis, names=QUEUES, limit: int = 20) -> list[FailedJob]:
    """The most recent jobs in RQ's failed registries, with the last line of their error."""
    jobs = []
    for name in names:
        registry = FailedJobRegistry(queue=Queue(name, connection=redis))
        for job in Job.fetch_many(registry.get_job_ids(0, limit - 1), connection=redis):
            if job is None:
                continue
            result = job.latest_result()
            error = (result.exc_string or "").strip().splitlines()[-1:] if result else []
            jobs.append(FailedJob(job.id, job.description or job.func_name, error[0] if error else "", job.ended_at))
    jobs.sort(key=lambda j: j.ended_at.timestamp() if j.ended_at else 0, reverse=True)
    return jobs[:limit]


@dataclass(frozen=True)
class WorkerInfo:
    name: str
    state: str  # idle | busy | suspended | started
    queues: tuple[str, ...]
    current_job: str | None
    last_heartbeat: datetime | None


def workers(redis: Redis) -> list[WorkerInfo]:
    """The RQ workers Redis knows of (they register themselves and send heartbeats)."""
    found = []
    for worker in Worker.all(connection=redis):
        job = worker.get_current_job_id()
        found.append(WorkerInfo(worker.name, str(worker.get_state()), tuple(worker.queue_names()), job,
                                worker.last_heartbeat))
    return sorted(found, key=lambda w: w.name)


def _failed_job(redis: Redis, job_id: str) -> Job:
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        raise NotFound(f"no job {job_id}") from None
    if not job.is_failed:
        raise NotAllowed(f"job {job_id} has not failed (it is {job.get_status()})")
    return job


def requeue_failed(redis: Redis, job_id: str) -> None:
    """Put a failed job back on its queue (after the cause was fixed)."""
    _failed_job(redis, job_id).requeue()


def delete_failed(redis: Redis, job_id: str) -> None:
    """Drop a failed job (its work is done some other way, or no longer needed)."""
    _failed_job(redis, job_id).delete()


def timer_lateness(session: Session, since: datetime) -> Lateness:
    """p50 and p99 (nearest rank) of how late timers fired since ``since``, from ``timer_firings``."""
    window = TimerFiring.fired_at >= since
    count, worst = session.execute(select(func.count(), func.max(TimerFiring.lateness_seconds)).where(window)).one()
    if not count:
        return Lateness(0, None, None, None)

    def rank(p: float) -> float:
        offset = max(0, math.ceil(round(p * count, 6)) - 1)
        return session.scalar(select(TimerFiring.lateness_seconds).where(window)
                              .order_by(TimerFiring.lateness_seconds).offset(offset).limit(1))
    return Lateness(count, rank(0.50), rank(0.99), worst)


def figures(session: Session, redis: Redis | None, *, now: datetime | None = None,
            window: timedelta = timedelta(days=1), incident_limit: int = 20) -> Figures:
    """Everything the admin page shows, for the last ``window`` of timer firings."""
    now = now or utcnow()
    result = Figures()
    if redis is not None:
        try:
            result.queues = queue_figures(redis)
            result.failed_jobs = failed_jobs(redis)
        except (RedisError, OSError) as exc:
            result.redis_error = f"{type(exc).__name__}: {exc}"
            log.warning("ops figures: Redis unavailable: %s", exc)
    result.open_incidents = session.scalar(select(func.count()).select_from(Incident).where(
        Incident.status == IncidentStatus.OPEN))
    result.incidents = open_incidents(session, limit=incident_limit)
    result.lateness = timer_lateness(session, now - window)
    for channel, status, n in session.execute(select(OutboxMessage.channel, OutboxMessage.status, func.count())
                                              .group_by(OutboxMessage.channel, OutboxMessage.status)):
        key = status.value if hasattr(status, "value") else status
        result.outbox[key] = result.outbox.get(key, 0) + n
        result.outbox_by_channel[(channel or "mail", key)] = n
    return result
