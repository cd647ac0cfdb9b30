"""Scheduled processes: start one instance per property and period (daily rounds, monthly plans).

A package's manifest may say ``"schedule": {"cron": "0 8 * * *", "start_data": "<provider>"}``;
the cron expression is read in the property's timezone. ``start_due_schedules``
starts, for every property a scheduled process is deployed to, the instance of
the latest period that has begun and has no instance yet. It never back-fills
older missed periods, and the unique ``scheduled_runs`` key makes each period
start exactly once even with several schedulers running.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.cases.step import start_instance
from engine.exceptions import EngineError
from engine.storage.models import (
    AuditEvent,
    AuditKind,
    Deployment,
    Instance,
    Process,
    ProcessVersion,
    Property,
    ScheduledRun,
)
from engine.storage.models._types import utcnow

log = logging.getLogger(__name__)

StartDataProvider = Callable[[Session, Property, datetime], dict[str, Any]]
PROVIDERS: dict[str, StartDataProvider] = {}


def provider(name: str):
    """Register a function that computes a scheduled instance's start data."""
    def register(fn: StartDataProvider) -> StartDataProvider:
        PROVIDERS[name] = fn
        return fn
    return register


INTERNAL_SOURCES = frozenset({"rounds", "complaint"})  # a repair opened by facility rounds or by a complaint


@provider("feedback_residents_last_month")
def feedback_residents_last_month(session: Session, prop: Property, period: datetime) -> dict[str, Any]:
    """Residents who gave feedback in the month before ``period`` (a complaint, or a repair they reported):
    next month's callbacks, each resident once with all their cases.

    Repairs opened by internal work (facility rounds, a complaint's engineering rework) are
    left out: nobody there gave feedback, or the complaint already lists them. A resident is
    one building/room and name; ``case_no`` is their first case, ``case_nos`` all of them.
    """
    month_start = period.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    prev_start = (month_start - timedelta(days=1)).replace(day=1)
    rows = session.execute(
        select(Instance.id, Instance.case_no, Instance.summary, Process.key)
        .join(Process, Process.id == Instance.process_id)
        .where(Instance.property_id == prop.id, Process.key.in_(["complaint", "repair"]),
               Instance.created_at >= prev_start, Instance.created_at < month_start)
        .order_by(Instance.id)).all()
    repairs = [r.id for r in rows if r.key == "repair"]
    sources = {e.instance_id: ((e.data or {}).get("data") or {}).get("source") for e in session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id.in_(repairs or [0]), AuditEvent.kind == AuditKind.STARTED))}
    residents: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row.key == "repair" and sources.get(row.id) in INTERNAL_SOURCES:
            continue
        summary = row.summary or {}
        key = ("".join(str(summary.get("building_room", "")).split()), str(summary.get("resident_name", "")).strip())
        entry = residents.setdefault(key, {
            "case_no": row.case_no, "case_nos": [], "resident_name": summary.get("resident_name", ""),
            "building_room": summary.get("building_room", ""), "contact_phone": summary.get("contact_phone", "")})
        entry["case_nos"].append(row.case_no)
    return {"residents": list(residents.values()), "period": f"{prev_start:%Y-%m}"}


@provider("complaints_closed_last_month")
def complaints_closed_last_month(session: Session, prop: Property, period: datetime) -> dict[str, Any]:
    """The complaint cases closed in the month before ``period``: the list the monthly archive hands over (移交)."""
    month_start = period.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    prev_start = (month_start - timedelta(days=1)).replace(day=1)
    rows = session.execute(
        select(Instance.case_no, Instance.summary, Instance.ended_at).join(Process, Process.id == Instance.process_id)
        .where(Instance.property_id == prop.id, Process.key == "complaint", Instance.ended_at.is_not(None),
               Instance.ended_at >= prev_start, Instance.ended_at < month_start)
        .order_by(Instance.ended_at, Instance.id)).all()
    records = [{"case_no": case_no, "resident_name": (summary or {}).get("resident_name", ""),
                "building_room": (summary or {}).get("building_room", ""),
                "closed_on": ended.astimezone(ZoneInfo(prop.timezone)).date().isoformat()}
               for case_no, summary, ended in rows]
    return {"records": records, "period": f"{prev_start:%Y-%m}"}


def latest_period(cron: str, now: datetime, tz: str) -> datetime:
    """The most recent occurrence of ``cron`` at or before ``now``, in timezone ``tz``."""
    local = now.astimezone(ZoneInfo(tz))
    itr = croniter(cron, local + timedelta(seconds=1))
    return itr.get_prev(datetime)


def start_due_schedules(session: Session, now: datetime | None = None) -> list[Instance]:
    """Start the instances of every scheduled period that has begun; commits once per started instance."""
    now = now or utcnow()
    rows = session.execute(
        select(Deployment, ProcessVersion, Property, Process)
        .join(ProcessVersion, ProcessVersion.id == Deployment.version_id)
        .join(Property, Property.id == Deployment.property_id)
        .join(Process, Process.id == Deployment.process_id)).all()
    due = []
    for _deployment, version, prop, process in rows:
        schedule = (version.manifest or {}).get("schedule")
        if not schedule or not schedule.get("cron"):
            continue
        period = latest_period(schedule["cron"], now, prop.timezone)
        due.append((prop, process, period, schedule.get("start_data")))
    taken = {(r.property_id, r.process_id, r.period) for r in session.scalars(select(ScheduledRun).where(
        ScheduledRun.period.in_({p.isoformat() for _, _, p, _ in due} or {""})))}
    session.rollback()
    started = []
    for prop, process, period, data_name in due:
        if (prop.id, process.id, period.isoformat()) in taken:
            continue
        try:
            session.add(ScheduledRun(property_id=prop.id, process_id=process.id, period=period.isoformat()))
            session.flush()  # claims the period; a concurrent scheduler fails here
            data = PROVIDERS[data_name](session, prop, period) if data_name else {"period": period.isoformat()}
            instance = start_instance(session, prop.code, process.key, data, user="scheduler", now=now)
            session.scalars(select(ScheduledRun).where(
                ScheduledRun.property_id == prop.id, ScheduledRun.process_id == process.id,
                ScheduledRun.period == period.isoformat())).one().instance_id = instance.id
            session.commit()
            started.append(instance)
        except IntegrityError:
            session.rollback()  # another scheduler started this period
        except (EngineError, KeyError) as exc:
            session.rollback()
            log.error("schedule of %s at %s for %s failed: %s", process.key, prop.code, period, exc)
    return started
