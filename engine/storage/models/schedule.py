"""Runs of scheduled processes: one instance per property, process and period."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base
from engine.storage.models._types import UTCDateTime, utcnow


class ScheduledRun(Base):
    """The instance a schedule started for one period; the unique key makes each period start once."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("property_id", "process_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"))
    period: Mapped[str] = mapped_column(String(40))  # the cron occurrence, ISO in the property's timezone
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
