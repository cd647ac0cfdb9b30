"""API bearer tokens: issue, verify, list, revoke; only a SHA-256 of each secret is stored.

A token is ``pf_`` + 43 URL-safe random characters (256 bits), shown once when issued.
``scope`` is ``staff`` (``owner`` = the username) or ``resident`` (``owner`` = the
resident's phone). ``verify`` returns the live token row (not revoked, not expired, and
for staff an active account) and notes when it was last used; anything else is ``None``.
Tokens are listed and revoked by their owner, or by an admin (``revoke(..., by_admin=True)``).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine.exceptions import NotAllowed, NotFound
from engine.storage.models import ApiToken, User
from engine.storage.models._types import utcnow

SCOPES = ("staff", "resident")
PREFIX = "pf_"
MAX_DAYS = 365


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, scope: str, owner: str, *, days: int, name: str = "", user_id: int | None = None,
          now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token row and its secret (the only time the secret is seen)."""
    if scope not in SCOPES:
        raise NotAllowed(f"unknown token scope {scope!r}", code="token_scope")
    if not 1 <= days <= MAX_DAYS:
        raise NotAllowed(f"a token lives 1 to {MAX_DAYS} days", code="token_days", limit=MAX_DAYS)
    now = now or utcnow()
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_digest(secret), prefix=secret[:10], scope=scope, owner=owner, user_id=user_id,
                   name=(name or "").strip()[:100], created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    return row, secret


def verify(session: Session, secret: str, now: datetime | None = None, *, touch: bool = True) -> ApiToken | None:
    """The live token ``secret`` names (its ``last_used_at`` noted when ``touch``: not on read-only sessions),
    else None."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    now = now or utcnow()
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(secret))
                          .options(joinedload(ApiToken.user).joinedload(User.roles))).unique().first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.scope == "staff":  # the user and their roles came with the token: one round trip for every request
        user = row.user
        if user is None or not user.active:
            return None
    if touch and (row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1)):  # a write a minute
        row.last_used_at = now
        session.flush()
    return row


def tokens_of(session: Session, scope: str, owner: str) -> list[ApiToken]:
    """The owner's tokens (live and past), newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.scope == scope, ApiToken.owner == owner)
                                .order_by(ApiToken.id.desc())))


def all_tokens(session: Session, limit: int = 500) -> list[ApiToken]:
    """Every token, newest first (the admin's list)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc()).limit(limit)))


def revoke(session: Session, token_id: int, *, scope: str, owner: str, by_admin: bool = False,
           now: datetime | None = None) -> ApiToken:
    """Revoke token ``token_id`` of ``owner`` (any owner's ``by_admin``); ``NotFound`` if it is not theirs."""
    row = session.get(ApiToken, token_id)
    if row is None or (not by_admin and (row.scope != scope or row.owner != owner)):
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.flush()
    return row
