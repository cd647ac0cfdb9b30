"""Staff accounts for head office (员工账号): create, set display names, reset passwords, deactivate leavers.

HQ only (others get 403). Every form says what is wrong in place of a 500; a deactivated
person's open tasks go back to their roles (``engine.deactivate_user``).
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import ROLES, HumanTask, NotAllowed, Property, User, create_user, grant, reactivate, rename, set_password
from engine import USERNAME_PATTERN as USERNAME
from engine import deactivate_user as deactivate

from .access import me
from .db import get_session

bp = Blueprint("staff", __name__, url_prefix="/staff")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@bp.before_request
def hq_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not me().is_hq:
        abort(403)
    return None


def _user_or_404(username: str) -> User:
    user = get_session().scalar(select(User).where(User.username == username))
    if user is None:
        abort(404)
    return user


def _page(form=None, errors=None, status=200):
    session = get_session()
    users = session.scalars(select(User).order_by(User.active.desc(), User.display_name)).all()
    props = {p.id: p for p in session.scalars(select(Property).order_by(Property.code))}
    held = dict(session.execute(select(HumanTask.assignee, func.count()).group_by(HumanTask.assignee)).all())
    return render_template("staff/index.html", users=users, props=props, held=held, form=form or {},
                           errors=errors or {}, roles=[r for r in ROLES if r not in ("hq", "resident")]), status


@bp.route("/")
def index():
    return _page()


@bp.route("/", methods=["POST"])
def create():
    session = get_session()
    form = {k: (request.form.get(k) or "").strip() for k in ("username", "display_name", "email", "property", "role")}
    password = request.form.get("password") or ""
    errors = {}
    if not USERNAME.match(form["username"]):
        errors["username"] = _("2 to 40 lower-case letters, digits, _ . - (starting with a letter).")
    elif session.scalar(select(User.id).where(User.username == form["username"])):
        errors["username"] = _("This sign-in name is taken.")
    if not form["display_name"] or len(form["display_name"]) > 120:
        errors["display_name"] = _("Give the name colleagues know them by.")
    if len(password) < 8:
        errors["password"] = _("At least 8 characters.")
    if form["email"] and not EMAIL.fullmatch(form["email"]):
        errors["email"] = _("This is not an e-mail address.")
    prop = session.scalar(select(Property).where(Property.code == form["property"])) if form["property"] else None
    if form["property"] and prop is None or form["role"] and form["role"] not in ROLES:
        errors["role"] = _("Choose a property and a role from the lists.")
    if errors:
        return _page(form, errors, 400)
    try:
        user = create_user(session, form["username"], form["display_name"], password, email=form["email"] or None)
        if prop is not None and form["role"]:
            grant(session, user, prop, form["role"])
        session.commit()
    except (IntegrityError, NotAllowed):
        session.rollback()
        return _page(form, {"username": _("This sign-in name is taken.")}, 400)
    flash(_("Account created for %(person)s; they sign in as %(name)s.", name=user.username, person=user.display_name), "success")
    return redirect(url_for(".index"))


@bp.route("/<username>", methods=["POST"])
def change(username: str):
    session = get_session()
    user = _user_or_404(username)
    action = request.form.get("action")
    try:
        if action == "rename":
            rename(user, request.form.get("display_name", ""))
            message = _("Now shown as %(person)s.", person=user.display_name)
        elif action == "password":
            if len(request.form.get("password") or "") < 8:
                raise NotAllowed("short password", code="short_password")
            set_password(user, request.form["password"])
            message = _("New password set for %(person)s; tell them in person.", person=user.display_name)
        elif action == "deactivate":
            cases = deactivate(session, user, by=me().username)
            message = (_("%(person)s can no longer sign in; their %(n)d open task(s) went back to the roles: "
                         "%(cases)s.", person=user.display_name, n=len(cases), cases="、".join(cases)) if cases else
                       _("%(person)s can no longer sign in.", person=user.display_name))
        elif action == "reactivate":
            reactivate(user)
            message = _("%(person)s can sign in again.", person=user.display_name)
        else:
            abort(400)
        session.commit()
    except NotAllowed as exc:
        session.rollback()
        flash({"bad_display_name": _("Give the name colleagues know them by."),
               "short_password": _("A password needs at least 8 characters; nothing was changed."),
               "deactivate_self": _("You cannot deactivate your own account.")}.get(exc.code, str(exc)), "error")
        return redirect(url_for(".index") + f"#u-{user.username}")
    flash(message, "success")
    return redirect(url_for(".index") + f"#u-{user.username}")
