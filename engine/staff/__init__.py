"""Staff accounts as head office keeps them: display names, password resets, leavers deactivated.

A deactivated user can no longer sign in, and every open task they held goes back to its
role (an ``assigned`` event with no assignee, by whoever deactivated them), in the
caller's transaction. Nothing is deleted: their name stays on the cases they worked.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..assignments import reassign
from ..exceptions import NotAllowed
from ..models import HumanTask, User

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")


def check_username(username: str) -> str:
    """``username`` if it is a valid sign-in name (lower-case letters, digits, _ . -), else ``NotAllowed``."""
    if not USERNAME.match(username or ""):
        raise NotAllowed(f"'{username}' is not a valid user name", code="bad_username", name=username or "")
    return username


def rename(user: User, display_name: str) -> None:
    """Set the name people see; ``NotAllowed`` if it is empty or longer than 120 characters."""
    name = (display_name or "").strip()
    if not name or len(name) > 120:
        raise NotAllowed("a display name is 1 to 120 characters", code="bad_display_name")
    user.display_name = name


def deactivate(session: Session, user: User, *, by: str) -> list[str]:
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


def reactivate(user: User) -> None:
    user.active = True
