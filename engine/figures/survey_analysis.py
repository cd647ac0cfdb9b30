"""A survey round's 统计分析: return rate, satisfaction per item and overall by the seeds' formula.

Satisfaction rate = satisfied items ÷ (satisfied items + unsatisfied items) × 100 %, where
很满意/满意/较满意 are satisfied and unrated items are left out [001]. The return rate is
answered forms ÷ forms handed out (target ≥ 90 %).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.figures.kpis import rate
from engine.figures.survey_rounds import RATINGS, SATISFIED
from engine.storage.models import Property, SurveyInvitation, SurveyRound

RETURN_TARGET = 90.0


@dataclass
class ItemResult:
    key: str
    label: str
    counts: dict[str | None, int] = field(default_factory=dict)  # rating -> answers; None key: unrated
    rate: float | None = None


@dataclass
class RoundResult:
    round: SurveyRound
    handed_out: int
    returned: int
    return_rate: float | None
    satisfied: int
    unsatisfied: int
    rate: float | None
    items: list[ItemResult]
    comments: list[tuple[str, str]]


def analyse(session: Session, round_: SurveyRound) -> RoundResult:
    """The round's statistics (reads every invitation of the round once)."""
    invitations = session.scalars(select(SurveyInvitation).where(SurveyInvitation.round_id == round_.id)
                                  .order_by(SurveyInvitation.household)).all()
    answered = [i for i in invitations if i.answered_at is not None]
    items = []
    for item in round_.items:
        counts = {r: 0 for r in (*RATINGS, None)}
        for inv in answered:
            counts[inv.answers.get(item["key"])] = counts.get(inv.answers.get(item["key"]), 0) + 1
        good = sum(counts[r] for r in SATISFIED)
        items.append(ItemResult(item["key"], item["label"], counts, rate(good, good + counts["unsatisfied"])))
    satisfied = sum(i.satisfied for i in answered)
    unsatisfied = sum(i.unsatisfied for i in answered)
    return RoundResult(round_, len(invitations), len(answered), rate(len(answered), len(invitations)),
                       satisfied, unsatisfied, rate(satisfied, satisfied + unsatisfied), items,
                       [(i.household, i.comment) for i in answered if i.comment])


def month_sums(session: Session, months: list[str], property_ids: list[int] | None) -> dict[tuple[int, str], dict]:
    """(property id, month) -> fact-like sums of the rounds opened that month, for the promise board:
    ``("satisfaction", "survey")`` items and ``("survey_return", "")`` forms (counted, hit)."""
    if not months:
        return {}
    lo = datetime.combine(date.fromisoformat(f"{min(months)}-01"), time.min, UTC) - timedelta(days=1)
    rows = session.execute(
        select(SurveyRound.property_id, SurveyRound.opened_at, Property.timezone,
               func.count(SurveyInvitation.id), func.count(SurveyInvitation.answered_at),
               func.coalesce(func.sum(SurveyInvitation.satisfied), 0),
               func.coalesce(func.sum(SurveyInvitation.unsatisfied), 0))
        .join(SurveyInvitation, SurveyInvitation.round_id == SurveyRound.id)
        .join(Property, Property.id == SurveyRound.property_id)
        .where(SurveyRound.opened_at >= lo,
               SurveyRound.property_id.in_(property_ids) if property_ids is not None else SurveyRound.id.is_not(None))
        .group_by(SurveyRound.id, SurveyRound.property_id, SurveyRound.opened_at, Property.timezone)).all()
    sums: dict[tuple[int, str], dict] = defaultdict(dict)
    for pid, opened, tz, handed, returned, good, bad in rows:
        month = f"{opened.astimezone(ZoneInfo(tz or 'Asia/Shanghai')):%Y-%m}"
        if month not in months:
            continue
        cell = sums[(pid, month)]
        ret = cell.setdefault(("survey_return", ""), [0, 0])
        ret[0] += int(handed)
        ret[1] += int(returned)
        sat = cell.setdefault(("satisfaction", "survey"), [0, 0])
        sat[0] += int(good) + int(bad)
        sat[1] += int(good)
    return sums


def range_sums(session: Session, property_id: int, start: date, end: date) -> dict:
    """The same sums for the rounds opened at a property from ``start`` to ``end`` (local dates)."""
    zone = ZoneInfo(session.scalar(select(Property.timezone).where(Property.id == property_id)) or "Asia/Shanghai")
    lo = datetime.combine(start, time.min, zone)
    hi = datetime.combine(end + timedelta(days=1), time.min, zone)
    handed, returned, good, bad = session.execute(
        select(func.count(SurveyInvitation.id), func.count(SurveyInvitation.answered_at),
               func.coalesce(func.sum(SurveyInvitation.satisfied), 0),
               func.coalesce(func.sum(SurveyInvitation.unsatisfied), 0))
        .join(SurveyRound, SurveyInvitation.round_id == SurveyRound.id)
        .where(SurveyRound.property_id == property_id, SurveyRound.opened_at >= lo,
               SurveyRound.opened_at < hi)).one()
    if not handed:
        return {}
    return {("survey_return", ""): [int(handed), int(returned)],
            ("satisfaction", "survey"): [int(good) + int(bad), int(good)]}
