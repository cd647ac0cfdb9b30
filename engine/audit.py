"""Writing the audit trail and incidents of an instance."""
from __future__ import annotations

import traceback
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .exceptions import NotAllowed, NotFound
from .models import AuditEvent, AuditKind, Incident, IncidentStatus
from .models._types import utcnow

MAIL_KINDS = frozenset({AuditKind.NOTIFIED, AuditKind.ESCALATED, AuditKind.ASSIGNED})  # see engine.notifications


# Built once: a statement with bound parameters skips SQLAlchemy's per-call compile-cache work.
_INSERT = insert(AuditEvent.__table__)


def record(session: Session, instance_id: int, kind: AuditKind, *, actor: str | None = None,
           task_id: str | None = None, task_name: str | None = None, title: str | None = None,
           data: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Write one audit event in the caller's transaction (a Core insert: it is on every step's path).

    Events that call for mail (``MAIL_KINDS``) write their outbox messages in the same transaction.
    """
    at = at or utcnow()
    session.connection().execute(_INSERT, {
        "instance_id": instance_id, "kind": kind.value, "actor": actor, "task_id": task_id, "task_name": task_name,
        "title": title, "data": data or {}, "at": at})
    if kind == AuditKind.STARTED:  # a case about a registered room is its household's (engine.residents)
        from .models import Instance
        from .residents import access

        access.link_started(session, session.get(Instance, instance_id))
    if kind in MAIL_KINDS:
        from . import notifications

        notifications.on_audit(session, instance_id, kind, actor=actor, task_id=task_id, title=title,
                               data=data or {}, at=at)


def get_open_incident(session: Session, incident_id: int) -> Incident:
    """The incident, if it is still open: ``NotFound`` if there is none, ``NotAllowed`` if it is resolved."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident.status != IncidentStatus.OPEN:
        raise NotAllowed(f"incident {incident_id} is {incident.status.value}")
    return incident


def open_incident(session: Session, instance_id: int, source: str, exc: BaseException, *,
                  task_id: str | None = None, task_name: str | None = None) -> Incident:
    """Record an error on an instance; an open incident of the same source and task is counted again."""
    existing = session.query(Incident).filter_by(
        instance_id=instance_id, source=source, task_id=task_id, status=IncidentStatus.OPEN).one_or_none()
    message = f"{type(exc).__name__}: {exc}"
    details = "".join(traceback.format_exception(exc))[-8000:]
    if existing is not None:
        existing.attempts += 1
        existing.message, existing.details = message, details
        return existing
    incident = Incident(instance_id=instance_id, source=source, task_id=task_id, task_name=task_name,
                        message=message, details=details)
    session.add(incident)
    record(session, instance_id, AuditKind.ERROR, task_id=task_id, task_name=task_name, data={"source": source, "message": message})
    return incident


def events_of(session: Session, instance_id: int) -> list[AuditEvent]:
    """The case's history, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.at, AuditEvent.id)))
