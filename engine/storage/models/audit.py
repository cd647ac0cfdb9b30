"""The audit trail of each instance, and incidents (errors waiting for a retry)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base
from engine.storage.models._types import JSONType, UTCDateTime, utcnow


class AuditKind(str, enum.Enum):
    STARTED = "started"
    TASK_COMPLETED = "task_completed"
    TIMER_FIRED = "timer_fired"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    ERROR = "error"
    RETRIED = "retried"
    ASSIGNED = "assigned"
    NOTIFIED = "notified"
    COMMENTED = "commented"
    ATTACHED = "attached"
    MIGRATED = "migrated"
    CASE_OPENED = "case_opened"


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class AuditEvent(Base):
    """Something that happened to an instance: who, when, what, with which data."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_kind_at", "kind", "at"),  # the inbox's notices: the newest 'notified' events first
        # a case's events, and those of one kind for a page of cases (escalated marks): never every case's (0017)
        Index("ix_audit_events_instance_kind", "instance_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[AuditKind] = mapped_column(_enum(AuditKind))
    actor: Mapped[str | None] = mapped_column(String(120))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    task_name: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class IncidentStatus(str, enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"


class Incident(Base):
    """An error recorded on an instance (a failing script, timer or service) until retried."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus), default=IncidentStatus.OPEN, index=True)
    source: Mapped[str] = mapped_column(String(40))  # timer | task | start | service
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
