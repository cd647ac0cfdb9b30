"""Notices to roles as the inbox reads them (migration 0018), and the ones someone has put away (0011)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


def message_key(message: str) -> str:
    """A notice's text as a key: the same text on the same case is one notice (a reminder repeated)."""
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


class RoleNotice(Base):
    """Projection: a ``notified`` audit event addressed to a role, kept while its case has not ended.

    Written with the event (``engine.cases.history``), deleted when the case completes or is cancelled;
    the inbox reads the newest of a person's roles here by index, not through the whole audit trail.
    """

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_property_lane_at", "property_id", "lane", "at"),
                      Index("ix_notices_lane_at", "lane", "at"))  # head office: the hq role at every property

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the audit event's id
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    lane: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_no: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    message_key: Mapped[str] = mapped_column(String(64))
