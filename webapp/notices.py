"""Putting a notice away: it no longer shows in my inbox (others who got it still see it)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import NotFound, dismiss_notice

from .access import me, safe_next
from .db import get_session

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.route("/<int:event_id>/dismiss", methods=["POST"])
@login_required
def dismiss(event_id: int):
    session = get_session()
    try:
        dismiss_notice(session, me(), event_id)
    except NotFound:
        session.rollback()
        abort(404)
    session.commit()
    flash(_("Notice put away."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("inbox.index")))
