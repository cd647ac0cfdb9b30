"""Reading the figures: a property's month or any date range, all properties side by side, trends, the cases behind.

Months are read from the roll-up table (``figure_months``), date ranges from the facts;
both give the same numbers for a whole month. Nothing here writes.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.figures import kpis, survey_analysis
from engine.figures.kpis import KPIS, Kpi
from engine.figures.rollup import month_bounds
from engine.storage.models import (
    FigureFact,
    FigureMonth,
    Household,
    Instance,
    Property,
    PropertyParameter,
    RoleAssignment,
    User,
)

Sums = dict[tuple[str, str], list[int]]  # (fact kpi, dim) -> [counted, hit]


@dataclass(slots=True)
class Figure:
    """One KPI's value at a property over a period, against its target."""

    kpi: Kpi
    value: float | None
    target: float | None
    status: str
    counted: int
    hit: int


def _among(column, property_ids: Iterable[int] | None):
    """``column IN ids``, or no condition when ``property_ids`` is None (every property: no 500-item IN list)."""
    return column.in_(list(property_ids)) if property_ids is not None else column.is_not(None)


def targets(session: Session, property_ids: Iterable[int] | None) -> dict[int, dict[str, float | None]]:
    """Each property's targets (``target_<kpi>`` parameters over the seeds' defaults) and its ``households`` (the
    household register's count, else the ``households`` parameter); ``property_ids`` None: every property."""
    ids = list(property_ids) if property_ids is not None else list(session.scalars(select(Property.id)))
    result = {pid: {**kpis.DEFAULT_TARGETS, "households": None} for pid in ids}
    rows = session.execute(select(PropertyParameter.property_id, PropertyParameter.name, PropertyParameter.value)
                           .where(_among(PropertyParameter.property_id, property_ids),
                                  PropertyParameter.process_key.in_(["", kpis.TARGET_PROCESS_KEY]),
                                  (PropertyParameter.name == "households")
                                  | PropertyParameter.name.like("target\\_%", escape="\\"))).all()
    for pid, name, value in rows:
        if pid not in result:
            continue
        key = "households" if name == "households" else name[len("target_"):]
        try:
            result[pid][key] = float(value) if value is not None else None
        except (TypeError, ValueError):
            continue
    # the household register (《业户信息记录表》) is what the ‰ rates divide by; the parameter stands in without one
    for pid, count in session.execute(select(Household.property_id, func.count()).where(
            _among(Household.property_id, property_ids)).group_by(Household.property_id)):
        if pid in result and count:
            result[pid]["households"] = float(count)
    return result


def role_holders(session: Session, property_ids: Iterable[int] | None) -> dict[int, dict[str, set[str]]]:
    """Usernames holding the callback-quota roles at each property."""
    holders: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pid, role, username in session.execute(
            select(RoleAssignment.property_id, RoleAssignment.role, User.username).join(User)
            .where(_among(RoleAssignment.property_id, property_ids),
                   RoleAssignment.role.in_(set(kpis.QUOTA_ROLES.values())), User.active.is_(True))):
        holders[pid][role].add(username)
    return holders


def assemble(sums: Sums, target: dict[str, float | None], days: int,
             holders: dict[str, set[str]] | None = None, keys: Iterable[str] | None = None) -> dict[str, Figure]:
    """The KPI values (all, or those named in ``keys``) from fact sums over ``days`` days."""
    totals: dict[str, list[int]] = {}
    by_dim: dict[str, dict[str, int]] = {}
    for (k, d), (c, h) in sums.items():
        total = totals.get(k)
        if total is None:
            totals[k] = [c, h]
        else:
            total[0] += c
            total[1] += h
        by_dim.setdefault(k, {})[d] = h
    figures = {}
    for kpi in (KPIS if keys is None else [kpis.BY_KEY[k] for k in keys]):
        counted, hit = totals.get(kpi.fact_kpi, (0, 0))
        if kpi.key == "complaint_rate":
            value = kpis.per_thousand_a_year(counted, int(target.get("households") or 0), days)
            hit = counted
        elif kpi.key in kpis.QUOTA_ROLES:
            people = sorted((holders or {}).get(kpis.QUOTA_ROLES[kpi.key], ()))
            by = by_dim.get(kpi.fact_kpi, {})
            value = float(min(by.get(p, 0) for p in people)) if people else None
            counted, hit = len(people), sum(by.get(p, 0) for p in people)
        elif kpi.unit == "count":
            value = float(hit)
        else:
            value = round(100.0 * hit / counted, 1) if counted else None
        goal = target.get(kpi.key)
        figures[kpi.key] = Figure(kpi, value, goal, kpis.status(kpi, value, goal), counted, hit)
    return figures


