"""Who may get an SMS: Chinese mobile numbers, a per-number daily limit, and the opt-out list.

``normalise`` turns what people type (``138 0013 8000``, ``+86-13800138000``) into
the 11 digits or None for anything that is not a mainland mobile number (a
landline gets no SMS). The daily limit counts the SMS written to the outbox for the
number since midnight China time (``SMS_DAILY_LIMIT``, default 10); sign-in codes
have their own limits (``engine.residents.signin``).
"""
from __future__ import annotations

import os
import re
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import OutboxMessage, SmsOptOut
from ..models._types import utcnow

CHINA = ZoneInfo("Asia/Shanghai")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise(phone: str | None) -> str | None:
    """The 11-digit mobile number in ``phone``, or None."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits if _MOBILE.match(digits) else None


def daily_limit() -> int:
    """SMS a number may get per day (``SMS_DAILY_LIMIT``, default 10)."""
    value = os.environ.get("SMS_DAILY_LIMIT", "").strip()
    return int(value) if value.isdigit() else 10


def sent_today(session: Session, phone: str, now: datetime | None = None, kinds: tuple[str, ...] | None = None) -> int:
    """SMS written for ``phone`` since midnight China time (optionally only of the given outbox kinds)."""
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(CHINA).date(), time(0), CHINA).astimezone(timezone.utc)
    query = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.channel == "sms", OutboxMessage.address == phone, OutboxMessage.created_at >= midnight)
    if kinds:
        query = query.where(OutboxMessage.kind.in_(kinds))
    return session.scalar(query)


def opted_out(session: Session, phone: str) -> bool:
    return session.get(SmsOptOut, phone) is not None


def opt_out(session: Session, phone: str, source: str, now: datetime | None = None) -> None:
    """Stop notice SMS to ``phone`` (idempotent); ``ValueError`` for a number that is not a mobile number."""
    number = normalise(phone)
    if number is None:
        raise ValueError(f"not a mobile number: {phone!r}")
    if session.get(SmsOptOut, number) is None:
        session.add(SmsOptOut(phone=number, source=source[:40], created_at=now or utcnow()))
        session.flush()


def opt_in(session: Session, phone: str) -> None:
    """Send notice SMS to ``phone`` again."""
    row = session.get(SmsOptOut, normalise(phone) or "")
    if row is not None:
        session.delete(row)
        session.flush()
