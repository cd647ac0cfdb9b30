"""Who may see what: cases and tasks of another property are 404, as if they did not exist."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine import (
    HumanTask,
    Instance,
    User,
    can_work,
    excluded_from,
    is_supervisor,
    lanes_by_property,
    opened_by_completion,
    property_ids,
)

from .db import get_session


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    target = target or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or urlsplit(target).netloc:
        return default
    return target


def me() -> User:
    """The signed-in user's engine row."""
    return current_user.user


def my_property_ids() -> set[int]:
    if "my_property_ids" not in g:
        g.my_property_ids = property_ids(get_session(), me())
    return g.my_property_ids


def my_lanes(property_id: int) -> set[str]:
    if "my_lanes" not in g:
        g.my_lanes = lanes_by_property(get_session(), me())
    return g.my_lanes.get(property_id, set())


def case_or_404(instance_id: int) -> Instance:
    # with its property: task and case pages read its time zone and name (one round trip, not two)
    instance = get_session().get(Instance, instance_id, options=[joinedload(Instance.property)])
    if instance is None or instance.property_id not in my_property_ids():
        abort(404)
    return instance


def task_or_404(task_id: str) -> HumanTask:
    task = get_session().get(HumanTask, task_id)
    if task is None or task.property_id not in my_property_ids():
        abort(404)
    return task


def may_work(task: HumanTask) -> bool:
    """The task is in one of my roles at its property (or assigned to me)."""
    return can_work(get_session(), me(), task)


def supervises(property_id: int) -> bool:
    return is_supervisor(me(), property_id)


def my_next_task(case: Instance) -> str | None:
    """The id of the case's open task I would do next (my role, not held by someone else, not excluded), if any.

    After a completion the step's own result says which tasks it opened: when nothing else of the case
    stayed open and nobody is excluded from them, no one holds them yet and no rows need reading back.
    """
    opened = opened_by_completion(case)
    if opened is not None and not opened.others_open and not any(t.excluded for t in opened.tasks):
        lanes = my_lanes(case.property_id) | ({"hq"} if me().is_hq else set())
        mine = [t for t in opened.tasks if t.lane in lanes]
        mine.sort(key=lambda t: (t.due_at is None, t.due_at or case.updated_at))
        return mine[0].id if mine else None
    rows = get_session().scalars(select(HumanTask).where(HumanTask.instance_id == case.id)
                                 .order_by(HumanTask.due_at.is_(None), HumanTask.due_at))
    return next((t.id for t in rows if may_work(t) and t.assignee in (None, me().username)
                 and not excluded_from(t, me().username)), None)


def may_own_processes() -> bool:
    """Process owners and head office edit, deploy and migrate processes."""
    return bool(current_user.is_authenticated and (me().is_process_owner or me().is_hq))


def owners_only():
    """A blueprint's ``before_request``: sign in first; staff who are neither owner nor HQ get 403."""
    from flask import current_app

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not may_own_processes():
        abort(403)
    return None


def admins_only():
    """A blueprint's ``before_request``: sign in first; anyone but an admin gets 404 (the page is not theirs)."""
    from flask import current_app

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not me().is_admin:
        abort(404)
    return None
