"""Chinese by default, English on request (?lang=en, stored in the session, or the user's setting)."""
from __future__ import annotations

from flask import Flask, request, session, url_for
from flask_babel import Babel, Domain, get_locale
from flask_babel import _get_current_context as _babel_context
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


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalogue looked up once instead of for every string.

    Flask-Babel finds the catalogue anew on each ``_()`` (the request context, the domain, the locale's
    name, a dictionary), about 30 µs; an inbox page translates some 130 strings. The catalogue is kept
    where Flask-Babel itself keeps it (``babel_translations``), so ``refresh()`` and ``force_locale()``,
    which clear or replace it, still switch the language.
    """

    def get_translations(self):
        ctx = _babel_context()
        if ctx is None:
            return super().get_translations()
        translations = getattr(ctx, "babel_translations", None)
        if translations is None:
            translations = ctx.babel_translations = super().get_translations()
        return translations


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=select_locale, default_timezone="Asia/Shanghai")
    domain = RequestDomain(domain=app.extensions["babel"].default_domain)
    babel.domain_instance = domain  # type: ignore[misc]  # a cached property of Flask-Babel's: set before any request
    # the templates ask the domain straight away (Flask-Babel's own callables look the domain up again each time)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.add_template_global(lang_url)
    app.context_processor(lambda: {"lang": "en" if str(get_locale()) == "en" else "zh"})
