"""Cases: starting one from a start form, and the case page (live diagram, timeline, comments, attachments)."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import (
    Attachment,
    FileStore,
    FormInvalid,
    HumanTask,
    Instance,
    NotAllowed,
    Property,
    User,
    add_comment,
    attach,
    attachments_of,
    case_progress,
    events_of,
    find_startable,
    start_instance,
    startable,
    version_info,
)

from . import formrender
from .access import case_or_404, may_work, me, my_next_task
from .db import get_session
from .lanes import lane_labels
from .messages import explain

bp = Blueprint("cases", __name__, url_prefix="/cases")


def file_store() -> FileStore:
    return FileStore(current_app.config["ATTACHMENT_DIR"])


@bp.route("/new")
@login_required
def new():
    return render_template("cases/new.html", entries=startable(get_session(), me()))


@bp.route("/new/<property_code>/<process_key>", methods=["GET", "POST"])
@login_required
def start(property_code: str, process_key: str):
    session = get_session()
    entry = find_startable(session, me(), property_code, process_key)
    if entry is None:
        abort(404)
    schema = json.loads(version_info(session, entry.version_id).files[entry.start_form])
    if request.method == "GET":
        prop = session.scalar(select(Property).where(Property.code == property_code))
        prefill = formrender.prefill_values(me().display_name, datetime.now(UTC), prop.timezone)
        return render_template("cases/start.html", entry=entry, schema=schema,
                               fields=formrender.fields(schema, prefill=prefill))
    data = formrender.read(schema, request.form)
    if request.form.get("_add_row"):  # one more row in a table: the form again, nothing started
        return render_template("cases/start.html", entry=entry, schema=schema,
                               fields=formrender.fields(schema, data, add_row=request.form["_add_row"]))
    try:
        case = start_instance(session, property_code, process_key, data, user=me().username)
    except FormInvalid as exc:
        session.rollback()
        return render_template("cases/start.html", entry=entry, schema=schema,
                               fields=formrender.fields(schema, data, formrender.field_errors(exc)),
                               form_errors=formrender.field_errors(exc).get("")), 400
    session.commit()
    flash(_("Case %(case)s registered.", case=case.case_no), "success")
    mine = my_next_task(case)
    if mine is not None:
        return redirect(url_for("tasks.work", task_id=mine))
    return redirect(url_for(".show", case_id=case.id))


@bp.route("/<case_no>")
@login_required
def by_number(case_no: str):
    """A case by its number (the links in notice mails): on to its page, where access is checked."""
    case_id = get_session().scalar(select(Instance.id).where(Instance.case_no == case_no))
    if case_id is None:
        abort(404)
    return redirect(url_for(".show", case_id=case_id))


@bp.route("/<int:case_id>")
@login_required
def show(case_id: int):
    session = get_session()
    case = case_or_404(case_id)
    events = events_of(session, case.id)
    actors = {e.actor for e in events if e.actor} | {case.started_by} - {None}
    actors |= {e.data["assignee"] for e in events if isinstance(e.data, dict) and isinstance(e.data.get("assignee"), str)}
    names = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(actors))).all())
    open_tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)
                                      .order_by(HumanTask.created_at)))
    started = next((e for e in events if e.kind.value == "started"), None)
    version = version_info(session, case.version_id)
    return render_template(
        "cases/show.html", case=case, prop=session.get(Property, case.property_id),
        version=version, labels=formrender.titles(version.files), diagrams=case_progress(session, case),
        events=events, names=names, open_tasks=open_tasks, may_work=may_work,
        start_data=(started.data or {}).get("data", {}) if started else {},
        attachments=attachments_of(session, case.id),
        accept=",".join(current_app.config["ATTACHMENT_TYPES"]), max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"])


@bp.route("/<int:case_id>/diagram/<path:filename>")
@login_required
def diagram(case_id: int, filename: str):
    case = case_or_404(case_id)
    text = version_info(get_session(), case.version_id).files.get(filename)
    if text is None or not filename.endswith(".bpmn"):
        abort(404)
    return Response(lane_labels(text), mimetype="application/xml")


@bp.route("/<int:case_id>/comments", methods=["POST"])
@login_required
def comment(case_id: int):
    session = get_session()
    case = case_or_404(case_id)
    try:
        add_comment(session, case.id, request.form.get("text", ""), user=me().username)
        session.commit()
    except NotAllowed as exc:
        session.rollback()
        flash(explain(exc), "error")
    return redirect(url_for(".show", case_id=case.id) + "#timeline")


@bp.route("/<int:case_id>/attachments", methods=["POST"])
@login_required
def upload(case_id: int):
    session = get_session()
    case = case_or_404(case_id)
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        flash(_("Choose a file to attach."), "error")
    files, stored = file_store(), []
    try:
        for upload in uploads:
            stored.append(attach(session, files, case.id, upload.filename, upload.read(), user=me().username,
                                 allowed_types=current_app.config["ATTACHMENT_TYPES"],
                                 max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))
        session.commit()
    except NotAllowed as exc:
        session.rollback()
        for row in stored:
            files.delete(row.storage_key)
        flash(_("Nothing was attached: %(reason)s", reason=explain(exc)), "error")
    else:
        if stored:
            flash(_("%(n)d file(s) attached.", n=len(stored)), "success")
    return redirect(url_for(".show", case_id=case.id) + "#attachments")


@bp.route("/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def download(case_id: int, attachment_id: int):
    case = case_or_404(case_id)
    row = get_session().get(Attachment, attachment_id)
    if row is None or row.instance_id != case.id:
        abort(404)
    try:
        data = file_store().read(row.storage_key)
    except FileNotFoundError:
        abort(404)
    inline = row.content_type.startswith("image/") and request.args.get("download") is None
    response = send_file(BytesIO(data), mimetype=row.content_type, as_attachment=not inline,
                         download_name=row.filename, max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
