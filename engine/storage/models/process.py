"""Processes, their content-addressed versions, and which version each property runs."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.storage.database import Base
from engine.storage.models._types import JSONType, UTCDateTime, utcnow


class Process(Base):
    """A process known by its package key (e.g. ``complaint``)."""

    __tablename__ = "processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ProcessVersion]] = relationship(back_populates="process", order_by="ProcessVersion.number")


class ProcessVersion(Base):
    """An immutable, validated set of package files, identified by their content hash."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "content_hash"), UniqueConstraint("process_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    process_id_in_diagram: Mapped[str] = mapped_column(String(128))
    files: Mapped[dict[str, str]] = mapped_column(JSONType)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType)
    author: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    process: Mapped[Process] = relationship(back_populates="versions", lazy="joined")

    @property
    def label(self) -> str:
        return f"{self.process.key} v{self.number} ({self.content_hash[:10]})"


class Deployment(Base):
    """The version of one process that one property runs now (and the one it ran before)."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("property_id", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(String(120))

    version: Mapped[ProcessVersion] = relationship(foreign_keys=[version_id], lazy="joined")
