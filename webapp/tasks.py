"""Working a task: its form rendered from the task's JSON Schema, validated by the engine; claim, release, reassign."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import (
    Conflict,
    FormInvalid,
    HumanTask,
    Instance,
    InstanceStatus,
    NotAllowed,
    NotFound,
    User,
    attachments_of,
    brief,
    claim,
    complete_task,
    decision_outputs,
    excluded_from,
    holders,
    lock_task,
    reassign,
    release,
    task_data,
    version_info,
)

from . import formrender, stale
from .access import (
    case_or_404,
    may_work,
    me,
    my_lanes,
    my_next_task,
    my_property_ids,
    safe_next,
    supervises,
    task_or_404,
)
from .db import get_session
from .display import role_label
from .messages import explain
from .taskfiles import attach_uploads, discard

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _schema(instance: Instance, form: str | None) -> dict | None:
    if not form:
        return None
    text = version_info(get_session(), instance.version_id).files.get(form)
    return json.loads(text) if text else None


def _prefill(instance: Instance) -> dict:
    return formrender.prefill_values(me().display_name, datetime.now(UTC), instance.property.timezone)


def _render(task: HumanTask, instance: Instance, schema, values=None, errors=None, status=200, add_row=None,
            prefilled=None):
    session = get_session()
    candidates = [u for u in holders(session, task.property_id, task.lane) if not excluded_from(task, u.username)
                  ] if supervises(task.property_id) else []  # the case names who may not handle it
    version = version_info(session, instance.version_id)
    case_brief = brief(session, instance, task.task_name)
    files = attachments_of(session, instance.id)
    outputs = decision_outputs(version.files)
    props = (schema or {}).get("properties") or {}
    wants_data = outputs or any(isinstance(p, dict) and p.get("x-staff") for p in props.values())
    data = task_data(session, instance, task.id) if wants_data else {}
    decided = [(label or name, name, data[name]) for name, label in outputs if data.get(name) not in (None, "", [])]
    pickers = {}
    for name, prop in props.items():
        role = formrender.staff_role(prop, task.lane, data) if isinstance(prop, dict) else None
        if role:
            pickers[name] = [u.display_name for u in holders(session, task.property_id, role)]
    actors = {s.actor for s in case_brief.steps} | {case_brief.reported_by, task.assignee} - {None}
    names = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(actors))).all())
    return render_template("tasks/task.html", task=task, case=instance, schema=schema or {},
                           labels=formrender.titles(version.files), brief=case_brief, names=names, decided=decided,
                           photos=[a for a in files if a.content_type.startswith("image/")],
                           accept=",".join(current_app.config["ATTACHMENT_TYPES"]),
                           max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
                           fields=formrender.fields(schema, values, errors, add_row=add_row,
                                                    prefill=None if values is not None else _prefill(instance),
                                                    pickers=pickers),
                           form_errors=(errors or {}).get(""),
                           may_work=may_work(task), supervisor=supervises(task.property_id),
                           excluded=excluded_from(task, me().username),
                           candidates=candidates, prefilled=prefilled), status


def _report_figures(task: HumanTask, instance: Instance):
    """The monthly report opens with the month's figures filled from the roll-ups (engine.figures.report)."""
    from zoneinfo import ZoneInfo

    from engine import figures_mapping as mapping
    from engine import figures_report as report

    if task.form != mapping.REPORT_FORM:
        return None, None
    from .figures import sync_figures

    sync_figures()
    session = get_session()
    month = report.month_reported_by(instance, ZoneInfo(instance.property.timezone or "Asia/Shanghai"))
    return month, report.report_values(session, task.property_id, month)


@bp.route("/<task_id>", methods=["GET", "POST"])
@login_required
def work(task_id: str):
    if request.method == "POST":
        return _complete(task_id)
    task = task_or_404(task_id)
    instance = case_or_404(task.instance_id)
    month, values = _report_figures(task, instance)
    return _render(task, instance, _schema(instance, task.form), values=values, prefilled=month)


