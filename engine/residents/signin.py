"""Resident sign-in: a one-time code by SMS to a number registered in a household.

``request_code`` writes a 6-digit code's SMS to the outbox (template ``code``) and
keeps only a salted SHA-256 of it; codes expire after ``CODE_MINUTES``. Limits: per
number one code a minute, ``PER_NUMBER_HOUR`` an hour and ``PER_NUMBER_DAY`` a day; per
address ``PER_ADDRESS_HOUR`` an hour. A number no household lists gets no SMS and the
same answer as a registered one (nobody learns who lives where). ``verify`` compares in
constant time, allows ``MAX_ATTEMPTS`` tries per code, and uses a code once. Codes older
than ``KEEP`` are deleted when a new one is asked for.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.exceptions import EngineError
from engine.messages.sms import policy, templates
from engine.messages.sms.resident_notices import send
from engine.residents.access import Resident, resident_for
from engine.storage.models import ResidentCode
from engine.storage.models._types import utcnow

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
PER_NUMBER_MINUTE, PER_NUMBER_HOUR, PER_NUMBER_DAY, PER_ADDRESS_HOUR = 1, 5, 10, 20
KEEP = timedelta(days=2)  # codes older than this are deleted (no limit looks further back)


class SignInRefused(EngineError):
    """Why a code was not sent or not accepted: ``code`` is ``not_mobile``, ``wait`` (with ``seconds``),
    ``too_many``, ``wrong_code`` or ``expired``."""


def request_code(session: Session, phone: str, address: str, now: datetime | None = None) -> int | None:
    """Send a sign-in code to ``phone`` (the outbox id), or None for a number no household lists."""
    now = now or utcnow()
    number = policy.normalise(phone)
    if number is None:
        raise SignInRefused(f"not a mobile number: {phone!r}", code="not_mobile")
    _check_limits(session, number, address[:64], now)
    session.execute(delete(ResidentCode).where(ResidentCode.created_at < now - KEEP))  # past every limit's window
    code = f"{secrets.randbelow(10 ** 6):06d}"
    session.add(ResidentCode(phone=number, address=address[:64], code_hash=_hash(code), attempts=0,
                             created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES)))
    session.flush()
    if resident_for(session, number) is None:
        return None
    text, params = templates.get("code").render({"code": code, "minutes": str(CODE_MINUTES)})
    return send(session, number, "code", text, params, kind="code", now=now, always=True)


def verify(session: Session, phone: str, code: str, now: datetime | None = None) -> Resident:
    """The resident whose latest code this is (the code is used up), else ``SignInRefused``."""
    now = now or utcnow()
    number = policy.normalise(phone) or ""
    row = session.scalars(select(ResidentCode).where(ResidentCode.phone == number, ResidentCode.used_at.is_(None))
                          .order_by(ResidentCode.created_at.desc(), ResidentCode.id.desc()).limit(1)).first()
    if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        raise SignInRefused("no valid code for this number", code="expired")
    row.attempts += 1
    if not _matches(row.code_hash, (code or "").strip()):
        session.flush()
        raise SignInRefused("wrong code", code="wrong_code")
    resident = resident_for(session, number)
    if resident is None:
        raise SignInRefused("wrong code", code="wrong_code")
    row.used_at = now
    session.flush()
    return resident


def _check_limits(session: Session, number: str, address: str, now: datetime) -> None:
    def sent(column, value, since: timedelta) -> tuple[int, datetime | None]:
        return session.execute(select(func.count(), func.max(ResidentCode.created_at)).where(
            column == value, ResidentCode.created_at > now - since)).one()

    recent, last = sent(ResidentCode.phone, number, timedelta(minutes=1))
    if recent >= PER_NUMBER_MINUTE:
        wait = 60 - int((now - _aware(last)).total_seconds()) if last else 60
        raise SignInRefused("a code was sent less than a minute ago", code="wait", seconds=max(wait, 1))
    if (sent(ResidentCode.phone, number, timedelta(hours=1))[0] >= PER_NUMBER_HOUR
            or sent(ResidentCode.phone, number, timedelta(days=1))[0] >= PER_NUMBER_DAY
            or sent(ResidentCode.address, address, timedelta(hours=1))[0] >= PER_ADDRESS_HOUR):
        raise SignInRefused("too many codes requested", code="too_many")


def _aware(value: datetime) -> datetime:

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _hash(code: str) -> str:
    salt = secrets.token_hex(8)
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def _matches(stored: str, code: str) -> bool:
    salt, _, digest = stored.partition("$")
    return hmac.compare_digest(digest, hashlib.sha256(f"{salt}:{code}".encode()).hexdigest())
