"""The monthly report to HQ: its figures filled from the roll-ups, and which properties have not reported.

``report_values`` gives the monthly report form's figures for a property and month
(fields named in ``mapping.MONTHLY_REPORT_FIELDS``); the manager adds the commentary.
``report_status`` says, for a report month, where each property's report stands.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEvent, AuditKind, HumanTask, Instance, Process, Property
from . import kpis, mapping
from .queries import _month_sums
from .rollup import month_bounds


def report_values(session: Session, property_id: int, month: str) -> dict:
    """The monthly report form's figures for ``month`` (YYYY-MM) at a property, from the roll-ups."""
    sums = _month_sums(session, [month], [property_id]).get((property_id, month), {})
    values = {}
    for name, (kpi, dim, what) in mapping.MONTHLY_REPORT_FIELDS.items():
        counted = sum(c for (k, d), (c, _h) in sums.items() if k == kpi and dim in (None, d))
        hit = sum(h for (k, d), (_c, h) in sums.items() if k == kpi and dim in (None, d))
        if what == "rate":
            rate = kpis.rate(hit, counted)
            if rate is not None:
                values[name] = rate
        else:
            values[name] = hit if what == "hit" else counted
    return values


def month_reported_by(case: Instance, zone) -> str:
    """The month a monthly report case reports on: the month before the one it was opened in."""
    opened = case.created_at.astimezone(zone).date().replace(day=1)
    return f"{opened - timedelta(days=1):%Y-%m}"


def report_status(session: Session, month: str, now: datetime | None = None) -> dict[int, tuple[str, int | None]]:
    """property id -> (state, case id) of the report on ``month``: 'submitted', 'submitted_late', 'late',
    'open' (not due yet) or 'missing' (no report case)."""
    now = now or datetime.now(UTC)
    _first, after = month_bounds(month)
    lo = datetime.combine(after - timedelta(days=1), datetime.min.time(), UTC)
    hi = datetime.combine(month_bounds(f"{after:%Y-%m}")[1], datetime.min.time(), UTC)
    cases = session.scalars(select(Instance).join(Process, Process.id == Instance.process_id).where(
        Process.key == mapping.MONTHLY_REPORT, Instance.created_at >= lo, Instance.created_at < hi)).all()
    from zoneinfo import ZoneInfo

    zones = {pid: ZoneInfo(tz or "Asia/Shanghai")
             for pid, tz in session.execute(select(Property.id, Property.timezone))}
    status: dict[int, tuple[str, int | None]] = {pid: ("missing", None) for pid in zones}
    ids = [c.id for c in cases if month_reported_by(c, zones.get(c.property_id, ZoneInfo("Asia/Shanghai"))) == month]
    done = dict(session.execute(select(AuditEvent.instance_id, AuditEvent.at).where(
        AuditEvent.instance_id.in_(ids), AuditEvent.kind == AuditKind.TASK_COMPLETED,
        AuditEvent.task_name == mapping.REPORT_TASK)).all())
    chased = set(session.scalars(select(AuditEvent.instance_id).where(
        AuditEvent.instance_id.in_(ids), AuditEvent.kind == AuditKind.ESCALATED,
        AuditEvent.task_name == mapping.REPORT_TASK)))
    due = dict(session.execute(select(HumanTask.instance_id, HumanTask.due_at).where(
        HumanTask.instance_id.in_(ids), HumanTask.task_name == mapping.REPORT_TASK)).all())
    for case in (c for c in cases if c.id in ids):
        if case.id in done:
            state = "submitted_late" if case.id in chased else "submitted"
        elif case.id in chased or (due_at := due.get(case.id)) is not None and due_at < now:
            state = "late"
        else:
            state = "open"
        status[case.property_id] = (state, case.id)
    return status
