"""A case's history: the audit trail every step writes (who, when, what, with which data)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from engine.messages import notifications
from engine.storage.models import AuditEvent, AuditKind
from engine.storage.models._types import utcnow

# Built once: a statement with bound parameters skips SQLAlchemy's per-call compile-cache work.
_INSERT = insert(cast(Table, AuditEvent.__table__))


def record(session: Session, instance_id: int, kind: AuditKind, *, actor: str | None = None,
           task_id: str | None = None, task_name: str | None = None, title: str | None = None,
           data: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Write one audit event in the caller's transaction (a Core insert: it is on every step's path).

    Events that call for a message (``notifications.MESSAGE_KINDS``) write their outbox
    messages in the same transaction.
    """
    at = at or utcnow()
    session.connection().execute(_INSERT, {
        "instance_id": instance_id, "kind": kind.value, "actor": actor, "task_id": task_id, "task_name": task_name,
        "title": title, "data": data or {}, "at": at})
    if kind in notifications.MESSAGE_KINDS:
        notifications.on_event(session, instance_id, kind, actor=actor, task_id=task_id, title=title,
                               data=data or {}, at=at)


def events_of(session: Session, instance_id: int) -> list[AuditEvent]:
    """The case's history, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.at, AuditEvent.id)))
