"""The database schema: Alembic migrations (``alembic/versions``), run from code by the CLI, the web app, the tests."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "alembic"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (default: the latest)."""
    command.upgrade(alembic_config(engine), revision)


def create_schema(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (what ``pflow init-db`` and ``pflow-web`` run)."""
    upgrade(engine)
