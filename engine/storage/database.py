"""Database engine and session factory. The caller owns sessions and transactions.

The caller passes the database URL (``Settings.database_url``); the embedded
default is a SQLite file in the working directory. A session factory carries the
process's ``Settings`` (``settings_of(session)``), so engine code that needs a
setting (the public URL in a notice) reads it from the session it was handed.
Nothing here runs at import time.
"""
from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from engine.settings import Settings

DEFAULT_URL = "sqlite:///property-flow.db"


class Base(DeclarativeBase):
    """Declarative base of every engine table."""


def database_went_away(exc: BaseException) -> bool:
    """True if ``exc`` is, or was raised while handling, an ``OperationalError`` (a restart, a cut connection):
    no fault of the case being worked on. (A clean-up that touches the rolled-back session raises an error of its
    own, chained to the one that matters.)"""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, OperationalError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL for ``url`` (None: the embedded SQLite file); ``postgresql://`` uses psycopg 3."""
    url = url or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an Engine; SQLite gets WAL, foreign keys and a busy timeout so writers queue up."""
    url = database_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN (see below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if engine.url.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: no fsync per commit; a power cut may lose the last commits, never corrupts
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # BEGIN IMMEDIATE: a writer takes the write lock up front, so two
            # transactions never both read then fail to upgrade (serialises steps).
            # Readers (see make_session_factory) begin deferred and never wait for writers (WAL).
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
    return engine


READ_ONLY = "pflow_read_only"


def make_session_factory(engine: Engine, *, read_only: bool = False, settings: Settings | None = None) -> sessionmaker:
    """A sessionmaker bound to ``engine`` that keeps loaded objects usable after commit.

    ``read_only`` sessions are for requests that only read (lists, pages): on SQLite
    they do not take the write lock, so they run beside a writer instead of after it.
    They must not write: on SQLite a write there can fail with "database is locked".
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, info={SETTINGS: settings or Settings()})


SETTINGS = "pflow_settings"


def settings_of(session: Session) -> Settings:
    """The settings the session's factory was made with (defaults for a session made elsewhere)."""
    return session.info.get(SETTINGS) or Settings()
