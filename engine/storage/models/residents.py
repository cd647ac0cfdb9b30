"""Residents: the household register (《业户信息记录表》), its people and their one-time sign-in codes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.storage.database import Base
from engine.storage.models._types import UTCDateTime, utcnow


class Household(Base):
    """One dwelling of a property (building + room) and who lives there."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("property_id", "building", "room", name="uq_households_room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), index=True)
    building: Mapped[str] = mapped_column(String(40))
    room: Mapped[str] = mapped_column(String(40))
    move_in_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        """``3-1201``: building and room as the forms write them."""
        return f"{self.building}-{self.room}"

    property = relationship("Property", lazy="select")
    members = relationship("HouseholdMember", lazy="selectin", cascade="all, delete-orphan",
                           order_by="HouseholdMember.id", back_populates="household")


class HouseholdMember(Base):
    """A person of a household: the owner, a tenant or a family member, with a phone number or not."""

    __tablename__ = "household_members"
    __table_args__ = (Index("ix_household_members_phone", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    relation: Mapped[str] = mapped_column(String(20))  # owner | tenant | family
    phone: Mapped[str | None] = mapped_column(String(20))  # normalised: 11 digits, no +86

    household = relationship("Household", back_populates="members")


class ResidentCode(Base):
    """A one-time sign-in code sent by SMS: only its hash is kept; used or expired codes stay for the limits."""

    __tablename__ = "resident_codes"
    __table_args__ = (Index("ix_resident_codes_phone", "phone", "created_at"),
                      Index("ix_resident_codes_address", "address", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(64))  # the requesting IP address
    code_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HouseholdCase(Base):
    """A case about a household (its room), linked when the case starts: what the household's residents see."""

    __tablename__ = "household_cases"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    reported_by: Mapped[str | None] = mapped_column(String(20))  # the resident's phone, when reported online
