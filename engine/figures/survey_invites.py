"""Sending a survey round's links: each household's link as one SMS (template ``survey_invite``).

Every SMS goes through the outbox like every other (outbox kind ``survey``) under the same
rules as ``resident_notices.send``: an opted-out number gets none, and a number's daily limit
(``resident_notices.LIMITED_KINDS``) counts it. A
household without a mobile number gets none (the staff hand its link out on paper).
An invitation already sent is not sent again, so sending twice is harmless.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.figures import survey_rounds
from engine.messages import outbox
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
    """Write one SMS per household of the round not yet sent, in the caller's transaction.

    The opt-out list and today's counts are read once for all the round's numbers (a register
    has thousands); a number shared by several households counts each SMS against its limit."""
    now = now or utcnow()
    prop = session.get(Property, round_.property_id)
    assert prop is not None  # the foreign key keeps it
    result = Sent()
    pending = session.scalars(select(SurveyInvitation).where(SurveyInvitation.round_id == round_.id,
                                                             SurveyInvitation.sent_at.is_(None))
                              .order_by(SurveyInvitation.household)).all()
    phones = {inv.id: policy.normalise(inv.contact) for inv in pending}
    numbers = sorted({p for p in phones.values() if p})
    stopped, today, limit = set(), {}, policy.daily_limit(session)
    for begin in range(0, len(numbers), 500):  # IN lists of a bounded length
        chunk = numbers[begin:begin + 500]
        stopped |= policy.opted_out_among(session, chunk)
        today.update(policy.sent_today_to(session, chunk, now, kinds=resident_notices.LIMITED_KINDS))
    template = templates.get("survey_invite")
    for inv in pending:
        phone = phones[inv.id]
        if phone is None:
            result.no_phone.append(inv.household)
        elif phone in stopped:
            result.opted_out.append(inv.household)
        elif today.get(phone, 0) >= limit:
            result.limited.append(inv.household)
        else:
            text, params = template.render(survey_rounds.sms_values(prop, round_, inv, base_url))
            outbox.add(session, kind=KIND, address=phone, subject=template.key, body=text, now=now, channel="sms",
                       params=params)
            today[phone] = today.get(phone, 0) + 1
            inv.sent_at = now
            result.sent += 1
    session.flush()
    return result
