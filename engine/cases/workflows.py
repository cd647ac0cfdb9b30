"""Loading and saving a case's workflow: row locks, the state, its projections and a workflow cache.

``lock_instance`` takes the instance's row lock (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), so every step on
one instance runs after the previous one committed. ``save`` bumps the instance's
optimistic-lock counter: a writer that somehow read a stale row fails with
``Conflict`` instead of overwriting the winner.

The workflow cache keeps the deserialized workflow of recently used instances,
keyed by the exact state text it was saved as: a hit is only possible when the
row holds precisely that state, so a rolled-back transaction or another process's
write simply misses.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, joinedload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from engine.caching import LockedLRU
from engine.cases import projection
from engine.cases.state import dump_state, load_state
from engine.exceptions import Conflict, NotFound
from engine.library import specs
from engine.scripting.environment import script_engine_for
from engine.storage import followups
from engine.storage.database import settings_of
from engine.storage.models import HumanTask, Instance

# instance id -> (the state text it was saved as, the workflow)
_cache: LockedLRU[int, tuple[str, object]] = LockedLRU(512)
# What the projection rows hold for a cached workflow's instance, so a save writes only the difference.
_rows: WeakKeyDictionary = WeakKeyDictionary()
_NO_ROWS = projection.Snapshot(False, [], [])


_STEP = (joinedload(Instance.property), undefer(Instance.state))  # what a step reads of the case
_BY_ID = (select(Instance).where(Instance.id == bindparam("instance_id")).options(*_STEP)
          .execution_options(populate_existing=True))
_BY_TASK = (select(Instance, HumanTask).join(HumanTask, HumanTask.instance_id == Instance.id)
            .where(HumanTask.id == bindparam("task_id")).options(*_STEP)
            .execution_options(populate_existing=True))


_FOR_UPDATE = {(query, skip): query.with_for_update(of=Instance, skip_locked=skip)
               for query in (_BY_ID, _BY_TASK) for skip in (False, True)}


def _locking(session: Session, query, skip_locked: bool = False):
    """``query`` with ``FOR UPDATE`` on PostgreSQL (built once); SQLite's BEGIN IMMEDIATE already serialises."""
    if session.get_bind().dialect.name == "postgresql":
        return _FOR_UPDATE[(query, skip_locked)]
    return query


def lock_instance(session: Session, instance_id: int) -> Instance:
    """The instance row, locked for this transaction (waiting for another holder); ``NotFound`` if there is none."""
    instance = session.scalars(_locking(session, _BY_ID), {"instance_id": instance_id}).one_or_none()
    if instance is None:
        raise NotFound(f"no instance {instance_id}")
    return instance


def try_lock_instance(session: Session, instance_id: int) -> Instance | None:
    """The instance row, locked for this transaction; None at once if another transaction holds it (or it is gone)."""
    return session.scalars(_locking(session, _BY_ID, skip_locked=True), {"instance_id": instance_id}).one_or_none()


def lock_instances(session: Session, instance_ids: list[int]) -> list[Instance]:
    """Several instance rows locked at once (bulk work such as migrations), in id order."""
    query = (select(Instance).where(Instance.id.in_(instance_ids)).options(*_STEP)
             .order_by(Instance.id).execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Instance)
    return list(session.scalars(query))


def lock_instance_of_task(session: Session, task_id: str) -> tuple[Instance, HumanTask] | None:
    """The instance an open human task belongs to, locked as ``lock_instance`` does, and the task's row (who
    holds it, its property), in one query; None if there is no such open task."""
    row = session.execute(_locking(session, _BY_TASK), {"task_id": task_id}).one_or_none()
    return (row[0], row[1]) if row is not None else None


def version_of(session: Session, instance: Instance) -> specs.VersionInfo:
    """The content of the version the instance runs (cached in memory)."""
    return specs.version_info(session, instance.version_id)


def load_workflow(session: Session, instance: Instance):
    """The instance's workflow, ready to run (script engine set). The caller should hold the row lock.

    Taken out of the cache: a step that fails before ``save`` leaves nothing half-changed behind.
    """
    hit = _cache.pop(instance.id)
    prop = instance.property  # loaded with the instance by the lock query
    workflow: Any
    if hit is not None and hit[0] == instance.state:
        workflow = hit[1]
    else:
        spec, subprocess_specs = specs.specs_for(version_of(session, instance))
        workflow = load_state(instance.state, spec, subprocess_specs)
    workflow.script_engine = script_engine_for(prop, settings_of(session))
    return workflow


def save(session: Session, instance: Instance, workflow, now: datetime, *, new: bool = False,
         snap: projection.Snapshot | None = None, version_id: int | None = None,
         rows: projection.Snapshot | None = None) -> projection.Snapshot:
    """Store the workflow state and its projections in the session (``new``: first save).

    ``snap`` is the workflow's snapshot if the caller has it already (the step routine
    has one); ``version_id`` moves the instance to another version (migration);
    ``rows`` is what the projection rows hold if the caller knows (else they are read).
    Raises ``Conflict`` if another transaction changed the instance since it was
    read (the row's ``lock_version`` moved on).
    """
    snap = snap or projection.snapshot(workflow)
    due_before = instance.next_timer_due
    columns = projection.instance_columns(instance, snap, now)
    columns["state"] = dump_state(workflow)
    columns["version_id"] = version_id or instance.version_id
    if new:
        for column, value in columns.items():
            setattr(instance, column, value)
        session.flush()
    else:
        _write_instance(session, instance, columns)
    if columns["next_timer_due"] != due_before:
        followups.note_due(session, instance.id, columns["next_timer_due"])  # the caller enqueues after commit
    version = version_of(session, instance)
    before = _NO_ROWS if new else rows or _rows.get(workflow)  # None: read the rows from the database
    projection.apply(session, instance, before, snap, version.process_key)
    _rows[workflow] = snap if instance.status.value == "running" else _NO_ROWS
    _cache.put(instance.id, (columns["state"], workflow))
    return snap


_STEP_COLUMNS = ("state", "updated_at", "status", "current_step", "next_timer_due", "ended_at", "version_id")
_instances = cast(Table, Instance.__table__)
_UPDATE = (update(_instances)
           .where(_instances.c.id == bindparam("b_id"), _instances.c.lock_version == bindparam("b_version"))
           .values(lock_version=bindparam("b_next"), **{c: bindparam(c) for c in _STEP_COLUMNS}))


def _write_instance(session: Session, instance: Instance, columns: dict) -> None:
    """One UPDATE of what a step changes, guarded by the optimistic-lock counter.

    Cheaper than an ORM flush: the values go to the object as already stored
    (``set_committed_value``), so the session has nothing left to write for it.
    """
    current = instance.lock_version
    result = session.connection().execute(_UPDATE, {**columns, "b_id": instance.id, "b_version": current,
                                                    "b_next": current + 1})
    if result.rowcount != 1:
        raise Conflict(f"case {instance.case_no} was changed by someone else; reload and try again",
                       code="case_changed", case_no=instance.case_no)
    for column, value in columns.items():
        set_committed_value(instance, column, value)
    set_committed_value(instance, "lock_version", current + 1)


def forget(instance_id: int) -> None:
    """Drop a cached workflow (after a failed step left it half-changed)."""
    _cache.pop(instance_id)


def forget_all() -> None:
    """Drop every cached workflow (benchmarks and tests: the next step reads each case from its row)."""
    _cache.clear()
