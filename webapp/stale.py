"""A form sent for a task that moved on meanwhile: a 409 page saying what happened and who, with what was typed.

Someone else completed the task, a deadline closed it, the case was cancelled, or the
task was given to someone else: the timeline knows which. The page shows the user's
entries (with their forms' labels) so nothing typed is lost; a task reassigned meanwhile
shows its form again, filled in, above the explanation.
"""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from engine import AuditEvent, AuditKind, Instance, InstanceStatus, User, version_info

from . import formrender
from .access import my_property_ids
from .db import get_session
from .display import local


def _name(username: str | None) -> str:
    if not username:
        return _("the system")
    user = get_session().scalar(select(User).where(User.username == username))
    return user.display_name if user else username


def what_happened(task_id: str, instance: Instance | None) -> tuple[str, str | None]:
    """(why the task is no longer open for this form, its title if known), from the case's timeline."""
    session = get_session()
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.task_id == task_id,
        AuditEvent.kind.in_([AuditKind.TASK_COMPLETED, AuditKind.ESCALATED]))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    title = event.title if event is not None else None
    if event is not None and event.kind == AuditKind.TASK_COMPLETED:
        return _("“%(task)s” was already completed by %(name)s at %(time)s.", task=title or "",
                 name=_name(event.actor), time=local(event.at)), title
    if event is not None and not (event.data or {}).get("task_still_open", True):
        return _("“%(task)s” was closed at %(time)s: its deadline (%(deadline)s) passed and the case was escalated.",
                 task=title or "", time=local(event.at), deadline=(event.data or {}).get("deadline") or ""), title
    if instance is not None and instance.status == InstanceStatus.CANCELLED:
        cancelled = session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance.id, AuditEvent.kind == AuditKind.CANCELLED)
            .order_by(AuditEvent.id.desc()).limit(1)).first()
        if cancelled is not None:
            return _("Case %(case)s was cancelled by %(name)s at %(time)s.", case=instance.case_no,
                     name=_name(cancelled.actor), time=local(cancelled.at)), title
    return _("This task is no longer open: the case has moved on."), title


def reassigned(task_id: str, assignee: str) -> str:
    """Why a task now held by ``assignee`` is not mine to complete: who gave it to whom, when."""
    event = get_session().scalars(select(AuditEvent).where(
        AuditEvent.task_id == task_id, AuditEvent.kind == AuditKind.ASSIGNED)
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if event is not None and event.actor and event.actor != assignee:
        return _("Meanwhile %(by)s gave this task to %(name)s (%(time)s); your entries are kept below.",
                 by=_name(event.actor), name=_name(assignee), time=local(event.at))
    return _("Meanwhile %(name)s took this task; your entries are kept below.", name=_name(assignee))


def conflict_page(task_id: str, message: str | None = None, instance: Instance | None = None):
    """The 409 answer for a form sent to a task that moved on (``message``: why, if the caller knows).

    The case is the one the timeline names for the task, else the form's ``_case``; 404 if there is
    none, or it is not at one of my properties (nothing is said about other properties' tasks).
    """
    session = get_session()
    if instance is None:
        event = session.scalars(select(AuditEvent.instance_id).where(AuditEvent.task_id == task_id).limit(1)).first()
        raw = request.form.get("_case", "")
        case_id = event if event is not None else int(raw) if raw.isdigit() and len(raw) < 18 else None
        instance = session.get(Instance, case_id) if case_id is not None else None
    if instance is None or instance.property_id not in my_property_ids():
        abort(404)
    title = None
    if message is None:
        message, title = what_happened(task_id, instance)
    labels = formrender.titles(version_info(session, instance.version_id).files)
    typed = [(name, value) for name, value in request.form.items(multi=True)
             if value.strip() and not name.startswith("_") and name != "csrf_token"]
    return render_template("tasks/stale.html", message=message, title=title, case=instance, typed=typed,
                           labels=labels), 409
