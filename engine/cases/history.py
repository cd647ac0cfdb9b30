"""A case's history: the audit trail every step writes (who, when, what, with which data)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, Text, bindparam, insert, select
from sqlalchemy.orm import Session

from engine.messages import notifications
from engine.storage.models import AuditEvent, AuditKind, Instance, RoleNotice, message_key
from engine.storage.models._types import utcnow

# Built once: a statement with bound parameters skips SQLAlchemy's per-call compile-cache work.
_INSERT = insert(cast(Table, AuditEvent.__table__))
_INSERT_RETURNING = _INSERT.returning(cast(Table, AuditEvent.__table__).c.id)
_instances, _notices = cast(Table, Instance.__table__), cast(Table, RoleNotice.__table__)
# a notice to a role: its row for the inbox, with the case's property and number, in the same round trip
_NOTICE = insert(_notices).from_select(
    ["id", "instance_id", "property_id", "lane", "at", "case_no", "message", "message_key"],
    select(bindparam("id", type_=Integer), _instances.c.id, _instances.c.property_id,
           bindparam("lane", type_=String), bindparam("at", type_=_notices.c.at.type), _instances.c.case_no,
           bindparam("message", type_=Text), bindparam("key", type_=String))
    .where(_instances.c.id == bindparam("instance_id")))


def record(session: Session, instance_id: int, kind: AuditKind, *, actor: str | None = None,
           task_id: str | None = None, task_name: str | None = None, title: str | None = None,
           data: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Write one audit event in the caller's transaction (a Core insert: it is on every step's path).

    Events that call for a message (``notifications.MESSAGE_KINDS``) write their outbox
    messages in the same transaction.
    """
    at = at or utcnow()
    values = {"instance_id": instance_id, "kind": kind.value, "actor": actor, "task_id": task_id,
              "task_name": task_name, "title": title, "data": data or {}, "at": at}
    to = (data or {}).get("to") if kind == AuditKind.NOTIFIED else None
    if isinstance(to, str) and to and to != "resident" and not to.startswith("user:"):  # a notice to a role
        event_id = session.connection().execute(_INSERT_RETURNING, values).scalar_one()
        message = str((data or {}).get("message", ""))
        session.connection().execute(_NOTICE, {"id": event_id, "instance_id": instance_id, "lane": to, "at": at,
                                               "message": message, "key": message_key(message)})
    else:
        session.connection().execute(_INSERT, values)
    if kind in notifications.MESSAGE_KINDS:
        notifications.on_event(session, instance_id, kind, actor=actor, task_id=task_id, title=title,
                               data=data or {}, at=at)


def events_of(session: Session, instance_id: int) -> list[AuditEvent]:
    """The case's history, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                .order_by(AuditEvent.at, AuditEvent.id)))
