"""Shared fixtures: each database-backed test runs on SQLite and on PostgreSQL.

PostgreSQL is taken from ``TEST_POSTGRES_URL`` (default: the local server's
``test`` database). Without a reachable server the PostgreSQL variants skip with
the reason, except under CI (``CI=true``), where they fail: CI has the server.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.db import Base, make_engine, make_session_factory
from engine.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_engine():
    engine = make_engine(PG_URL, pool_size=10)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001
        engine.dispose()
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI needs PostgreSQL at {PG_URL}: {exc}") from exc
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc.__class__.__name__}); set TEST_POSTGRES_URL")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_engine(request, tmp_path_factory):
    """A migrated database engine, once per backend for the whole run."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    else:
        engine = _pg_engine()
    upgrade(engine)
    yield engine
    engine.dispose()


def _wipe(engine):
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def session_factory(db_engine):
    """A sessionmaker on a database emptied after the test (tests commit for real)."""
    yield make_session_factory(db_engine)
    _wipe(db_engine)
    from engine import specs, store

    store._cache.clear()
    specs._versions.clear()


@pytest.fixture
def session(session_factory):
    with session_factory() as s:
        yield s


@pytest.fixture
def packages_dir() -> Path:
    return FIXTURES / "packages"


@pytest.fixture
def deployed(session, packages_dir):
    """The fixture ``service_request`` process stored and deployed to two properties, committed."""
    from engine.packages import load_folder
    from engine.processes import store_version
    from engine.properties import create_property, deploy

    package = load_folder(packages_dir / "service_request", forms_dir=packages_dir / "forms")
    version = store_version(session, package, author="tester", message="first").version
    props = [create_property(session, "P001", "翠湖花园"), create_property(session, "P002", "滨江苑")]
    deploy(session, version, props, by="tester")
    session.commit()
    return version


# --- production: Redis, an SMTP server, the deadline fixture process -------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def redis_conn():
    """Redis for RQ (``TEST_REDIS_URL``, default database 1), emptied before and after the test (FLUSHDB)."""
    from redis.exceptions import RedisError

    from engine.queue import connect

    conn = connect(REDIS_URL)
    try:
        conn.ping()
    except RedisError as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI needs Redis at {REDIS_URL}: {exc}") from exc
        pytest.skip(f"Redis not reachable at {REDIS_URL}; set TEST_REDIS_URL")
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 in this project's test range (5201-5299)."""
    import socket

    for port in range(5201, 5300):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5201-5299")


class SmtpInbox:
    """What a test SMTP server received; set ``refuse`` to an SMTP reply to turn mail away."""

    def __init__(self):
        self.messages: list = []
        self.refuse: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 in this process; yields (inbox, smtp URL)."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


@pytest.fixture
def deadline_deployed(session, packages_dir):
    """The ``deadline`` fixture process (a task with a ``delay_seconds`` deadline) deployed to P001 and P002."""
    from engine.packages import load_folder
    from engine.processes import store_version
    from engine.properties import create_property, deploy

    version = store_version(session, load_folder(packages_dir / "deadline")).version
    deploy(session, version, [create_property(session, "P001", "翠湖花园"), create_property(session, "P002", "滨江苑")])
    session.commit()
    return version
