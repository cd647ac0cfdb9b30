"""One engine per app, one session per request; the in-process scheduler for the embedded default.

After each request, what it committed (new timer due times, mail) is handed to the
RQ workers when ``REDIS_URL`` is set (production).
"""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request

from engine import create_schema, make_engine, make_session_factory
from worker import connect
from worker.enqueue import after_commit
from worker.timerloop import TimerLoop


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    engine = make_engine(app.config["DATABASE_URL"])
    # production: Redis for the RQ workers; the embedded default has none (the in-process loop sweeps)
    app.extensions["pflow_redis"] = connect(app.config["REDIS_URL"]) if app.config.get("REDIS_URL") else None
    app.extensions["pflow_engine"] = engine
    app.extensions["pflow_sessions"] = make_session_factory(engine, settings=settings)
    app.extensions["pflow_read_sessions"] = make_session_factory(engine, read_only=True, settings=settings)
    app.teardown_appcontext(_close)


def get_session():
    """The request's session (the view commits; teardown rolls back whatever it did not).

    GET and HEAD requests only read: their session does not queue behind writers on SQLite.
    """
    if "db_session" not in g:
        reading = has_request_context() and request.method in ("GET", "HEAD")
        g.db_session = current_app.extensions["pflow_read_sessions" if reading else "pflow_sessions"]()
    return g.db_session


def get_redis():
    """The app's Redis connection (None on the embedded default)."""
    return current_app.extensions["pflow_redis"]


def _close(_exc):
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        # what the request committed (new due times, mail) goes to the RQ workers; without Redis, a nearer
        # due time wakes the in-process timer loop
        items = after_commit(session, current_app.extensions["pflow_redis"])
        loop = current_app.extensions.get("pflow_timer_loop")
        if loop is not None and items.due:
            loop.wake(min((due for due in items.due.values() if due is not None), default=None))
        session.close()


def migrate(app: Flask) -> None:
    create_schema(app.extensions["pflow_engine"])


def start_timer_loop(app: Flask):
    """Start the scheduler thread (timers, scheduled processes) in this process."""
    loop = TimerLoop(app.extensions["pflow_sessions"], app.config["SETTINGS"])
    app.extensions["pflow_timer_loop"] = loop
    loop.start()
    return loop
