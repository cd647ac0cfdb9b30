"""Who may get an SMS: Chinese mobile numbers, a per-number daily limit, and the opt-out list.

``normalise`` turns what people type (``138 0013 8000``, ``+86-13800138000``) into
the 11 digits or None for anything that is not a mainland mobile number (a
landline gets no SMS). The daily limit counts the SMS written to the outbox for the
number since midnight China time (``SMS_DAILY_LIMIT``, default 10); sign-in codes
have their own limits (``engine.residents.signin``).
"""
from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.org.households import normalise  # noqa: F401 - the phone rule, used by callers of the policy
from engine.storage.database import settings_of
from engine.storage.models import OutboxMessage, SmsOptOut
from engine.storage.models._types import utcnow

CHINA = ZoneInfo("Asia/Shanghai")


def daily_limit(session: Session) -> int:
    """SMS a number may get per day (setting ``SMS_DAILY_LIMIT``, default 10)."""
    return settings_of(session).sms_daily_limit


def sent_today(session: Session, phone: str, now: datetime | None = None, kinds: tuple[str, ...] | None = None) -> int:
    """SMS written for ``phone`` since midnight China time (optionally only of the given outbox kinds)."""
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(CHINA).date(), time(0), CHINA).astimezone(UTC)
    query = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.channel == "sms", OutboxMessage.address == phone, OutboxMessage.created_at >= midnight)
    if kinds:
        query = query.where(OutboxMessage.kind.in_(kinds))
    return session.scalar(query) or 0


def sent_today_to(session: Session, phones: list[str], now: datetime | None = None,
                  kinds: tuple[str, ...] | None = None) -> dict[str, int]:
    """``sent_today`` for many numbers in one query (numbers without an SMS today are left out)."""
    now = now or utcnow()
    midnight = datetime.combine(now.astimezone(CHINA).date(), time(0), CHINA).astimezone(UTC)
    query = select(OutboxMessage.address, func.count()).where(
        OutboxMessage.channel == "sms", OutboxMessage.address.in_(phones), OutboxMessage.created_at >= midnight)
    if kinds:
        query = query.where(OutboxMessage.kind.in_(kinds))
    return {address: int(n) for address, n in session.execute(query.group_by(OutboxMessage.address))}


def opted_out_among(session: Session, phones: list[str]) -> set[str]:
    """Those of ``phones`` that opted out, in one query."""
    return set(session.scalars(select(SmsOptOut.phone).where(SmsOptOut.phone.in_(phones))))


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
