"""Shared fixtures: each database-backed test runs on SQLite and on PostgreSQL.

PostgreSQL is taken from ``TEST_POSTGRES_URL`` (default: the local server's
``test`` database). Without a reachable server the PostgreSQL variants skip with
the reason, except under CI (``CI=true``), where they fail: CI has the server.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import upgrade
from engine.storage.database import Base, make_engine, make_session_factory

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
    from engine.cases import workflows
    from engine.library import specs

    workflows._cache.clear()
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
    from engine import create_property, deploy, load_folder, store_version

    package = load_folder(packages_dir / "service_request", forms_dir=packages_dir / "forms")
    version = store_version(session, package, author="tester", message="first").version
    props = [create_property(session, "P001", "翠湖花园"), create_property(session, "P002", "滨江苑")]
    deploy(session, version, props, by="tester")
    session.commit()
    return version


# ---- the web app -------------------------------------------------------------------------------

STAFF = {  # user name -> (display name, {property code: [roles]}, is_hq)
    "fd1": ("前台小王", {"P001": ["front_desk"]}, False),
    "fd2": ("前台小周", {"P002": ["front_desk"]}, False),
    "eng1": ("工程老李", {"P001": ["engineering"]}, False),
    "eng1b": ("工程小孙", {"P001": ["engineering"]}, False),
    "sup1": ("客服主任老张", {"P001": ["cs_supervisor"]}, False),
    "hq": ("总部", {}, True),
}


@pytest.fixture
def web_config(db_engine, tmp_path):
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": db_engine.url.render_as_string(hide_password=False),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"), "LOGIN_RATE_LIMIT": "1000 per minute",
    }


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Argon2id with the smallest cost in every test (a real hash costs ~50 ms); test_tasks__inbox checks the
    stored hash is Argon2id, and processes the tests start (the demo, the servers) hash for real."""
    from argon2 import PasswordHasher

    from engine.org import staff


    monkeypatch.setattr(staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def app(web_config, session_factory, deployed, fast_hashing):
    """The web app on the test database, with the fixture process deployed to P001 and P002 and STAFF users."""
    from engine import create_user
    from webapp import create_app

    with session_factory() as s:
        for name, (display, roles, is_hq) in STAFF.items():
            create_user(s, name, display, "password-" + name, roles=roles, is_hq=is_hq)
        s.commit()
    app = create_app(web_config)
    yield app
    app.extensions["pflow_engine"].dispose()


class Browser:
    """A test client with sign-in helpers."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def login(self, username: str, password: str | None = None):
        return self.client.post("/login", data={"username": username, "password": password or "password-" + username})

    def __getattr__(self, name):
        return getattr(self.client, name)


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def as_user(app):
    """as_user('fd1') -> a signed-in client of that user."""
    def make(username: str) -> Browser:
        b = Browser(app)
        assert b.login(username).status_code == 302
        return b
    return make


# --- production: Redis, an SMTP server, the deadline fixture process -------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def redis_conn():
    """Redis for RQ (``TEST_REDIS_URL``, default database 1), emptied before and after the test (FLUSHDB)."""
    from redis.exceptions import RedisError

    from worker import connect

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
    from engine import create_property, deploy, load_folder, store_version

    version = store_version(session, load_folder(packages_dir / "deadline")).version
    deploy(session, version, [create_property(session, "P001", "翠湖花园"), create_property(session, "P002", "滨江苑")])
    session.commit()
    return version


# --- waiting for other processes (RQ workers, gunicorn) without sleeping ---------------------------------------

_WATCHED = ("audit_events", "timer_firings", "outbox")  # what the workers write when they have done something


@pytest.fixture
def db_changes(db_engine):
    """``wait(check, timeout)``: re-run ``check`` each time another process writes to the watched tables.

    A test-only trigger NOTIFYs on every write to them; the test LISTENs and blocks
    until a notification (or the deadline) instead of sleeping. PostgreSQL only.
    """
    import psycopg

    with db_engine.begin() as conn:
        conn.exec_driver_sql("CREATE OR REPLACE FUNCTION pflow_test_notify() RETURNS trigger AS $$ "
                             "BEGIN PERFORM pg_notify('pflow_test', TG_TABLE_NAME); RETURN NULL; END $$ "
                             "LANGUAGE plpgsql")
        for table in _WATCHED:
            conn.exec_driver_sql(f"CREATE OR REPLACE TRIGGER pflow_test_notify AFTER INSERT OR UPDATE ON {table} "
                                 "FOR EACH STATEMENT EXECUTE FUNCTION pflow_test_notify()")
    listener = psycopg.connect(db_engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                               autocommit=True)
    listener.execute("LISTEN pflow_test")

    def wait(check, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while not (value := check()):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"{what}: not after {timeout} s")
            for _ in listener.notifies(timeout=left, stop_after=1):  # blocks until another process writes
                pass
        return value

    yield wait
    listener.close()  # the triggers stay (in the test database) for the run: a NOTIFY nobody hears costs nothing
