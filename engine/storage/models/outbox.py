"""The outbox: notices to mail, written in the step's transaction and delivered by a job."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base
from engine.storage.models._types import JSONType, UTCDateTime, utcnow


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its (next) delivery attempt
    SENT = "sent"  # accepted by the SMTP server
    LOGGED = "logged"  # development: no SMTP configured, written to the log instead
    FAILED = "failed"  # every attempt failed; an incident is open on the case until retried


class OutboxMessage(Base):
    """One mail to one recipient, with its delivery state and attempts."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))  # the audit kind behind it: notified | escalated | assigned
    username: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10), default="mail", server_default="mail")  # mail | sms
    # sms: the template's variables in order (``subject`` holds the template key, ``body`` the text)
    params: Mapped[list | None] = mapped_column(JSONType)
