"""Handing committed work to RQ: a job at each new due time, a job per outbox message.

``after_commit(session, connection)`` is what a caller runs after it committed
a step (the web app after a request, the CLI, the jobs themselves). It never
raises for Redis: the step is committed either way, and the periodic sweep
catches what did not reach the queue.
"""
from __future__ import annotations

import logging
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from sqlalchemy.orm import Session

from engine import MESSAGE_RETRY_INTERVALS, Followups, take_followups
from worker import MAIL, TIMERS

log = logging.getLogger(__name__)

# A timer job that keeps failing quarantines its instance as an incident at the last attempt.
TIMER_RETRY = Retry(max=3, interval=[10, 60, 300])
# Mail attempts follow the outbox's own schedule, so the outbox row and RQ agree on when the mail failed.
MAIL_RETRY = Retry(max=len(MESSAGE_RETRY_INTERVALS), interval=list(MESSAGE_RETRY_INTERVALS))
# Jobs by name: the functions live in ``worker.jobs``, which itself enqueues through this module.
FIRE_TIMERS = "worker.jobs.fire_timers"
DELIVER_MAIL = "worker.jobs.deliver_mail"
_TERMINAL = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def timer_job_id(instance_id: int, due: datetime) -> str:
    """One job per instance and due time: enqueueing the same due time again replaces it."""
    return f"timer-{instance_id}-{due.timestamp():.0f}"


def enqueue_timers(connection: Redis, due: dict[int, datetime | None]) -> int:
    """Schedule a ``fire_timers`` job at each instance's due time (RQ's scheduler enqueues it then)."""
    queue = Queue(TIMERS, connection=connection)
    count = 0
    with connection.pipeline() as pipe:
        for instance_id, due_at in due.items():
            if due_at is None:
                continue
            queue.enqueue_at(due_at, FIRE_TIMERS, instance_id, due_at.isoformat(), pipeline=pipe,
                             job_id=timer_job_id(instance_id, due_at), retry=TIMER_RETRY,
                             description=f"fire timers of instance {instance_id} due {due_at.isoformat()}")
            count += 1
        pipe.execute()
    return count


def enqueue_mail(connection: Redis, message_id: int) -> bool:
    """Enqueue the delivery of an outbox message; False if its job is already waiting or running.

    A message whose earlier job has ended (finished, failed) gets a new one: the
    outbox row, not Redis, says whether the mail still has to go.
    """
    queue = Queue(MAIL, connection=connection)
    options = dict(job_id=f"mail-{message_id}", retry=MAIL_RETRY, description=f"deliver outbox message {message_id}")
    try:
        queue.enqueue(DELIVER_MAIL, message_id, unique=True, **options)
        return True
    except DuplicateJobError:
        existing = Job.fetch(f"mail-{message_id}", connection=connection)
        if existing.get_status(refresh=False) not in _TERMINAL:
            return False
        existing.delete()
        queue.enqueue(DELIVER_MAIL, message_id, **options)
        return True


def after_commit(session: Session, connection: Redis | None) -> Followups:
    """Enqueue the jobs the transactions committed in ``session`` call for; returns what they were.

    With no connection (the embedded default) the notes are dropped: the in-process loop sweeps instead.
    """
    items = take_followups(session)
    if connection is None or not items:
        return items
    try:
        enqueue_timers(connection, items.due)
        for message_id in items.mail:
            enqueue_mail(connection, message_id)
    except RedisError:
        log.exception("could not enqueue %s due time(s) and %s mail(s); the sweep will catch them",
                      len(items.due), len(items.mail))
    return items
