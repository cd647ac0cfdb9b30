"""The task-inbox web app: a thin Flask layer over ``engine``.

``create_app(config=None)`` reads the product's settings once from the environment
(``engine.Settings``: ``DATABASE_URL``, ``REDIS_URL``, ``SWEEP_INTERVAL``, mail …), then
the web app's own: defaults, ``instance/config.py``, ``PFLOW_*`` environment
variables, then ``config`` (tests; a ``SETTINGS`` entry replaces the environment's).
Nothing reads configuration at import time.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path

from flask import Flask

from engine import Settings

DEFAULTS = {
    "DATABASE_URL": None,               # engine default: sqlite:///property-flow.db
    "REDIS_URL": None,                  # production: RQ workers on Redis (then TIMER_LOOP stays off)
    "MIGRATE_ON_START": False,          # upgrade the schema in create_app (set by `pflow-web`)
    "TIMER_LOOP": False,                # run the in-process scheduler (embedded default; set by `pflow-web`)
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "ATTACHMENT_TYPES": ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"],
    "LOGIN_RATE_LIMIT": "10 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "BABEL_DEFAULT_LOCALE": "zh",
    "PER_PAGE": 25,
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` (tests) overrides everything else."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    settings = (config or {}).get("SETTINGS") or Settings.from_env(os.environ)
    app.config.update(DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PFLOW")
    if config:
        app.config.update(config)
    # the settings the engine gets: the environment's, with the database and Redis the app was given
    app.config["SETTINGS"] = replace(settings, database_url=app.config["DATABASE_URL"],
                                     redis_url=app.config["REDIS_URL"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _dev_secret(Path(app.instance_path))
    app.config.setdefault("ATTACHMENT_DIR", str(Path(app.instance_path) / "attachments"))

    from . import (
        admin,
        api,
        auth,
        bulk,
        cases,
        casesearch,
        db,
        display,
        errors,
        figures,
        hostile,
        households,
        i18n,
        inbox,
        library,
        migrations,
        notices,
        properties,
        records,
        resident,  # noqa: F401 - the portal blueprint; resident_pages adds its pages
        resident_pages,
        rollout,
        security,
        staff,
        surveys,
        tasks,
    )

    hostile.init_app(app)  # first: its int converter must be in place before any route
    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    display.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(casesearch.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin.health_bp)
    app.register_blueprint(resident_pages.bp)  # the resident portal (/r/, ``resident``), its own sign-in
    app.register_blueprint(households.bp)  # the household register (front desk)
    app.register_blueprint(figures.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(surveys.public)
    api.init_app(app)  # the JSON API (/api/v1/…), its OpenAPI document and docs page
    for owners in (library, rollout, properties, migrations):
        app.register_blueprint(owners.bp)
    if app.config["MIGRATE_ON_START"]:
        db.migrate(app)
    if app.config["TIMER_LOOP"]:
        db.start_timer_loop(app)
    return app


def _dev_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder (never in the repository)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
