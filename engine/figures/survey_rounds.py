"""Opening a survey round at a property and taking a household's answers.

Households come from the caller or, by default, from the household register (each registered
household once, with its phone: ``registered_households``); a property without a register
falls back to the residents its cases know (building/room and phone from their summaries).
Each invitation carries a random token: the link ``/s/<token>`` is the household's only key;
``engine.figures.survey_invites`` sends each link as one SMS.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.exceptions import Conflict, FormInvalid, NotAllowed, NotFound
from engine.org import households as register
from engine.storage.models import Household, Instance, Property, SurveyInvitation, SurveyRound
from engine.storage.models._types import utcnow

RATINGS = ("very_satisfied", "satisfied", "fairly_satisfied", "unsatisfied")  # 很满意 满意 较满意 不满意
SATISFIED = frozenset(RATINGS[:3])
RATING_LABELS = {"very_satisfied": "很满意", "satisfied": "满意", "fairly_satisfied": "较满意", "unsatisfied": "不满意"}
DEFAULT_ITEMS = (
    ("customer_service", "客户服务(接待、办事效率、服务态度)"), ("repairs", "维修服务(及时、质量)"),
    ("security", "秩序维护(治安、门岗、巡逻)"), ("parking", "停车管理"), ("cleaning", "清洁卫生"),
    ("greening", "绿化养护"), ("facilities", "公共设备设施"), ("complaints", "投诉处理"),
)


def known_households(session: Session, prop: Property) -> list[tuple[str, str | None]]:
    """(building/room, phone) of every resident the property's cases know, one per building/room."""
    found: dict[str, str | None] = {}
    for summary in session.scalars(select(Instance.summary).where(Instance.property_id == prop.id)
                                   .order_by(Instance.id.desc())):
        room = (summary or {}).get("building_room")
        if room and room not in found:
            found[room] = (summary or {}).get("contact_phone")
    return sorted(found.items())


def registered_households(session: Session, prop: Property) -> list[tuple[str, str | None]]:
    """(building-room, phone) of every household in the property's register, by building and room.

    The phone is the owner's (else the tenant's, else a family member's) mobile number; None if nobody has one."""
    found = []
    for household in session.scalars(select(Household).where(Household.property_id == prop.id)
                                     .order_by(Household.building, Household.room)):
        phones = sorted((m for m in household.members if m.phone),
                        key=lambda m: register.RELATIONS.index(m.relation) if m.relation in register.RELATIONS else 9)
        found.append((household.label, phones[0].phone if phones else None))
    return found


def households_for(session: Session, prop: Property) -> list[tuple[str, str | None]]:
    """Whom a round invites: the household register, or the residents the cases know if there is no register."""
    if register.count(session, prop.id):
        return registered_households(session, prop)
    return known_households(session, prop)


def open_round(session: Session, prop: Property, title: str, *, by: str | None = None,
               households: Iterable[tuple[str, str | None]] | None = None,
               items: Iterable[tuple[str, str]] = DEFAULT_ITEMS, days: int = 14,
               now: datetime | None = None) -> SurveyRound:
    """Open a round with one invitation per household; refuses a round without households or title."""
    now = now or utcnow()
    title = (title or "").strip()
    if not title:
        raise NotAllowed("a survey round needs a title", code="survey_title")
    people = list(households if households is not None else households_for(session, prop))
    if not people:
        raise NotAllowed(f"property '{prop.code}' has no households to survey", code="survey_no_households")
    if not 1 <= days <= 90:
        raise NotAllowed("a survey round stays open 1 to 90 days", code="survey_days")
    round_ = SurveyRound(property_id=prop.id, title=title[:200], items=[{"key": k, "label": v} for k, v in items],
                         opened_by=by, opened_at=now, closes_at=now + timedelta(days=days))
    session.add(round_)
    session.flush()
    session.add_all(SurveyInvitation(round_id=round_.id, token=secrets.token_urlsafe(24), household=room[:120],
                                     contact=phone, answers={}, satisfied=0, unsatisfied=0)
                    for room, phone in people)
    session.flush()
    return round_


def invitation(session: Session, token: str) -> tuple[SurveyInvitation, SurveyRound]:
    """The invitation behind a link and its round; ``NotFound`` for an unknown token."""
    inv = session.scalars(select(SurveyInvitation).where(SurveyInvitation.token == token)).one_or_none()
    if inv is None:
        raise NotFound("no such survey link", code="survey_link")
    round_ = session.get(SurveyRound, inv.round_id)
    assert round_ is not None  # the foreign key keeps it
    return inv, round_


def answer(session: Session, token: str, ratings: dict[str, str | None], comment: str = "", *,
           now: datetime | None = None) -> SurveyInvitation:
    """Record a household's answers once; an item left unrated is ``None`` (not counted either way).

    ``FormInvalid`` names an unknown rating; ``Conflict`` if this link already answered;
    ``NotAllowed`` after the round closed. Nothing is saved on refusal.
    """
    from engine.exceptions import FieldError

    now = now or utcnow()
    inv, round_ = invitation(session, token)
    if inv.answered_at is not None:
        raise Conflict("this survey was already answered", code="survey_answered")
    if now >= round_.closes_at:
        raise NotAllowed("the survey round has closed", code="survey_closed")
    keys = [item["key"] for item in round_.items]
    bad = [FieldError(k, f"'{v}' is not a rating") for k, v in ratings.items()
           if k in keys and v not in (None, *RATINGS)]
    if bad:
        raise FormInvalid(bad)
    answers = {k: ratings.get(k) for k in keys}
    inv.answers, inv.comment, inv.answered_at = answers, (comment or "").strip()[:2000] or None, now
    inv.satisfied = sum(1 for v in answers.values() if v in SATISFIED)
    inv.unsatisfied = sum(1 for v in answers.values() if v == "unsatisfied")
    session.flush()
    return inv


def mark_sent(session: Session, invitations: Iterable[SurveyInvitation], now: datetime | None = None) -> None:
    """Record that these links went out (the SMS channel calls this after sending)."""
    now = now or utcnow()
    for inv in invitations:
        inv.sent_at = inv.sent_at or now
    session.flush()


def link(inv: SurveyInvitation, base_url: str) -> str:
    """The household's own link: ``<base_url>/s/<token>``."""
    return f"{base_url.rstrip('/')}/s/{inv.token}"


def sms_values(prop: Property, round_: SurveyRound, inv: SurveyInvitation, base_url: str) -> dict[str, str]:
    """The variables of the ``survey_invite`` SMS template for one household."""
    return {"property": prop.name, "household": inv.household, "title": round_.title, "link": link(inv, base_url),
            "closes": f"{round_.closes_at.astimezone(ZoneInfo(prop.timezone or 'Asia/Shanghai')):%-m月%-d日}"}
