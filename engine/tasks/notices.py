"""The inbox's notices: once each, linked to their case, put away by whom they helped, gone when the case ends.

A notice is a ``notified`` audit event a diagram addressed to a role the person holds
at the case's property. The same text on the same case (a reminder repeated, a notice to
two roles one holds) is one notice, shown at its newest. ``dismiss`` records, for one
person, that a notice is put away; the caller commits.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.exceptions import NotFound
from engine.org.staff import lanes_by_property
from engine.storage.models import AuditEvent, AuditKind, Instance, InstanceStatus, NoticeDismissal, User


@dataclass(frozen=True)
class Notice:
    event_id: int
    at: datetime
    instance_id: int
    case_no: str
    to: str
    message: str


def message_key(message: str) -> str:
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def _mine(session: Session, user: User):
    scope = lanes_by_property(session, user)
    return [and_(Instance.property_id == prop_id, AuditEvent.data["to"].as_string().in_(sorted(lanes)))
            for prop_id, lanes in ((p, ls - {"resident"}) for p, ls in scope.items()) if lanes]  # residents: /r/


def open_notices(session: Session, user: User, since: datetime, limit: int = 10) -> list[Notice]:
    """The newest notices to ``user``'s roles since ``since`` on running cases, each once, not dismissed."""
    conditions = _mine(session, user)
    if not conditions:
        return []
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.instance_id, Instance.case_no, AuditEvent.data)
        .join(Instance, Instance.id == AuditEvent.instance_id)
        .where(AuditEvent.kind == AuditKind.NOTIFIED, AuditEvent.at >= since,
               Instance.status == InstanceStatus.RUNNING, or_(*conditions))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit * 5)).all()
    dismissed = set(session.execute(select(NoticeDismissal.instance_id, NoticeDismissal.message_key).where(
        NoticeDismissal.user_id == user.id,
        NoticeDismissal.instance_id.in_({r.instance_id for r in rows}))).all()) if rows else set()
    notices, seen = [], set()
    for r in rows:
        message = r.data.get("message", "")
        key = (r.instance_id, message_key(message))
        if key in seen or key in dismissed:
            continue
        seen.add(key)
        notices.append(Notice(r.id, r.at, r.instance_id, r.case_no, r.data.get("to", ""), message))
    return notices[:limit]


def dismiss(session: Session, user: User, event_id: int) -> None:
    """Put notice ``event_id`` (and its repeats on the case) away for ``user``; idempotent.

    ``NotFound`` if it is no notice to one of ``user``'s roles.
    """
    conditions = _mine(session, user)
    row = session.execute(
        select(AuditEvent.instance_id, AuditEvent.data).join(Instance, Instance.id == AuditEvent.instance_id)
        .where(AuditEvent.id == event_id, AuditEvent.kind == AuditKind.NOTIFIED, or_(*conditions))
    ).one_or_none() if conditions else None
    if row is None:
        raise NotFound(f"no notice {event_id} for {user.username}")
    key = message_key(row.data.get("message", ""))
    exists = session.scalar(select(NoticeDismissal.id).where(
        NoticeDismissal.user_id == user.id, NoticeDismissal.instance_id == row.instance_id,
        NoticeDismissal.message_key == key))
    if exists is None:
        try:
            with session.begin_nested():
                session.add(NoticeDismissal(user_id=user.id, instance_id=row.instance_id, message_key=key))
        except IntegrityError:
            pass  # dismissed at the same moment elsewhere
