"""Who may see what: cases and tasks of another property are 404, as if they did not exist."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g
from flask_login import current_user
from sqlalchemy.orm import joinedload, undefer

from engine import (
    HumanTask,
    Instance,
    User,
    can_work,
    is_supervisor,
    lanes_by_property,
    next_task_for,
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
    # with its property and its state: task and case pages read the time zone and name, the diagram's progress
    # and the decisions made (one round trip, not three)
    instance = get_session().get(Instance, instance_id, options=[joinedload(Instance.property),
                                                                 undefer(Instance.state)])
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
    """The id of the case's open task I would do next, if any (see ``engine.next_task_for``)."""
    return next_task_for(get_session(), me(), case)


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
