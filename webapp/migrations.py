"""Moving running cases to another version: the dry run (who can move, why the others cannot), then the move.

The dry run is ``engine.migration.check_cases`` and changes nothing; the move is
``migrate_cases``, which checks every case again under its row lock, keeps
waiting timers' due times, typed data and claims, and records each move on the
case's timeline.
"""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine import Instance, InstanceStatus, ProcessVersion, Property, User, check_cases, get_process, migrate_cases

from .access import me, my_property_ids, owners_only
from .db import get_session
from .display import status_label
from .library import version_or_404

bp = Blueprint("migrations", __name__, url_prefix="/processes")
bp.before_request(owners_only)
REASONS = [  # the engine's reasons (engine.migration) as a process owner reads them
    (re.compile(r"it is inside called process '(?P<p>.+)', which v(?P<n>\d+) no longer has"),
     lambda m: _("it is inside the called process “%(p)s”, which version %(n)s no longer has", **m.groupdict())),
    (re.compile(r"the case is at step '(?P<t>.+)', which v(?P<n>\d+) removed"),
     lambda m: _("it is at step “%(t)s”, which version %(n)s removed", **m.groupdict())),
    (re.compile(r"the case has done step '(?P<t>.+)', which v(?P<n>\d+) removed"),
     lambda m: _("it has done step “%(t)s”, which version %(n)s removed", **m.groupdict())),
    (re.compile(r"step '(?P<t>.+)' is in progress and changed in v(?P<n>\d+) \((?P<c>.*)\)"),
     lambda m: _("step “%(t)s” is in progress and version %(n)s changed it (%(c)s)", **m.groupdict())),
    (re.compile(r"it already runs v(?P<n>\d+)"), lambda m: _("it already runs version %(n)s", **m.groupdict())),
    (re.compile(r"it is (?P<s>running|completed|cancelled|error)"),
     lambda m: _("it is %(status)s", status=status_label(m["s"]))),
    (re.compile(r"it is a case of another process"), lambda m: _("it is a case of another process")),
]


def reason_text(reason: str) -> str:
    for pattern, text in REASONS:
        if match := pattern.fullmatch(reason):
            return text(match)
    return reason


def _candidates(session, process_id: int, version_id: int, code: str | None) -> list[int]:
    query = (select(Instance.id).where(Instance.process_id == process_id, Instance.status == InstanceStatus.RUNNING,
                                       Instance.version_id != version_id).order_by(Instance.id))
    if code:
        query = query.join(Property, Property.id == Instance.property_id).where(Property.code == code)
    return list(session.scalars(query))


def _context(session, key: str):
    proc = get_process(session, key)
    target = version_or_404(proc, request.values.get("to", type=int))
    code = request.values.get("property") or None
    props = session.scalars(select(Property).order_by(Property.code)).all()
    return proc, target, code, props


@bp.route("/<key>/migrate")
def check(key: str):
    session = get_session()
    proc, target, code, props = _context(session, key)
    ids = _candidates(session, proc.id, target.id, code)
    checks = check_cases(session, target, ids) if ids else []
    movable = [c for c in checks if c.can_move]
    return render_template("migrations/check.html", process=proc, target=target, code=code, props=props,
                           versions=sorted(proc.versions, key=lambda v: -v.number), checks=checks,
                           movable=movable, reason_text=reason_text, visible_ids=my_property_ids())


@bp.route("/<key>/migrate", methods=["POST"])
def move(key: str):
    session = get_session()
    proc, target, code, props = _context(session, key)
    if request.form.get("scope") == "all":
        ids = _candidates(session, proc.id, target.id, code)
    else:
        ids = sorted(set(request.form.getlist("case", type=int)))
    user_id, target_id = me().id, target.id
    report = migrate_cases(session, target, ids, user=me().username)
    # migrate_cases commits chunk by chunk and clears the session: read what the page shows again
    current_user.user = session.get(User, user_id)
    return render_template("migrations/result.html", process=get_process(session, key),
                           target=session.get(ProcessVersion, target_id), code=code, report=report,
                           reason_text=reason_text, asked=len(ids))
