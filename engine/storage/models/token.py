"""API bearer tokens (migration 0015): only a SHA-256 of the secret is kept."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.storage.database import Base
from engine.storage.models._types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from engine.storage.models.user import User


class ApiToken(Base):
    """A bearer token of a staff member (``user_id``) or a resident (``phone``), scoped ``staff`` or ``resident``."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_owner", "scope", "owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    prefix: Mapped[str] = mapped_column(String(12))  # the secret's first characters, to tell tokens apart in a list
    scope: Mapped[str] = mapped_column(String(16))  # "staff" | "resident"
    owner: Mapped[str] = mapped_column(String(64))  # the username, or the resident's phone
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(lazy="select")  # a staff token's user (``verify`` loads it joined)
