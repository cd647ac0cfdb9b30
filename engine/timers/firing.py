"""Firing durable timers: what is due, from the database's due times.

Due times live in ``instances.next_timer_due`` (and per timer in ``timers``), kept
up to date by every save. ``fire_due_timers`` is the sweep the embedded timer
loop, the CLI and the RQ worker call; ``fire_instance_timers`` is one instance's
step, for a job enqueued at one due time.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import incidents, workflows
from engine.cases.step import Step
from engine.storage.database import database_went_away
from engine.storage.models import Instance, InstanceStatus
from engine.storage.models._types import utcnow

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
_backoff: dict[int, tuple[datetime, int]] = {}  # instance id -> (left alone until, failures in a row)
_backoff_lock = threading.Lock()


def _backing_off(now: datetime) -> set[int]:
    with _backoff_lock:
        for instance_id in [i for i, (until, _n) in _backoff.items() if until <= now - BACKOFF_MAX]:
            del _backoff[instance_id]
        return {i for i, (until, _n) in _backoff.items() if until > now}


def _failed(instance_id: int, now: datetime) -> None:
    """Leave a failing instance out of this process's sweeps for a while, twice as long each time."""
    with _backoff_lock:
        failures = _backoff.get(instance_id, (now, 0))[1] + 1
        _backoff[instance_id] = (now + min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX), failures)


def _succeeded(instance_id: int) -> None:
    with _backoff_lock:
        _backoff.pop(instance_id, None)


@dataclass
class SweepReport:
    """What one sweep did: instances stepped, timers fired, instances that failed, skipped (locked)."""

    instances: int = 0
    fired: int = 0
    failed: list[int] = field(default_factory=list)
    skipped: int = 0


def fire_instance_timers(session: Session, instance_id: int, now: datetime | None = None, *,
                         worker: str | None = None, skip_locked: bool = False) -> int | None:
    """Fire one instance's due timers inside the caller's transaction; returns how many fired.

    Idempotent: an instance whose timers already fired (or that is not running) fires nothing.
    With ``skip_locked`` an instance another transaction holds returns None at once.
    """
    now = now or utcnow()
    instance = (workflows.try_lock_instance(session, instance_id) if skip_locked
                else workflows.lock_instance(session, instance_id))
    if instance is None:
        return None
    if instance.status != InstanceStatus.RUNNING or instance.next_timer_due is None or instance.next_timer_due > now:
        return 0
    # saved even when nothing fired: that corrects a stale next_timer_due instead of finding it every sweep
    with Step(session, instance, now, worker=worker) as step:
        step.fire_due()
    return step.fired


def fire_due_timers(session: Session, now: datetime | None = None, *, limit: int = 500,
                    worker: str | None = None) -> SweepReport:
    """Fire every timer due at ``now``; commits once per instance.

    Concurrency contract: safe to run from several processes at once. Each
    instance is locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and its due time
    re-checked under the lock, so a timer fires exactly once and an instance
    another sweeper holds is skipped. One broken instance never blocks the rest:
    its step is rolled back, an incident is recorded on it, and it leaves the
    sweep (status ``error``) until the incident is retried. Should even recording the
    incident fail, the instance is left out of this process's sweeps with a growing
    backoff (30 s, 1 min, … 1 h), so it is not first in every later sweep. A database that goes away
    mid-sweep (``OperationalError``: a restart, a cut connection) is no fault of the case: it is
    left for the next sweep, not quarantined.
    (Scripts cannot stop a sweep: the sandbox turns whatever they raise into an incident.)
    """
    now = now or utcnow()
    report = SweepReport()
    query = select(Instance.id).where(Instance.status == InstanceStatus.RUNNING, Instance.next_timer_due <= now)
    backing_off = _backing_off(now)
    if backing_off:
        query = query.where(Instance.id.not_in(backing_off))
    candidates = session.scalars(query.order_by(Instance.next_timer_due).limit(limit)).all()
    session.rollback()  # end the read transaction: each instance gets its own
    for instance_id in candidates:
        try:
            fired = fire_instance_timers(session, instance_id, now, worker=worker, skip_locked=True)
            session.commit()
        except Exception as exc:  # noqa: BLE001 - one broken instance must not stop the sweep
            session.rollback()
            if database_went_away(exc):  # a restart, a cut connection: not the case's fault
                log.warning("timer sweep: database unavailable at instance %s; left for the next sweep", instance_id)
                report.skipped += 1
                continue
            log.exception("timer sweep: instance %s failed", instance_id)
            _failed(instance_id, now)
            quarantine(session, instance_id, exc)
            report.failed.append(instance_id)
            continue
        _succeeded(instance_id)
        if fired is None:
            report.skipped += 1
        elif fired:
            report.instances += 1
            report.fired += fired
    return report


def quarantine(session: Session, instance_id: int, exc: Exception) -> None:
    """Record an incident on an instance whose timer step failed, take it out of the sweep; commits."""
    try:
        instance = workflows.lock_instance(session, instance_id)
        instance.status = InstanceStatus.ERROR
        incidents.open_incident(session, instance_id, "timer", exc)
        session.commit()
    except Exception:  # noqa: BLE001
        session.rollback()
        log.exception("timer sweep: could not record the incident of instance %s", instance_id)
