"""Satisfaction survey rounds (征询表): a round at a property, one invitation per household, its answers."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base
from engine.storage.models._types import JSONType, UTCDateTime, utcnow


class SurveyRound(Base):
    """One survey round at a property: its items, who opened it, until when it takes answers."""

    __tablename__ = "survey_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"key": …, "label": …}]
    opened_by: Mapped[str | None] = mapped_column(String(120))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveyInvitation(Base):
    """One household's form in a round: the secret link's token, whether it was sent, its answers."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    household: Mapped[str] = mapped_column(String(120))   # building/room
    contact: Mapped[str | None] = mapped_column(String(40))  # the phone the link goes to
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # item key -> rating or None
    comment: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)    # items rated 很满意/满意/较满意
    unsatisfied: Mapped[int] = mapped_column(Integer, default=0)  # items rated 不满意
