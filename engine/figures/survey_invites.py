"""Sending a survey round's links: each household's link as one SMS (template ``survey_invite``).

Every SMS goes through the outbox like every other (``resident_notices.send``, outbox kind
``survey``), so an opted-out number gets none and a number's daily limit counts it. A
household without a mobile number gets none (the staff hand its link out on paper).
An invitation already sent is not sent again, so sending twice is harmless.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.figures import survey_rounds
from engine.messages.sms import policy, resident_notices, templates
from engine.storage.models import Property, SurveyInvitation, SurveyRound
from engine.storage.models._types import utcnow

KIND = "survey"


@dataclass
class Sent:
    """What sending a round's links did: SMS written, and the households left out and why."""

    sent: int = 0
    no_phone: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    limited: list[str] = field(default_factory=list)


def send_links(session: Session, round_: SurveyRound, base_url: str, now: datetime | None = None) -> Sent:
    """Write one SMS per household of the round not yet sent, in the caller's transaction."""
    now = now or utcnow()
    prop = session.get(Property, round_.property_id)
    assert prop is not None  # the foreign key keeps it
    result = Sent()
    pending = session.scalars(select(SurveyInvitation).where(SurveyInvitation.round_id == round_.id,
                                                             SurveyInvitation.sent_at.is_(None))
                              .order_by(SurveyInvitation.household)).all()
    for inv in pending:
        phone = policy.normalise(inv.contact)
        if phone is None:
            result.no_phone.append(inv.household)
            continue
        if policy.opted_out(session, phone):
            result.opted_out.append(inv.household)
            continue
        text, params = templates.get("survey_invite").render(survey_rounds.sms_values(prop, round_, inv, base_url))
        if resident_notices.send(session, phone, "survey_invite", text, params, kind=KIND, now=now) is None:
            result.limited.append(inv.household)
            continue
        survey_rounds.mark_sent(session, [inv], now)
        result.sent += 1
    return result
