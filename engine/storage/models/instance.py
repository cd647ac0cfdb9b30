"""Process instances (cases) and the projections lists read: open human tasks and waiting timers."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.storage.database import Base
from engine.storage.models._types import JSONType, UTCDateTime, utcnow


class InstanceStatus(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ERROR = "error"


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Instance(Base):
    """One case: its workflow state (without the diagram) and the summary lists read.

    ``lock_version`` is an optimistic-lock counter: a save that lost a race raises
    instead of overwriting the winner's state.
    """

    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_property_status", "property_id", "status"),
                      Index("ix_instances_property_created", "property_id", "created_at", "id"),
                      Index("ix_instances_property_status_created", "property_id", "status", "created_at", "id"),
                      Index("ix_instances_created", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    status: Mapped[InstanceStatus] = mapped_column(_enum(InstanceStatus), default=InstanceStatus.RUNNING)
    current_step: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # serialized workflow, without the spec: loaded only where it is asked for (a step's lock, a case's page),
    # never with the lists (inbox rows, search results), where it would be most of what is read
    state: Mapped[str] = mapped_column(Text, deferred=True)
    started_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_timer_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")  # case number + summary (0011)

    version = relationship("ProcessVersion", lazy="select")
    property = relationship("Property", lazy="select")

    __mapper_args__ = {"version_id_col": lock_version}


def _inbox_order() -> tuple:
    """The inbox's order (no due time last, then due, created, case, task) as index columns."""
    return text("(due_at IS NULL)"), "due_at", "created_at", "instance_id", "id"


class HumanTask(Base):
    """Projection: a READY user task waiting for a person (deleted when it is done)."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        # the inbox's order (no due time last): a page of every property's tasks (head office) reads the first
        # index and stops after the page; with excluded_users it covers counting those pages too
        Index("ix_human_tasks_due_order", text("(due_at IS NULL)"), "due_at", "created_at", "excluded_users"),
        # … and one part of a person's inbox each (0019): theirs, a property and role's, head office's lane; with
        # whom it is assigned to and excluded from, they cover counting those parts
        Index("ix_human_tasks_assignee_order", "assignee", *_inbox_order(), "excluded_users"),
        Index("ix_human_tasks_inbox_order", "property_id", "lane", *_inbox_order(), "assignee", "excluded_users"),
        Index("ix_human_tasks_lane_order", "lane", *_inbox_order(), "assignee", "excluded_users"),
        # … and a supervisor's whole property (0020)
        Index("ix_human_tasks_property_order", "property_id", *_inbox_order(), "excluded_users"),
        # the inbox's filter lists: every column they read
        Index("ix_human_tasks_facets", "property_id", "lane", "process_key", "task_name", "title", "excluded_users"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    process_key: Mapped[str] = mapped_column(String(64))
    case_no: Mapped[str] = mapped_column(String(40))
    task_name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee: Mapped[str | None] = mapped_column(String(120))
    # case number, resident, building/room
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # users the case's data excludes from this task (impartiality), as ",name,name," ('' for none)
    excluded_users: Mapped[str] = mapped_column(Text, default="", server_default="")


class CaseGram(Base):
    """Index rows for finding a case by one or two characters of its summary (a surname, 王伟, 3栋).

    Trigram indexes need three characters; these rows, one per short piece of each summary value,
    let a short search walk its matches newest first by index (``engine.tasks.case_search``).
    Written once when the case starts (``engine.storage.search_grams``), as its summary is.
    """

    __tablename__ = "case_grams"
    __table_args__ = (Index("ix_case_grams_everywhere", "gram", "created_at", "instance_id"),
                      Index("ix_case_grams_instance", "instance_id"))

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True)


class Timer(Base):
    """Projection: a timer event waiting in an instance, with its due time."""

    __tablename__ = "timers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class TimerFiring(Base):
    """History: a timer that fired, when it was due and how late it fired."""

    __tablename__ = "timer_firings"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lateness_seconds: Mapped[float] = mapped_column(Float)
    worker: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
