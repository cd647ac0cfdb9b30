"""Alembic environment: the database engine comes from ``config.attributes`` (``engine.storage.schema``)."""
from alembic import context

from engine.storage import models  # noqa: F401  (registers the tables)
from engine.storage.database import Base

config = context.config


def render_item(type_, obj, autogen_context):
    """Render the models' UTC datetime as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False

engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=engine.dialect.name == "sqlite", render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
