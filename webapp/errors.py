"""Error pages; engine exceptions that reach the web layer become HTTP answers."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import Conflict, NotAllowed, NotFound

MESSAGES = {
    400: _l("The request was not understood."),
    403: _l("You may not do this."),
    404: _l("Not found."),
    409: _l("Someone else changed this first; reload the page."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts; wait a minute and try again."),
}


def _page(code: int):
    return render_template("error.html", code=code, message=str(MESSAGES.get(code) or _("Something went wrong."))), code


def init_app(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: _page(code))
    app.register_error_handler(NotFound, lambda exc: _page(404))
    app.register_error_handler(NotAllowed, lambda exc: _page(403))
    app.register_error_handler(Conflict, lambda exc: _page(409))
