"""Database engine and session factory. The caller owns sessions and transactions.

``DATABASE_URL`` selects the database; the embedded default is a SQLite file in
the working directory. Nothing here runs at import time.
"""
from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

DEFAULT_URL = "sqlite:///property-flow.db"


class Base(DeclarativeBase):
    """Declarative base of every engine table."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``DATABASE_URL``, else the embedded SQLite file."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
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
            if not engine.url.database in (None, "", ":memory:"):
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


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker:
    """A sessionmaker bound to ``engine`` that keeps loaded objects usable after commit.

    ``read_only`` sessions are for requests that only read (lists, pages): on SQLite
    they do not take the write lock, so they run beside a writer instead of after it.
    They must not write: on SQLite a write there can fail with "database is locked".
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    from .migrate import upgrade

    upgrade(engine)
