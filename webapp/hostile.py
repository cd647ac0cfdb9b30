"""Input hygiene before any view runs: what no page can use is refused with a 400 naming it, never a 500.

- NUL and other control characters (all but tab, line feed, carriage return) in the path, a
  query parameter or a form field: PostgreSQL refuses NUL in text, and no field wants the rest.
- Whole numbers beyond 64 bits in a query parameter (``?page=99999999999999999999``): the
  database's integers end there. Route arguments declared ``<int:…>`` use ``BoundedInt``, so such
  a number in a path is simply no page (404).
- Query values longer than ``QUERY_MAX`` characters.
A database ``DataError`` that still gets through (a value out of a column's range) answers 400 too.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)

INT64_MAX = 2**63 - 1
QUERY_MAX = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INTEGER = re.compile(r"\s*[-+]?\d+\s*")


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches only numbers a database integer can hold."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", INT64_MAX)
        super().__init__(map, *args, **kwargs)


def _refuse(message: str):
    return render_template("error.html", code=400, message=message), 400


def _problem() -> str | None:
    if _CONTROL.search(request.path):
        return _("The address contains a control character.")
    for name, value in request.args.items(multi=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            return _("The parameter “%(name)s” contains a control character.", name=_clean(name))
        if len(value) > QUERY_MAX:
            return _("The parameter “%(name)s” is too long (at most %(n)d characters).", name=_clean(name),
                     n=QUERY_MAX)
        if _INTEGER.fullmatch(value) and abs(int(value)) > INT64_MAX:
            return _("The number in “%(name)s” is too large.", name=_clean(name))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if _CONTROL.search(name) or _CONTROL.search(value):
                return _("The field “%(name)s” contains a control character; nothing was saved.", name=_clean(name))
    return None


def _clean(name: str) -> str:
    return _CONTROL.sub("?", name)[:60]


def init_app(app: Flask) -> None:
    """Register the checks; call before any blueprint is registered (the ``int`` converter)."""
    app.url_map.converters["int"] = BoundedInt

    @app.before_request
    def refuse_hostile_input():
        problem = _problem()
        if problem:
            return _refuse(problem)
        return None

    @app.errorhandler(DataError)
    def data_error(exc):
        log.warning("refused a value the database cannot hold: %s", str(exc.orig)[:200])
        return _refuse(_("A value in the request cannot be stored (out of range or malformed); nothing was saved."))
