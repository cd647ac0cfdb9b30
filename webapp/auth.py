"""Sign-in and sign-out (Flask-Login); sign-in attempts are rate-limited per address."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload

from engine import User, authenticate

from .access import safe_next
from .db import get_session
from .security import limiter

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SignedIn(UserMixin):
    """The signed-in user as Flask-Login sees it: wraps the engine's ``User`` row."""

    def __init__(self, user: User):
        self.user = user
        self.id = str(user.id)

    def __getattr__(self, name):
        return getattr(self.user, name)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None


@login_manager.user_loader
def _load(user_id: str):
    # one round trip for the user and the roles every page reads (not a second SELECT for the roles)
    user = get_session().get(User, int(user_id), options=[joinedload(User.roles)])
    return SignedIn(user) if user is not None and user.active else None


def _rate():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_rate, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    error = None
    if request.method == "POST":
        session = get_session()
        user = authenticate(session, request.form.get("username", "").strip(), request.form.get("password", ""))
        if user is None:
            error = _("Wrong user name or password.")
        else:
            session.commit()
            login_user(SignedIn(user))
            return redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("Signed out."))
    return redirect(url_for("auth.login"))
