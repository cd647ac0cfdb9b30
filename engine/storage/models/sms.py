"""SMS opt-outs: numbers that asked for no more notices (sign-in codes still reach them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base
from engine.storage.models._types import UTCDateTime, utcnow


class SmsOptOut(Base):
    """One number that receives no notice SMS."""

    __tablename__ = "sms_optouts"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # resident (the portal) | front_desk:<username> | reply
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
