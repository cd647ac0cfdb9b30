"""A notice someone has put away: the inbox shows it to them no more (migration 0011)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base
from engine.storage.models._types import UTCDateTime, utcnow


class NoticeDismissal(Base):
    """``user`` dismissed the notice recorded as audit event ``event`` (and every repeat of it on that case)."""

    __tablename__ = "notice_dismissals"
    __table_args__ = (UniqueConstraint("user_id", "instance_id", "message_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(64))  # sha256 of the notice's text: repeats are the same notice
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
