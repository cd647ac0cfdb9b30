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

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import projection, specs
from .exceptions import Conflict, NotFound
from .models import Instance, ProcessVersion, Property
from .runtime import script_engine_for
from .serialization import dump_state, load_state

_CACHE_SIZE = 512
_cache: OrderedDict[int, tuple[str, object]] = OrderedDict()
_cache_lock = Lock()


def lock_instance(session: Session, instance_id: int, *, skip_locked: bool = False) -> Instance | None:
    """The instance row, locked for this transaction; None if ``skip_locked`` and another holds it."""
    query = select(Instance).where(Instance.id == instance_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=skip_locked)
    instance = session.scalars(query).one_or_none()
    if instance is None and not skip_locked:
        raise NotFound(f"no instance {instance_id}")
    return instance


def version_of(session: Session, instance: Instance) -> ProcessVersion:
    return session.get(ProcessVersion, instance.version_id)


def load_workflow(session: Session, instance: Instance):
    """The instance's workflow, ready to run (script engine set). The caller should hold the row lock."""
    with _cache_lock:
        hit = _cache.pop(instance.id, None)
    prop = session.get(Property, instance.property_id)
    if hit is not None and hit[0] == instance.state:
        workflow = hit[1]
    else:
        spec, subprocess_specs = specs.specs_for(version_of(session, instance))
        workflow = load_state(instance.state, spec, subprocess_specs)
    workflow.script_engine = script_engine_for(prop)
    return workflow


def save(session: Session, instance: Instance, workflow, now: datetime) -> projection.Snapshot:
    """Store the workflow state and its projections in the session and flush.

    Raises ``Conflict`` if another transaction changed the instance since it was read.
    """
    state = dump_state(workflow)
    instance.state = state
    instance.updated_at = now
    snap = projection.snapshot(workflow)
    version = version_of(session, instance)
    projection.apply(session, instance, snap, version.process.key)
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"case {instance.case_no} was changed by someone else; reload and try again") from exc
    with _cache_lock:
        _cache[instance.id] = (state, workflow)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return snap


def forget(instance_id: int) -> None:
    """Drop a cached workflow (after a failed step left it half-changed)."""
    with _cache_lock:
        _cache.pop(instance_id, None)
