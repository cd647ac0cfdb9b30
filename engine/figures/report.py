"""The monthly report to HQ: its figures filled from the roll-ups, and which properties have not reported.

``report_values`` gives the monthly report form's figures for a property and month
(fields named in ``mapping.MONTHLY_REPORT_FIELDS``); the manager adds the commentary.
``report_status`` says, for a report month, where each property's report stands.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.figures import kpis, mapping
from engine.figures.queries import _month_sums
from engine.figures.rollup import month_bounds
from engine.storage.models import FigureMonth, Instance, Property


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


def report_status(session: Session, month: str) -> dict[int, str]:
    """property id -> where its report on ``month`` stands: 'submitted', 'submitted_late', 'late' (chased,
    not in), 'open' (not due yet) or 'missing' (no report case); read from the roll-ups of the month after."""
    _first, after = month_bounds(month)
    rows = session.execute(select(FigureMonth.property_id, FigureMonth.kpi).where(
        FigureMonth.month == f"{after:%Y-%m}",
        FigureMonth.kpi.in_(["report_opened", "report_submitted", "report_chased"]), FigureMonth.hit > 0)).all()
    seen: dict[int, set[str]] = {}
    for pid, kpi in rows:
        seen.setdefault(pid, set()).add(kpi)
    status = {}
    for pid in session.scalars(select(Property.id)):
        kinds = seen.get(pid, set())
        if "report_opened" not in kinds:
            status[pid] = "missing"
        elif "report_submitted" in kinds:
            status[pid] = "submitted_late" if "report_chased" in kinds else "submitted"
        else:
            status[pid] = "late" if "report_chased" in kinds else "open"
    return status