def _month_sums(session: Session, months: list[str], property_ids: list[int] | None) -> dict[tuple[int, str], Sums]:
    query = select(FigureMonth.property_id, FigureMonth.month, FigureMonth.kpi, FigureMonth.dim,
                   FigureMonth.counted, FigureMonth.hit).where(FigureMonth.month.in_(months))
    if property_ids is not None:
        query = query.where(FigureMonth.property_id.in_(property_ids))  # None: every property
    sums: dict[tuple[int, str], Sums] = defaultdict(dict)
    for pid, month, kpi, dim, counted, hit in session.execute(query):
        sums[(pid, month)][(kpi, dim)] = [counted, hit]
    return sums


@lru_cache(maxsize=256)
def _days(month: str) -> int:
    first, after = month_bounds(month)
    return (after - first).days


def months_figures(session: Session, months: list[str], property_ids: list[int] | None,
                   keys: Iterable[str] | None = None) -> dict[tuple[int, str], dict[str, Figure]]:
    """Figures (all, or those in ``keys``) of each property (None: every property) in each month,
    from the roll-ups (one query for all)."""
    sums = _month_sums(session, months, property_ids)
    for key, extra in survey_analysis.month_sums(session, months, property_ids).items():
        sums[key] = {**sums.get(key, {}), **extra}
    goals, holders = targets(session, property_ids), role_holders(session, property_ids)
    return {(pid, m): assemble(sums.get((pid, m), {}), goals[pid], _days(m), holders.get(pid), keys)
            for pid in goals for m in months}


def range_sums(session: Session, property_id: int, start: date, end: date) -> Sums:
    """Fact sums at a property from ``start`` to ``end`` inclusive (local dates)."""
    rows = session.execute(select(FigureFact.kpi, FigureFact.dim, func.sum(FigureFact.counted),
                                  func.sum(FigureFact.hit))
                           .where(FigureFact.property_id == property_id, FigureFact.on_day >= start,
                                  FigureFact.on_day <= end).group_by(FigureFact.kpi, FigureFact.dim)).all()
    return {(k, d): [int(c), int(h)] for k, d, c, h in rows}


def range_figures(session: Session, property_id: int, start: date, end: date) -> dict[str, Figure]:
    """Figures of one property over any date range, read from the facts."""
    sums = {**range_sums(session, property_id, start, end),
            **survey_analysis.range_sums(session, property_id, start, end)}
    return assemble(sums, targets(session, [property_id])[property_id],
                    (end - start).days + 1, role_holders(session, [property_id]).get(property_id))


def breakdown(session: Session, property_id: int, start: date, end: date, fact_kpi: str) -> dict[str, int]:
    """Counts by dimension (e.g. complaints by cause) over a date range, largest first."""
    sums = range_sums(session, property_id, start, end)
    counts = {d: h for (k, d), (_c, h) in sums.items() if k == fact_kpi}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def cases_behind(session: Session, property_id: int, kpi_key: str, start: date, end: date, *,
                 missed_only: bool = False, dim: str | None = None) -> list[tuple[Instance, int, int]]:
    """The cases behind a figure over a date range: (case, items counted, items hit), newest first."""
    kpi = kpis.BY_KEY.get(kpi_key)
    fact_kpi = kpi.fact_kpi if kpi else kpi_key
    query = (select(FigureFact.instance_id, func.sum(FigureFact.counted), func.sum(FigureFact.hit))
             .where(FigureFact.property_id == property_id, FigureFact.kpi == fact_kpi,
                    FigureFact.on_day >= start, FigureFact.on_day <= end).group_by(FigureFact.instance_id))
    if dim is not None:
        query = query.where(FigureFact.dim == dim)
    rows = session.execute(query).all()
    if missed_only:
        rows = [r for r in rows if r[2] < r[1]]
    found = {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_([r[0] for r in rows])))}
    return sorted(((found[i], int(c), int(h)) for i, c, h in rows if i in found), key=lambda t: -t[0].id)


def last_months(month: str, n: int) -> list[str]:
    """``n`` months ending with ``month``, oldest first."""
    first, _ = month_bounds(month)
    out = []
    for _ in range(n):
        out.append(f"{first:%Y-%m}")
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def company_months(session: Session, months: list[str]) -> dict[str, dict[str, Figure]]:
    """Company-wide figures per month (every property's roll-ups summed; quotas and ‰ need a property: none)."""
    rows = session.execute(select(FigureMonth.month, FigureMonth.kpi, FigureMonth.dim, func.sum(FigureMonth.counted),
                                  func.sum(FigureMonth.hit)).where(FigureMonth.month.in_(months))
                           .group_by(FigureMonth.month, FigureMonth.kpi, FigureMonth.dim)).all()
    sums: dict[str, Sums] = defaultdict(dict)
    for month, kpi, dim, counted, hit in rows:
        sums[month][(kpi, dim)] = [int(counted), int(hit)]
    goals = {**kpis.DEFAULT_TARGETS, "households": None}
    return {m: assemble(sums.get(m, {}), goals, _days(m)) for m in months}