def _complete(task_id: str):
    """The form sent: the case locked with the task's row (one query), checked, then the task completed."""
    session = get_session()
    locked = lock_task(session, task_id)
    if locked is None:
        return stale.conflict_page(task_id)  # completed, closed by a deadline or cancelled meanwhile: 409
    instance, task = locked
    if task.property_id not in my_property_ids():
        abort(404)
    schema = _schema(instance, task.form)
    if not may_work(task):
        abort(403)
    if task.assignee and task.assignee != me().username:
        return stale.conflict_page(task_id, stale.reassigned(task_id, task.assignee), instance)
    data = formrender.read(schema, request.form)
    if request.form.get("_add_row"):  # one more row in a table: the form again, nothing completed
        return _render(task, instance, schema, values=data, add_row=request.form["_add_row"])
    try:  # photos taken with the form: attached in the completion's transaction, or not at all
        stored = attach_uploads(session, instance.id)
    except NotAllowed as exc:
        return _render(task, instance, schema, values=data, status=400,
                       errors={"": _("Nothing was saved: %(reason)s", reason=explain(exc))})
    try:
        complete_task(session, task_id, data, user=me().username, lanes=my_lanes(task.property_id), locked=locked)
    except FormInvalid as exc:
        discard(session, stored)
        return _render(task, instance, schema, values=data, errors=formrender.field_errors(exc), status=400)
    except (Conflict, NotFound):
        discard(session, stored)  # rolled back: what the other step committed is visible now
        return stale.conflict_page(task_id)
    except NotAllowed as exc:
        discard(session, stored)
        flash(_("You may not complete this task: %(reason)s", reason=explain(exc)), "error")
        return redirect(url_for(".work", task_id=task_id))
    session.commit()
    if instance.status == InstanceStatus.ERROR:  # a later step of the process failed: never "closed"
        flash(_("“%(task)s” was saved, but case %(case)s could not continue: a step of its process failed. "
                "Operations have been alerted and will resume the case; you need not do it again.",
                task=task.title, case=instance.case_no), "error")
        return redirect(url_for("inbox.index"))
    flash(_("Done: %(task)s (%(case)s). Next: %(next)s", task=task.title, case=instance.case_no,
            next=instance.current_step or _("case closed")), "success")
    mine = my_next_task(instance)  # the same person often does the next step (confirm, classify, dispatch)
    return redirect(url_for(".work", task_id=mine) if mine is not None else url_for("inbox.index"))


def _assign(task_id: str, action, done: str):
    """Run a claim/release/reassign ``action`` on the task and say that it worked (``done``) or why not."""
    session = get_session()
    task = task_or_404(task_id)
    try:
        action(session, task)
        session.commit()
    except (Conflict, NotFound, NotAllowed) as exc:
        session.rollback()
        flash(explain(exc), "error")
    else:
        flash(done, "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))


def _name(username: str | None) -> str:
    user = get_session().scalar(select(User).where(User.username == username)) if username else None
    return user.display_name if user else (username or "")


@bp.route("/<task_id>/claim", methods=["POST"])
@login_required
def claim_task(task_id: str):
    task = task_or_404(task_id)
    if not may_work(task):
        abort(403)
    return _assign(task_id, lambda s, t: claim(s, t.id, me().username),
                   _("You claimed “%(task)s” (%(case)s).", task=task.title, case=task.case_no))


@bp.route("/<task_id>/release", methods=["POST"])
@login_required
def release_task(task_id: str):
    task = task_or_404(task_id)
    if task.assignee != me().username and not supervises(task.property_id):
        abort(403)
    done = _("“%(task)s” (%(case)s) is back with the role %(role)s.", task=task.title, case=task.case_no,
             role=role_label(task.lane))
    if task.assignee == me().username:
        return _assign(task_id, lambda s, t: release(s, t.id, me().username), done)
    return _assign(task_id, lambda s, t: reassign(s, t.id, None, by=me().username), done)


@bp.route("/<task_id>/reassign", methods=["POST"])
@login_required
def reassign_task(task_id: str):
    task = task_or_404(task_id)
    if not supervises(task.property_id):
        abort(403)
    to = request.form.get("to") or None
    if to is not None and (to not in {u.username for u in holders(get_session(), task.property_id, task.lane)}
                           or excluded_from(task, to)):
        abort(400)
    done = (_("“%(task)s” (%(case)s) now goes to %(name)s.", task=task.title, case=task.case_no, name=_name(to))
            if to else _("“%(task)s” (%(case)s) is back with the role %(role)s.", task=task.title, case=task.case_no,
                         role=role_label(task.lane)))
    return _assign(task_id, lambda s, t: reassign(s, t.id, to, by=me().username), done)
