"""A supervisor's bulk reassign: the tasks ticked in the inbox go to one person (or back to their roles).

Each task is checked on its own: the supervisor must supervise its property and the person
must hold the task's role there. What can move moves, in one transaction; the message says
how many moved and which could not, and why.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import Conflict, HumanTask, NotAllowed, NotFound, RoleAssignment, User, holders, reassign

from .access import me, my_property_ids, safe_next, supervises
from .db import get_session
from .messages import explain

bp = Blueprint("bulk", __name__, url_prefix="/tasks")
MAX_TASKS = 200


def reassign_candidates(session) -> list:
    """Active staff holding a role at a property I supervise, by display name (for the bulk form's select): their
    user names and display names, not the whole rows with their roles."""
    props = [p for p in my_property_ids() if supervises(p)]
    if not props:
        return []
    return list(session.execute(select(User.username, User.display_name).join(RoleAssignment).where(
        RoleAssignment.property_id.in_(props), User.active.is_(True)).distinct().order_by(User.display_name)))


@bp.route("/bulk-reassign", methods=["POST"])
@login_required
def bulk_reassign():
    session = get_session()
    back = redirect(safe_next(request.form.get("next"), url_for("inbox.index")))
    ids = request.form.getlist("task")[:MAX_TASKS]
    to = request.form.get("to") or None
    if not ids:
        flash(_("Tick the tasks to reassign first."), "error")
        return back
    person = session.scalar(select(User).where(User.username == to)) if to else None
    if to and person is None:
        flash(_("There is no such person."), "error")
        return back
    moved, refused = 0, []
    for task in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids), HumanTask.property_id.in_(
            my_property_ids()))):
        if not supervises(task.property_id):
            refused.append(_("%(case)s: you do not supervise its property", case=task.case_no))
        elif to and to not in {u.username for u in holders(session, task.property_id, task.lane)}:
            refused.append(_("%(case)s: %(name)s does not hold its role", case=task.case_no, name=person.display_name))
        else:
            try:
                with session.begin_nested():
                    reassign(session, task.id, to, by=me().username)
                moved += 1
            except (Conflict, NotFound, NotAllowed) as exc:
                refused.append(f"{task.case_no}: {explain(exc)}")
    session.commit()
    if moved:
        flash(_("%(n)d task(s) now go to %(name)s.", n=moved, name=person.display_name) if person else
              _("%(n)d task(s) are back with their roles.", n=moved), "success")
    if refused:
        flash(_("Not reassigned: %(list)s.", list="; ".join(refused)), "error")
    return back
