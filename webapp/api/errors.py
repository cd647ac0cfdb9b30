"""The API's errors: JSON ``{code, message, errors?}``, the message in Chinese (English with Accept-Language: en).

``error(status, code, message, errors=None)`` builds the answer; ``answer(exc)`` turns an
HTTP exception (404, 413, 429, webargs' 422 …) into one; ``engine_error(exc)`` an engine refusal.
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from engine import Conflict, EngineError, FormInvalid, NotAllowed, NotFound

from ..formrender import friendly
from ..messages import explain

CODES = {
    400: ("bad_request", _l("The request was not understood.")),
    401: ("unauthorized", _l("A valid bearer token is needed (Authorization: Bearer …).")),
    403: ("forbidden", _l("You may not do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    406: ("not_acceptable", _l("The request was not understood.")),
    409: ("conflict", _l("Someone else changed this first; reload and try again.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send JSON (Content-Type: application/json).")),
    422: ("invalid", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many requests; wait a minute and try again.")),
    500: ("server_error", _l("Something went wrong.")),
}


def error(status: int, code: str | None = None, message: str | None = None, errors: dict | None = None):
    """The JSON error answer with ``status``."""
    default_code, default_message = CODES.get(status, CODES[400] if status < 500 else CODES[500])
    body: dict = {"code": code or default_code, "message": message or str(default_message)}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    """webargs' nested ``{"json": {"field": ["msg"]}}`` as ``{"field": "msg"}``."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key) if key not in ("json", "query", "form", "files", "headers") or prefix else ""
            path = f"{prefix}.{name}".strip(".") if name else prefix
            out.update(_flatten(value, path))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix] = friendly(messages[0])
    elif isinstance(messages, list):
        for item in messages:
            out.update(_flatten(item, prefix))
    else:
        out[prefix] = str(messages)
    return out


def answer(exc: HTTPException):
    """An HTTP exception as JSON (webargs' field messages under ``errors``)."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = _flatten(data["messages"]) if isinstance(data, dict) and data.get("messages") else None
    return error(status, errors=errors)


def engine_error(exc: EngineError):
    """An engine refusal: ``FormInvalid`` 422 with each field's error, ``NotFound`` 404, ``Conflict`` 409,
    ``NotAllowed`` 403 (400 for what the caller sent); the message in the request's language."""
    if isinstance(exc, FormInvalid):
        errors: dict[str, str] = {}
        for item in exc.errors:
            errors.setdefault(item.field or "", friendly(item.message))
        return error(422, "form_invalid", errors=errors)
    if isinstance(exc, NotFound):
        return error(404)
    if isinstance(exc, Conflict):
        return error(409, exc.code or "conflict", explain(exc) if exc.code else None)
    if isinstance(exc, NotAllowed):
        return error(400 if exc.code in INPUT_CODES else 403, exc.code or "not_allowed", explain(exc))
    return error(400, exc.code or "refused", explain(exc))


INPUT_CODES = {"comment_empty", "comment_long", "file_empty", "file_large", "file_type", "no_property",
               "rating", "signoff_note", "report_kind", "not_your_household", "token_scope", "token_days"}
