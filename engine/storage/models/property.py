"""Properties (物业项目) and their parameters."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.storage.database import Base
from engine.storage.models._types import JSONType, UTCDateTime, utcnow


class Property(Base):
    """A managed property (物业项目): the unit that runs processes and owns cases."""

    __tablename__ = "properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    extra_days_off: Mapped[list[str]] = mapped_column(JSONType, default=list)
    extra_workdays: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parameters: Mapped[list[PropertyParameter]] = relationship(
        back_populates="property", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Property {self.code} {self.name}>"


class PropertyParameter(Base):
    """A value diagrams read at one property; ``process_key`` '' applies to every process."""

    __tablename__ = "property_parameters"
    __table_args__ = (UniqueConstraint("property_id", "process_key", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType)

    property: Mapped[Property] = relationship(back_populates="parameters")
