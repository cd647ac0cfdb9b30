"""Error pages; engine exceptions that reach the web layer become HTTP answers."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from engine import Conflict, NotAllowed, NotFound

from .api import errors as api_errors

MESSAGES = {
    400: _l("The request was not understood."),
    403: _l("You may not do this."),
    404: _l("Not found."),
    409: _l("Someone else changed this first; reload the page."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts; wait a minute and try again."),
}


def _page(code: int, exc=None):
    if request.path.startswith("/api/"):  # the JSON API answers JSON, never a page
        return api_errors.answer(exc) if isinstance(exc, HTTPException) else api_errors.error(code)
    if code not in MESSAGES:  # (401, 405, … answered for the API) a page keeps Flask's own answer
        return exc
    return render_template("error.html", code=code, message=str(MESSAGES.get(code) or _("Something went wrong."))), code


def init_app(app: Flask) -> None:
    for code in (*MESSAGES, 401, 405, 415, 422, 500):
        app.register_error_handler(code, lambda exc, code=code: _page(code, exc))
    app.register_error_handler(NotFound, lambda exc: _api_refusal(exc) or _page(404))
    app.register_error_handler(NotAllowed, lambda exc: _api_refusal(exc) or _page(403))
    app.register_error_handler(Conflict, lambda exc: _api_refusal(exc) or _page(409))


def _api_refusal(exc):
    """An engine refusal that reached an API view: its JSON answer (None for a page)."""
    if not request.path.startswith("/api/"):
        return None
    return api_errors.engine_error(exc)
