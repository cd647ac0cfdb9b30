"""Claiming, releasing and reassigning open tasks (the projection row's assignee); a leaver's tasks back to the role."""
from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from engine.cases import history
from engine.cases.lifecycle import get_task_row
from engine.exceptions import Conflict, NotAllowed
from engine.storage.models import AuditKind, HumanTask, User
from engine.storage.models._types import utcnow


def excluded_from(row: HumanTask, username: str | None) -> bool:
    """True if the case's data excludes ``username`` from the task (e.g. the staff member complained about)."""
    return bool(username) and f",{username}," in (row.excluded_users or "")


def _set(session: Session, task_id: str, assignee: str | None, *, expect, by: str, now: datetime | None):
    row = get_task_row(session, task_id)
    if excluded_from(row, assignee):
        raise NotAllowed(f"{assignee} may not take '{row.title}': the case excludes them from it", code="excluded",
                         user=assignee, title=row.title)
    stmt = update(HumanTask).where(HumanTask.id == task_id)
    if expect is not None:
        stmt = stmt.where(expect)
    if cast(CursorResult, session.execute(stmt.values(assignee=assignee))).rowcount != 1:
        session.refresh(row)
        if row.assignee:
            raise Conflict(f"task '{row.title}' is held by {row.assignee}", code="task_held", title=row.title,
                           user=row.assignee)
        raise Conflict(f"task '{row.title}' changed; reload", code="task_changed", title=row.title)
    history.record(session, row.instance_id, AuditKind.ASSIGNED, actor=by, at=now or utcnow(), task_id=task_id,
                 task_name=row.task_name, title=row.title, data={"assignee": assignee})
    session.refresh(row)
    return row


def claim(session: Session, task_id: str, username: str, now: datetime | None = None) -> HumanTask:
    """Take an unclaimed task; ``Conflict`` if someone else holds it (idempotent for the holder)."""
    row = get_task_row(session, task_id)
    if row.assignee == username:
        return row
    return _set(session, task_id, username, expect=HumanTask.assignee.is_(None), by=username, now=now)


def release(session: Session, task_id: str, username: str, now: datetime | None = None) -> HumanTask:
    """Give a task one holds back to the role."""
    return _set(session, task_id, None, expect=HumanTask.assignee == username, by=username, now=now)


def reassign(session: Session, task_id: str, to_username: str | None, by: str,
             now: datetime | None = None) -> HumanTask:
    """Give a task to someone else (a supervisor's action; the caller checks the right to do so)."""
    return _set(session, task_id, to_username, expect=None, by=by, now=now)


def deactivate_user(session: Session, user: User, *, by: str) -> list[str]:
    """Close ``user``'s account and give their open tasks back to the roles; returns those tasks' case numbers.

    ``NotAllowed`` if ``user`` is ``by`` themself (nobody locks themself out).
    """
    if user.username == by:
        raise NotAllowed("you cannot deactivate yourself", code="deactivate_self")
    cases = []
    for task in session.scalars(select(HumanTask).where(HumanTask.assignee == user.username)
                                .order_by(HumanTask.due_at)).all():
        reassign(session, task.id, None, by=by)
        cases.append(task.case_no)
    user.active = False
    session.flush()
    return cases
