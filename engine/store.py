"""Loading and saving instance workflows: row locks, the spec cache and a workflow cache.

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

from collections import OrderedDict
from datetime import datetime
from threading import Lock
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from . import followups, notices, projection, specs
from .exceptions import Conflict, NotFound
from .models import Instance
from .runtime import script_engine_for
from .serialization import dump_state, load_state

_CACHE_SIZE = 512
_cache: OrderedDict[int, tuple[str, object]] = OrderedDict()
_cache_lock = Lock()
# What the projection rows hold for a cached workflow's instance, so a save writes only the difference.
_rows: WeakKeyDictionary = WeakKeyDictionary()
_NO_ROWS = projection.Snapshot(False, [], [])


def lock_instance(session: Session, instance_id: int, *, skip_locked: bool = False) -> Instance | None:
    """The instance row, locked for this transaction; None if ``skip_locked`` and another holds it."""
    query = (select(Instance).where(Instance.id == instance_id).options(joinedload(Instance.property))
             .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Instance, skip_locked=skip_locked)
    instance = session.scalars(query).one_or_none()
    if instance is None and not skip_locked:
        raise NotFound(f"no instance {instance_id}")
    return instance


def lock_instance_of_task(session: Session, task_id: str) -> Instance | None:
    """The instance an open human task belongs to, locked as ``lock_instance`` does; None if no such open task."""
    from .models import HumanTask

    query = (select(Instance).join(HumanTask, HumanTask.instance_id == Instance.id)
             .where(HumanTask.id == task_id).options(joinedload(Instance.property))
             .execution_options(populate_existing=True))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Instance)
    return session.scalars(query).one_or_none()


def version_of(session: Session, instance: Instance) -> specs.VersionInfo:
    """The content of the version the instance runs (cached in memory)."""
    return specs.version_info(session, instance.version_id)


def load_workflow(session: Session, instance: Instance):
    """The instance's workflow, ready to run (script engine set). The caller should hold the row lock."""
    notices.drain()  # whatever an earlier, failed step collected is not this step's
    with _cache_lock:
        hit = _cache.pop(instance.id, None)
    prop = instance.property  # loaded with the instance by the lock query
    if hit is not None and hit[0] == instance.state:
        workflow = hit[1]
    else:
        spec, subprocess_specs = specs.specs_for(version_of(session, instance))
        workflow = load_state(instance.state, spec, subprocess_specs)
    workflow.script_engine = script_engine_for(prop)
    return workflow


def save(session: Session, instance: Instance, workflow, now: datetime, *, new: bool = False) -> projection.Snapshot:
    """Store the workflow state and its projections in the session and flush (``new``: first save).

    Raises ``Conflict`` if another transaction changed the instance since it was read.
    """
    state = dump_state(workflow)
    instance.state = state
    instance.updated_at = now
    snap = projection.snapshot(workflow)
    version = version_of(session, instance)
    before = _NO_ROWS if new else _rows.get(workflow)  # None: read the rows from the database
    due_before = instance.next_timer_due
    projection.apply(session, instance, before, snap, version.process_key)
    if instance.next_timer_due != due_before:
        followups.note_due(session, instance.id, instance.next_timer_due)  # the caller enqueues after commit
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"case {instance.case_no} was changed by someone else; reload and try again") from exc
    _rows[workflow] = snap if instance.status.value == "running" else _NO_ROWS
    with _cache_lock:
        _cache[instance.id] = (state, workflow)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return snap


def forget(instance_id: int) -> None:
    """Drop a cached workflow (after a failed step left it half-changed)."""
    with _cache_lock:
        _cache.pop(instance_id, None)
