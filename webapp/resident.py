"""The resident portal (``/r/``): sign-in by phone and SMS code, a session apart from the staff's.

A resident's session holds only ``resident_phone``; every request looks the number up
in the household register again (``engine.residents.access``), so a number taken off a
household loses its cases at once. Staff sign-in (Flask-Login) grants nothing here, and a
resident session grants nothing on staff pages. Pages: ``resident_pages``.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import NotFound
from engine import resident_access as access
from engine import resident_signin as signin

from .db import get_session
from .security import limiter

bp = Blueprint("resident", __name__, url_prefix="/r", template_folder="templates")
PUBLIC = {"resident.login", "resident.code"}

REFUSALS = {
    "not_mobile": _l("Enter an 11-digit mobile phone number."),
    "too_many": _l("Too many codes were requested; try again later."),
    "wrong_code": _l("The code is not right; check the SMS and try again."),
    "expired": _l("The code has expired or was used; ask for a new one."),
}


def current_resident() -> access.Resident:
    return g.resident


@bp.before_request
def _resident_only():
    phone = session.get("resident_phone")
    resident = access.resident_for(get_session(), phone) if phone else None
    if resident is None and request.endpoint not in PUBLIC:
        session.pop("resident_phone", None)
        return redirect(url_for("resident.login"))
    g.resident = resident
    return None


def _rate():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _refusal(exc: signin.SignInRefused) -> str:
    if exc.code == "wait":
        return _("A code was sent a moment ago; wait %(seconds)d seconds.", seconds=exc.params["seconds"])
    return str(REFUSALS.get(exc.code, REFUSALS["wrong_code"]))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def login():
    """Step 1: the phone number; a code goes out by SMS (or not, for an unregistered number: same answer)."""
    if g.resident is not None:
        return redirect(url_for("resident.home"))
    if request.method == "GET":
        return render_template("resident/login.html", phone="")
    phone = request.form.get("phone", "").strip()
    db = get_session()
    try:
        signin.request_code(db, phone, request.remote_addr or "unknown")
    except signin.SignInRefused as exc:
        db.rollback()
        return render_template("resident/login.html", phone=phone, error=_refusal(exc)), 429 if exc.code in (
            "wait", "too_many") else 400
    db.commit()
    return render_template("resident/code.html", phone=phone)


@bp.route("/code", methods=["POST"])
@limiter.limit(_rate)
def code():
    """Step 2: the code; a resident session replaces whatever session the browser had."""
    phone = request.form.get("phone", "").strip()
    db = get_session()
    try:
        resident = signin.verify(db, phone, request.form.get("code", ""))
    except signin.SignInRefused as exc:
        db.commit()  # the attempt counts
        return render_template("resident/code.html", phone=phone, error=_refusal(exc)), 400
    db.commit()
    lang = session.get("lang")
    session.clear()
    session["resident_phone"] = resident.phone
    if lang:
        session["lang"] = lang
    return redirect(url_for("resident.home"))


@bp.route("/logout", methods=["POST"])
def logout():
    session.pop("resident_phone", None)
    flash(_("Signed out."))
    return redirect(url_for("resident.login"))


def case_or_404(case_no: str):
    """One of the resident's households' cases, else 404 (whether it exists or not)."""
    try:
        return access.case_for(get_session(), current_resident(), case_no)
    except NotFound:
        abort(404)


