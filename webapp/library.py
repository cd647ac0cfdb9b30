"""The process library for process owners and HQ: versions, a readable diff, the modeler, saving a version.

Saving is validating: the edited files go through ``engine.editing.save_edit`` (the
same validation as loading ``processes/``); on problems nothing is stored and the
modeler gets them as JSON (file, element id, message) to mark on the diagram.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import (
    ROLES,
    Conflict,
    Deployment,
    Instance,
    InstanceStatus,
    PackageInvalid,
    Problem,
    Process,
    ProcessVersion,
    Property,
    diff_files,
    editable_files,
    get_process,
    save_edit,
)

from .access import me, owners_only
from .db import get_session
from .diffview import Names
from .display import role_label
from .problemtext import problem_text

bp = Blueprint("library", __name__, url_prefix="/processes")
bp.before_request(owners_only)
FILE_NAME = re.compile(r"^[\w\-][\w.\-]*\.(bpmn|dmn|json)$")


def version_or_404(process: Process, number: int | None) -> ProcessVersion:
    query = select(ProcessVersion).where(ProcessVersion.process_id == process.id)
    query = query.where(ProcessVersion.number == number) if number else query.order_by(ProcessVersion.number.desc())
    version = get_session().scalars(query.limit(1)).first()
    if version is None:
        abort(404)
    return version


@bp.route("/")
def index():
    session = get_session()
    latest = dict(session.execute(select(ProcessVersion.process_id, func.max(ProcessVersion.number))
                                  .group_by(ProcessVersion.process_id)).all())
    deployed = {}
    for process_id, number, count in session.execute(
            select(Deployment.process_id, ProcessVersion.number, func.count())
            .join(ProcessVersion, ProcessVersion.id == Deployment.version_id)
            .group_by(Deployment.process_id, ProcessVersion.number).order_by(ProcessVersion.number)):
        deployed.setdefault(process_id, []).append((number, count))
    processes = session.scalars(select(Process).order_by(Process.name)).all()
    return render_template("library/index.html", processes=processes, latest=latest, deployed=deployed)


@bp.route("/<key>")
def process(key: str):
    session = get_session()
    proc = get_process(session, key)
    versions = session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == proc.id)
                               .order_by(ProcessVersion.number.desc())).all()
    running_at = {}
    for version_id, code in session.execute(
            select(Deployment.version_id, Property.code).join(Property, Property.id == Deployment.property_id)
            .where(Deployment.process_id == proc.id).order_by(Property.code)):
        running_at.setdefault(version_id, []).append(code)
    cases = dict(session.execute(select(Instance.version_id, func.count()).where(
        Instance.process_id == proc.id, Instance.status == InstanceStatus.RUNNING).group_by(Instance.version_id)).all())
    return render_template("library/process.html", process=proc, versions=versions, running_at=running_at,
                           cases=cases, saved=request.args.get("saved", type=int))


@bp.route("/<key>/diff")
def diff(key: str):
    proc = get_process(get_session(), key)
    new = version_or_404(proc, request.args.get("to", type=int))
    old = version_or_404(proc, request.args.get("from", type=int) or max(new.number - 1, 1))
    changes = diff_files(old.files, new.files).changes
    by_file: dict[str, list] = {}
    for change in changes:
        by_file.setdefault(change.file, []).append(change)
    return render_template("library/diff.html", process=proc, old=old, new=new, by_file=by_file,
                           versions=proc.versions, names=Names(old.files, new.files), count=len(changes))


@bp.route("/<key>/edit")
def edit(key: str):
    session = get_session()
    proc = get_process(session, key)
    base = version_or_404(proc, request.args.get("from", type=int))
    latest = version_or_404(proc, None)
    processes = [{"id": v.process_id_in_diagram, "name": p.name} for p, v in _latest_versions(session)]
    roles = [{"id": r, "title": role_label(r)} for r in ROLES if r != "resident"]
    texts = {
        "saving": _("Validating and saving…"), "saved": _("Saved as version %(n)s."),
        "unchanged": _("Nothing changed: these files are version %(n)s."),
        "not_saved": _("Nothing was saved: fix the problems below (your edits are still here)."),
        "problems": _("%(n)s problem(s)"), "failed": _("Saving failed"),
        "load_failed": _("The files could not be loaded"),
        "not_json": _("Not valid JSON:"), "remove_file": _("Remove %(file)s from the package"),
        "bad_name": _("Use letters, digits, _ . - and a name not taken yet."),
    }
    return render_template("library/edit.html", process=proc, base=base, latest=latest, processes=processes,
                           roles=roles, texts=texts)


def _latest_versions(session):
    newest = select(ProcessVersion.process_id, func.max(ProcessVersion.number).label("n")).group_by(
        ProcessVersion.process_id).subquery()
    return session.execute(select(Process, ProcessVersion).join(ProcessVersion, ProcessVersion.process_id == Process.id)
                           .join(newest, (newest.c.process_id == ProcessVersion.process_id)
                                 & (newest.c.n == ProcessVersion.number)).order_by(Process.name)).all()


@bp.route("/<key>/versions/<int:number>/files.json")
def files(key: str, number: int):
    version = version_or_404(get_process(get_session(), key), number)
    return jsonify(number=version.number, files=editable_files(version.files))


@bp.route("/<key>/versions", methods=["POST"])
def save(key: str):
    session = get_session()
    proc = get_process(session, key)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("files"), dict) \
            or not isinstance(payload.get("base"), int):
        abort(400)
    base = version_or_404(proc, payload["base"])
    files = payload["files"]
    problems = [Problem(str(path), None, "a file name may hold letters, digits, _ . - and must end in "
                                         ".bpmn, .dmn or .json") for path in files if not FILE_NAME.match(str(path))]
    problems += [Problem(path, None, "must be text") for path, text in files.items() if not isinstance(text, str)]
    try:
        if problems:
            raise PackageInvalid(problems)
        result = save_edit(session, base, files, author=me().username, message=str(payload.get("message") or ""),
                           force=payload.get("force") is True)
        session.commit()
    except PackageInvalid as exc:
        session.rollback()
        return jsonify(problems=[{"file": p.file, "element_id": p.element_id, "message": problem_text(p.message)}
                                 for p in exc.problems]), 422
    except (Conflict, IntegrityError):
        session.rollback()
        newest = version_or_404(proc, None)
        return jsonify(message=_("Version %(n)d (by %(who)s) was saved after version %(base)d, which you started "
                                 "from: look at its changes first, or save yours anyway as a newer version.",
                                 n=newest.number, who=newest.author or "?", base=base.number),
                       diff=url_for(".diff", key=key, **{"from": base.number, "to": newest.number})), 409
    version = result.version
    if result.created:
        flash(_("Saved %(process)s version %(n)d.", process=proc.name, n=version.number), "success")
    else:
        flash(_("Nothing changed: these files are version %(n)d.", n=version.number))
    return jsonify(created=result.created, number=version.number,
                   url=url_for(".process", key=key, saved=version.number)), 201 if result.created else 200
