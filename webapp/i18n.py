"""Chinese by default, English on request (?lang=en, stored in the session, or the user's setting)."""
from __future__ import annotations

from flask import Flask, request, session, url_for
from flask_babel import Babel, get_locale
from flask_login import current_user
from werkzeug.routing import BuildError

LOCALES = ("zh", "en")


def select_locale() -> str:
    if request.path.startswith("/api/"):  # the API keeps no session: Accept-Language decides, Chinese by default
        return request.accept_languages.best_match(LOCALES, default="zh") or "zh"
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LOCALES:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh"


def lang_url(code: str) -> str:
    """This page again, in language ``code``."""
    if request.endpoint is None:
        return "?lang=" + code
    args = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}  # a route's own argument wins
    try:
        return url_for(request.endpoint, **args)
    except (BuildError, ValueError):  # a value the route cannot take (an error page about it, say)
        return "?lang=" + code


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_timezone="Asia/Shanghai")
    app.add_template_global(lang_url)
    app.context_processor(lambda: {"lang": "en" if str(get_locale()) == "en" else "zh"})
