"""Operations: the health endpoint, and the admin page (queues, workers, failed jobs, incidents, lateness).

``/health`` needs no sign-in (load balancers and container healthchecks call it)
and says only whether the database and Redis answer. ``/admin`` is for users with
``is_admin``; everyone else gets 404, as for any page that is not theirs.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine import Conflict, Instance, NotAllowed, NotFound, retry_incident
from worker import operations

from .access import admins_only, me
from .db import get_redis, get_session

health_bp = Blueprint("health", __name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(admins_only)


@health_bp.route("/health")
def health():
    result = operations.check_health(get_session(), get_redis())
    body = {"ok": result.ok, "database": result.database, "redis": result.redis}
    return jsonify(body), 200 if result.ok else 503


@bp.route("/")
def index():
    session, redis = get_session(), get_redis()
    figures = operations.figures(session, redis)
    workers = []
    if redis is not None and figures.redis_error is None:
        workers = operations.workers(redis)
    ids = {i.instance_id for i in figures.incidents}
    case_nos = (dict(session.execute(select(Instance.id, Instance.case_no).where(Instance.id.in_(ids))).all())
                if ids else {})
    return render_template("admin/index.html", figures=figures, workers=workers, redis=redis is not None,
                           case_nos=case_nos)


@bp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
def retry(incident_id: int):
    session = get_session()
    try:
        incident = retry_incident(session, incident_id, user=me().username)
        session.commit()
    except (NotFound, NotAllowed, Conflict) as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    if incident.status.value == "resolved":
        flash(_("Incident %(id)d resolved: the step ran again without error.", id=incident_id), "success")
    else:
        flash(_("Incident %(id)d failed again: %(message)s", id=incident_id, message=incident.message), "error")
    return redirect(url_for(".index"))


@bp.route("/jobs/<job_id>/<action>", methods=["POST"])
def job_action(job_id: str, action: str):
    redis = get_redis()
    if redis is None or action not in ("requeue", "delete"):
        abort(404)
    try:
        (operations.requeue_failed if action == "requeue" else operations.delete_failed)(redis, job_id)
    except (NotFound, NotAllowed) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    flash(_("Job %(id)s requeued.", id=job_id) if action == "requeue" else _("Job %(id)s deleted.", id=job_id),
          "success")
    return redirect(url_for(".index"))
