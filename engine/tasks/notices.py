"""The inbox's notices: once each, linked to their case, put away by whom they helped, gone when the case ends.

A notice is a ``notified`` audit event a diagram addressed to a role the person holds
at the case's property. The same text on the same case (a reminder repeated, a notice to
two roles one holds) is one notice, shown at its newest. ``dismiss`` records, for one
person, that a notice is put away; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.exceptions import NotFound
from engine.org.staff import lanes_by_property
from engine.storage.models import Instance, InstanceStatus, NoticeDismissal, RoleNotice, User


@dataclass(frozen=True)
class Notice:
    event_id: int
    at: datetime
    instance_id: int
    case_no: str
    to: str
    message: str


def _mine(session: Session, user: User):
    """Conditions on ``RoleNotice`` for the notices to ``user``'s roles: one per set of roles held at properties
    (head office: the hq role at every property is one condition, not one per property)."""
    by_roles: dict[frozenset[str], list[int]] = {}
    for prop_id, lanes in lanes_by_property(session, user).items():
        lanes = lanes - {"resident"}  # residents: /r/
        if lanes:
            by_roles.setdefault(frozenset(lanes), []).append(prop_id)
    return [and_(RoleNotice.lane.in_(sorted(lanes)), RoleNotice.property_id.in_(sorted(props)))
            for lanes, props in by_roles.items()]


def open_notices(session: Session, user: User, since: datetime, limit: int = 10) -> list[Notice]:
    """The newest notices to ``user``'s roles since ``since`` on running cases, each once, not dismissed.

    Read from ``notices`` (the notices of cases that have not ended) by index, newest first."""
    conditions = _mine(session, user)
    if not conditions:
        return []
    rows = session.execute(
        select(RoleNotice.id, RoleNotice.at, RoleNotice.instance_id, RoleNotice.case_no, RoleNotice.lane,
               RoleNotice.message, RoleNotice.message_key)
        .join(Instance, Instance.id == RoleNotice.instance_id)
        .where(RoleNotice.at >= since, Instance.status == InstanceStatus.RUNNING, or_(*conditions))
        .order_by(RoleNotice.at.desc(), RoleNotice.id.desc()).limit(limit * 5)).all()
    dismissed = set(session.execute(select(NoticeDismissal.instance_id, NoticeDismissal.message_key).where(
        NoticeDismissal.user_id == user.id,
        NoticeDismissal.instance_id.in_({r.instance_id for r in rows}))).all()) if rows else set()
    notices, seen = [], set()
    for r in rows:
        key = (r.instance_id, r.message_key)
        if key in seen or key in dismissed:
            continue
        seen.add(key)
        notices.append(Notice(r.id, r.at, r.instance_id, r.case_no, r.lane, r.message))
    return notices[:limit]


def dismiss(session: Session, user: User, event_id: int) -> None:
    """Put notice ``event_id`` (and its repeats on the case) away for ``user``; idempotent.

    ``NotFound`` if it is no notice to one of ``user``'s roles.
    """
    conditions = _mine(session, user)
    row = session.execute(select(RoleNotice.instance_id, RoleNotice.message_key).where(
        RoleNotice.id == event_id, or_(*conditions))).one_or_none() if conditions else None
    if row is None:
        raise NotFound(f"no notice {event_id} for {user.username}")
    key = row.message_key
    exists = session.scalar(select(NoticeDismissal.id).where(
        NoticeDismissal.user_id == user.id, NoticeDismissal.instance_id == row.instance_id,
        NoticeDismissal.message_key == key))
    if exists is None:
        try:
            with session.begin_nested():
                session.add(NoticeDismissal(user_id=user.id, instance_id=row.instance_id, message_key=key))
        except IntegrityError:
            pass  # dismissed at the same moment elsewhere
