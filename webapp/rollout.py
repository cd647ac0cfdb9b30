"""HQ rollout: which version each property runs, deploying to all or chosen properties, rolling one back.

A deployment is one transaction: every chosen property moves to the version, or
(a property changed meanwhile, one no longer exists) none does. The page sends
the version it showed for each property, so two people deploying at once cannot
silently undo each other.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import (
    Conflict,
    NotAllowed,
    NotFound,
    Property,
    deploy,
    get_process,
    get_property,
    process_rollout,
    roll_back,
    versions_by_property,
)

from .access import me, owners_only
from .db import get_session
from .library import version_or_404
from .messages import explain

bp = Blueprint("rollout", __name__, url_prefix="/rollout")
bp.before_request(owners_only)


@bp.route("/")
def index():
    session = get_session()
    props = session.scalars(select(Property).order_by(Property.code)).all()
    return render_template("rollout/index.html", props=props, running=versions_by_property(session))


@bp.route("/<key>")
def process(key: str):
    session = get_session()
    proc = get_process(session, key)
    chosen = version_or_404(proc, request.args.get("version", type=int))
    return render_template("rollout/process.html", process=proc, rows=process_rollout(session, proc),
                           versions=sorted(proc.versions, key=lambda v: -v.number), chosen=chosen)


@bp.route("/<key>/deploy", methods=["POST"])
def deploy_version(key: str):
    session = get_session()
    proc = get_process(session, key)
    version = version_or_404(proc, request.form.get("version", type=int))
    back = redirect(url_for(".process", key=key, version=version.number))
    everyone = request.form.get("scope") == "all"
    codes = request.form.getlist("listed" if everyone else "property")
    if not codes:
        flash(_("Choose at least one property."), "error")
        return back
    if request.form.get("confirmed") != "1":  # first say what it touches: the properties and their running cases
        chosen = [r for r in process_rollout(session, proc) if r.property.code in codes]
        return render_template("rollout/confirm.html", process=proc, version=version, rows=chosen,
                               codes=codes, seen={c: request.form.get(f"seen-{c}", "") for c in codes},
                               running=sum(sum(r.running.values()) for r in chosen))
    try:
        props = [get_property(session, code) for code in codes]
        seen = {p.id: request.form.get(f"seen-{p.code}", type=int) for p in props}
        deploy(session, version, props, by=me().username, expected=seen)
        session.commit()
    except (Conflict, IntegrityError):
        session.rollback()
        flash(_("Someone deployed to these properties meanwhile; nothing was deployed. Check the list and "
                "deploy again."), "error")
        return back
    except NotFound as exc:  # a property no longer exists: the others are not deployed either
        session.rollback()
        flash(_("Nothing was deployed: %(reason)s", reason=explain(exc)), "error")
        return back
    flash(_("Version %(n)d of %(process)s now runs at %(count)d properties: %(codes)s.", n=version.number,
            process=proc.name, count=len(props), codes=", ".join(p.code for p in props)), "success")
    return back


@bp.route("/<key>/rollback/<code>", methods=["POST"])
def rollback(key: str, code: str):
    session = get_session()
    proc = get_process(session, key)
    prop = get_property(session, code)
    if request.form.get("confirmed") != "1":
        [row] = [r for r in process_rollout(session, proc) if r.property.code == code] or [None]
        if row is None or not row.previous:
            flash(_("%(code)s has no earlier version to roll back to.", code=code), "error")
            return redirect(url_for(".process", key=key))
        return render_template("rollout/confirm_rollback.html", process=proc, row=row, seen=request.form.get("seen", ""),
                               running=sum(row.running.values()))
    try:
        dep = roll_back(session, prop, key, by=me().username, expected_version_id=request.form.get("seen", type=int))
        session.commit()
    except Conflict:
        session.rollback()
        flash(_("Someone deployed to %(code)s meanwhile; nothing was rolled back.", code=code), "error")
    except NotAllowed:
        session.rollback()
        flash(_("%(code)s has no earlier version to roll back to.", code=code), "error")
    else:
        flash(_("%(code)s runs version %(n)d of %(process)s again; running cases keep their version.",
                code=code, n=dep.version.number, process=proc.name), "success")
    return redirect(url_for(".process", key=key))
