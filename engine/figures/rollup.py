"""Keeping the KPI facts and monthly roll-ups up to date from the audit trail; rebuilding a month.

``sync(session)`` is idempotent and cheap when nothing happened: it re-derives the
facts of every case with audit events after the stored watermark (minus an overlap,
so events committed late by a slower transaction are not skipped) and recomputes
the roll-ups of the (property, month) pairs those facts touch. It runs in the caller's
transaction; the watermark row is locked (``FOR UPDATE`` on PostgreSQL), so two syncs
take turns. ``rebuild_month`` recomputes one month from the audit alone.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from engine.figures.mapping import facts_for_case
from engine.storage.models import AuditEvent, FigureFact, FigureMonth, FigureSync, Instance, Process, Property

OVERLAP = 200  # audit events re-read before the watermark on every sync (late commits)
CHUNK = 500


def _zones(session: Session) -> dict[int, ZoneInfo]:
    return {pid: ZoneInfo(tz or "Asia/Shanghai") for pid, tz in session.execute(select(Property.id, Property.timezone))}


def refresh_cases(session: Session, instance_ids: list[int]) -> set[tuple[int, str]]:
    """Re-derive the facts of these cases from their audit events; return the (property id, month) pairs touched."""
    touched: set[tuple[int, str]] = set()
    zones = _zones(session)
    for start in range(0, len(instance_ids), CHUNK):
        ids = instance_ids[start:start + CHUNK]
        touched |= set(session.execute(select(FigureFact.property_id, FigureFact.month)
                                       .where(FigureFact.instance_id.in_(ids)).distinct()).all())
        session.execute(delete(FigureFact).where(FigureFact.instance_id.in_(ids)))
        cases = session.execute(select(Instance.id, Instance.property_id, Process.key)
                                .join(Process, Process.id == Instance.process_id).where(Instance.id.in_(ids))).all()
        events: dict[int, list[AuditEvent]] = {i: [] for i in ids}
        for event in session.scalars(select(AuditEvent).where(AuditEvent.instance_id.in_(ids))
                                     .order_by(AuditEvent.at, AuditEvent.id)):
            events[event.instance_id].append(event)
        rows = []
        for instance_id, property_id, key in cases:
            zone = zones.get(property_id, ZoneInfo("Asia/Shanghai"))
            for fact in facts_for_case(key, events[instance_id]):
                day = fact.at.astimezone(zone).date()
                rows.append({"instance_id": instance_id, "property_id": property_id, "kpi": fact.kpi,
                             "dim": fact.dim, "on_day": day, "month": f"{day:%Y-%m}",
                             "counted": int(fact.counted), "hit": int(fact.hit)})
                touched.add((property_id, f"{day:%Y-%m}"))
        if rows:
            session.execute(insert(FigureFact), rows)
    return touched


def recompute_months(session: Session, pairs: set[tuple[int, str]]) -> None:
    """Rewrite the roll-up rows of each (property id, month) from its facts."""
    for property_id, month in sorted(pairs):
        session.execute(delete(FigureMonth).where(FigureMonth.property_id == property_id, FigureMonth.month == month))
        sums = session.execute(
            select(FigureFact.kpi, FigureFact.dim, func.sum(FigureFact.counted), func.sum(FigureFact.hit))
            .where(FigureFact.property_id == property_id, FigureFact.month == month)
            .group_by(FigureFact.kpi, FigureFact.dim)).all()
        if sums:
            session.execute(insert(FigureMonth), [
                {"property_id": property_id, "month": month, "kpi": kpi, "dim": dim, "counted": int(counted),
                 "hit": int(hit)} for kpi, dim, counted, hit in sums])


def _watermark(session: Session) -> FigureSync:
    query = select(FigureSync).where(FigureSync.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        row = FigureSync(id=1, last_event_id=0)
        session.add(row)
        session.flush()
    return row


def sync(session: Session, max_events: int | None = None) -> int:
    """Bring facts and roll-ups up to the newest audit event; return how many cases were re-derived.

    ``max_events`` bounds the work of one call (a web request): the watermark then stops at the
    last event read and the next call, or the periodic job, goes on from there.
    """
    mark = _watermark(session)
    newest = session.scalar(select(func.max(AuditEvent.id))) or 0
    if newest <= mark.last_event_id:
        return 0
    if max_events is not None:
        newest = min(newest, session.scalar(select(func.max(AuditEvent.id)).where(
            AuditEvent.id <= mark.last_event_id + max_events)) or newest)
    ids = list(session.scalars(select(AuditEvent.instance_id).where(
        AuditEvent.id > max(mark.last_event_id - OVERLAP, 0), AuditEvent.id <= newest).distinct()))
    recompute_months(session, refresh_cases(session, sorted(ids)))
    mark.last_event_id = newest
    session.flush()
    return len(ids)


def month_bounds(month: str) -> tuple[date, date]:
    """First day of ``YYYY-MM`` and the first day of the month after."""
    first = datetime.strptime(month, "%Y-%m").date()
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, after


def rebuild_month(session: Session, month: str) -> int:
    """Recompute a month's facts and roll-ups from the audit alone; return how many cases were read.

    Every case with an event in the month (widened by a day for time zones) is re-derived,
    then each property's roll-up of the month is rewritten — with the same numbers ``sync`` keeps.
    """
    first, after = month_bounds(month)
    lo = datetime.combine(first - timedelta(days=1), datetime.min.time(), UTC)
    hi = datetime.combine(after + timedelta(days=1), datetime.min.time(), UTC)
    ids = sorted(session.scalars(select(AuditEvent.instance_id).where(
        AuditEvent.at >= lo, AuditEvent.at < hi).distinct()))
    refresh_cases(session, ids)
    props = set(session.scalars(select(FigureFact.property_id).where(FigureFact.month == month).distinct()))
    props |= set(session.scalars(select(FigureMonth.property_id).where(FigureMonth.month == month).distinct()))
    recompute_months(session, {(p, month) for p in props})
    session.flush()
    return len(ids)
