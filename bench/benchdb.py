"""What every benchmark does first on PostgreSQL: the database made where it is missing (a fresh machine has
only ``postgres``, ``root`` and ``test``), its ``public`` schema dropped and made anew."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from engine import make_engine


def ensure_database(engine: Engine) -> None:
    """CREATE DATABASE for ``engine``'s database unless it exists (through the server's ``postgres`` database)."""
    url = engine.url
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}).scalar():
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def fresh_schema(engine: Engine) -> None:
    """An empty ``public`` schema on PostgreSQL (the database made first where missing); SQLite: nothing."""
    if engine.dialect.name != "postgresql":
        return
    ensure_database(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
