"""Service figures (KPIs): the counted facts of each case and the monthly roll-ups the boards read."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.storage.database import Base


class FigureFact(Base):
    """One counted item of a KPI from one case: e.g. a callback rating, a repair promise met or missed.

    ``counted`` is 1 when the item is in the KPI's denominator, ``hit`` 1 when it also counts
    in the numerator; ``dim`` splits a KPI (a cause, a department, the staff member who called back).
    Rewritten whole for a case whenever its audit trail grows (``engine.figures.rollup``).
    """

    __tablename__ = "figure_facts"
    __table_args__ = (Index("ix_figure_facts_lookup", "property_id", "kpi", "on_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    kpi: Mapped[str] = mapped_column(String(40))
    dim: Mapped[str] = mapped_column(String(64), default="")
    on_day: Mapped[date] = mapped_column(Date)  # the property's local date the item was decided
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of on_day
    counted: Mapped[int] = mapped_column(Integer, default=1)
    hit: Mapped[int] = mapped_column(Integer, default=0)


class FigureMonth(Base):
    """Roll-up: the sums of a KPI's facts at one property in one month (what the boards read)."""

    __tablename__ = "figure_months"

    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True, index=True)
    kpi: Mapped[str] = mapped_column(String(40), primary_key=True)
    dim: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    counted: Mapped[int] = mapped_column(Integer, default=0)
    hit: Mapped[int] = mapped_column(Integer, default=0)


class FigureSync(Base):
    """The audit event up to which the roll-ups have been brought (one row, id 1)."""

    __tablename__ = "figure_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
