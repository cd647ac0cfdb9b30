"""One property's settings for HQ: parameters its diagrams read, its own calendar days, who holds which role.

Parameters reach new cases as ``params`` (``engine.properties.parameters_for``):
the process's default from its manifest, then a property-wide value, then a value
for one process — set here without copying any diagram.
"""
from __future__ import annotations

import json
import re
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import (
    ROLES,
    Deployment,
    NotFound,
    Process,
    PropertyParameter,
    RoleAssignment,
    User,
    get_property,
    grant,
    revoke,
    set_calendar,
    set_parameter,
    unset_parameter,
)

from .access import owners_only
from .db import get_session
from .display import role_label
from .paramlabels import BUILTIN, label

bp = Blueprint("properties", __name__, url_prefix="/properties")
bp.before_request(owners_only)
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SUGGESTED = ("office_hours",)  # property-wide values the product's diagrams read when set


def _processes(session, prop):
    """(process, its manifest's default parameters) for every process deployed at ``prop``."""
    rows = session.scalars(select(Deployment).where(Deployment.property_id == prop.id)).all()
    found = [(d.version.process, d.version.manifest.get("parameters", {}), d.version.manifest.get("parameter_labels"))
             for d in rows]
    return sorted(found, key=lambda pair: pair[0].name)


@bp.route("/<code>")
def show(code: str):
    session = get_session()
    prop = get_property(session, code)
    own = {(p.process_key, p.name): p.value for p in session.scalars(
        select(PropertyParameter).where(PropertyParameter.property_id == prop.id))}
    holders = {}
    for assignment, user in session.execute(
            select(RoleAssignment, User).join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.property_id == prop.id).order_by(User.username)):
        holders.setdefault(assignment.role, []).append(user)
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
    wide = sorted({name for key, name in own if key == ""} | set(SUGGESTED))
    return render_template("properties/show.html", prop=prop, processes=_processes(session, prop), own=own,
                           wide=wide, holders=holders, roles=[r for r in ROLES if r not in ("hq", "resident")],
                           users=users, shown=_shown, param_label=label)


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parse_value(raw: str, default):
    """The typed value of a form field, by the type of the process's default (ValueError says why not)."""
    raw = raw.strip()
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false"):
            raise ValueError(_("must be true or false"))
        return raw.lower() == "true"
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(_("must be a whole number")) from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(_("must be a number")) from None
    if isinstance(default, (list, dict)):
        try:
            return json.loads(raw)
        except ValueError:
            raise ValueError(_("must be JSON")) from None
    if default is None:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


@bp.route("/<code>/parameters", methods=["POST"])
def parameter(code: str):
    session = get_session()
    prop = get_property(session, code)
    key, name = request.form.get("process", ""), request.form.get("name", "").strip()
    back = redirect(url_for(".show", code=code) + "#parameters")
    if not NAME.match(name):
        flash(_("A parameter name is lower-case letters, digits and _ (got “%(name)s”).", name=name), "error")
        return back
    default, shown_name = None, label(None, name, 0).text if name in BUILTIN else name
    if key:
        process = session.scalars(select(Process).where(Process.key == key)).one_or_none()
        if process is None:
            raise NotFound(key)
        for proc, defaults, labels in _processes(session, prop):
            if proc == process:
                default = defaults.get(name)
                shown_name = label(labels, name, list(defaults).index(name) + 1 if name in defaults else 0).text
    name_for_people = shown_name  # the parameter as the page names it, never its key when it has a label
    if request.form.get("action") == "reset":
        unset_parameter(session, prop, name, key)
        session.commit()
        flash(_("%(name)s is back to its default at %(code)s.", name=name_for_people, code=code), "success")
        return back
    try:
        value = parse_value(request.form.get("value", ""), default)
    except ValueError as exc:
        flash(_("%(name)s was not saved: it %(why)s.", name=name_for_people, why=str(exc)), "error")
        return back
    try:
        set_parameter(session, prop, name, value, key)
        session.commit()
    except IntegrityError:
        session.rollback()
        flash(_("Someone changed %(name)s meanwhile; look at it again.", name=name_for_people), "error")
        return back
    flash(_("%(name)s = %(value)s at %(code)s, for new cases.", name=name_for_people, value=_shown(value), code=code), "success")
    return back


def _dates(raw: str) -> list[str]:
    days = [part for part in re.split(r"[\s,;,、]+", raw) if part]
    for day in days:
        date.fromisoformat(day)
    return days


@bp.route("/<code>/calendar", methods=["POST"])
def calendar(code: str):
    session = get_session()
    prop = get_property(session, code)
    try:
        set_calendar(prop, days_off=_dates(request.form.get("days_off", "")),
                     workdays=_dates(request.form.get("workdays", "")))
    except ValueError as exc:
        flash(_("The calendar was not saved: %(why)s (write dates as 2026-10-08).", why=str(exc)), "error")
        return redirect(url_for(".show", code=code) + "#calendar")
    session.commit()
    flash(_("The calendar of %(code)s is saved.", code=code), "success")
    return redirect(url_for(".show", code=code) + "#calendar")


@bp.route("/<code>/roles", methods=["POST"])
def roles(code: str):
    session = get_session()
    prop = get_property(session, code)
    user = session.scalars(select(User).where(User.username == request.form.get("user", ""))).one_or_none()
    role = request.form.get("role", "")
    if user is None or role not in ROLES:
        flash(_("Choose a user and a role."), "error")
        return redirect(url_for(".show", code=code) + "#staff")
    try:
        if request.form.get("action") == "revoke":
            revoke(session, user, prop, role)
            message = _("%(user)s no longer holds %(role)s at %(code)s.", user=user.display_name,
                        role=role_label(role), code=code)
        else:
            grant(session, user, prop, role)
            message = _("%(user)s now holds %(role)s at %(code)s.", user=user.display_name, role=role_label(role),
                        code=code)
        session.commit()
    except IntegrityError:
        session.rollback()
        flash(_("Someone changed this meanwhile; look at it again."), "error")
        return redirect(url_for(".show", code=code) + "#staff")
    flash(message, "success")
    return redirect(url_for(".show", code=code) + "#staff")
