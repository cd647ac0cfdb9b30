"""The JSON API (``/api/v1/…``) for a mini-program, an app and other systems; OpenAPI at ``/api/openapi.json``.

Built on flask-smorest: each module holds one resource's blueprint, its schemas and
Chinese descriptions with examples; the document is generated from them. Bearer
tokens only (``auth``): no cookie is read or set, so there is nothing for CSRF to
forge. Every API request is rate-limited per token (``API_RATE_LIMIT``), its body
limited (``API_MAX_JSON_BYTES`` for JSON, the app's ``MAX_CONTENT_LENGTH`` for
uploads), and logged once (``pflow.api``) with the token's owner. Errors are JSON
(``errors``). The docs page (``/api/docs``) is Swagger UI served from ``static/``.
"""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_smorest import Api

from ..security import csrf, limiter
from . import auth, cases, docs, errors, notices, resident, tasks, tokens
from .schemas import ErrorSchema

PREFIX = "/api/"
TASK, CASE, CASE_NO = ({"task_id": "$response.body#/items/0/id"}, {"case_id": "$response.body#/id"},
                       {"case_no": "$response.body#/case_no"})
LINKS = {  # (path, method, status) -> {link: (operationId, parameters)}: what a response's values feed
    ("/api/v1/tasks", "get", "200"): {"GetTask": ("getTask", TASK), "ClaimTask": ("claimTask", TASK),
                                      "CompleteTask": ("completeTask", TASK)},
    ("/api/v1/cases", "post", "201"): {"GetCase": ("getCase", CASE), "CommentCase": ("commentCase", CASE)},
    ("/api/v1/me/cases", "post", "201"): {"MyCase": ("myCase", CASE_NO), "CommentMyCase": ("commentMyCase", CASE_NO),
                                          "RateMyCase": ("rateMyCase", CASE_NO)},
}
RESOURCES = (tokens, tasks, cases, notices, resident)


class PflowApi(Api):
    """flask-smorest's Api with our error shape; the app keeps its own error handlers (``webapp.errors``)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):  # the app's handlers answer JSON under /api/ (webapp.errors)
        pass


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "物业服务流程 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "120 per minute")
    app.config.setdefault("API_MAX_JSON_BYTES", 256 * 1024)
    api = PflowApi(spec_kwargs={"info": {"description": docs.DESCRIPTION}})  # one per app: its own document
    api.init_app(app)
    app.extensions["pflow_api"] = api
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                        "description": "Authorization: Bearer pf_…"})
    for module in RESOURCES:
        csrf.exempt(module.blp)
        if not getattr(module.blp, "pflow_limited", False):  # the limiter is one per process: limit a blueprint once
            limiter.limit(_rate_limit, key_func=auth.rate_key)(module.blp)
            module.blp.pflow_limited = True
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.bp)
    _add_links(api)

    @app.before_request
    def _api_before():
        if not is_api_request():
            return None
        if not (request.mimetype or "").startswith("multipart/"):
            request.max_content_length = app.config["API_MAX_JSON_BYTES"]
            if b"\\u0000" in request.get_data() or b"\x00" in request.get_data():  # no text column takes NUL
                return errors.error(400, "nul_character")
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            return errors.error(400, "nul_character")
        if "api_token" not in g:  # (the rate limiter may have asked first)
            auth.authenticate()
        return None

    @app.after_request
    def _api_after(response):
        if is_api_request():  # (also a 429 from the limiter, before the hook above ran)
            response.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-store")
            response.headers.setdefault("Vary", "Authorization, Accept-Language")
            auth.log_request(response)
        return response


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _add_links(api: Api) -> None:
    """OpenAPI links (clients and schemathesis' stateful tests follow them) on the generated responses."""
    paths = api.spec._paths  # apispec keeps the registered paths here; flask-smorest has no links option
    for (path, method, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {name: {"operationId": op, "parameters": params} for name, (op, params) in links.items()}
