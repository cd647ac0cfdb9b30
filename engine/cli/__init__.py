"""``pflow``: thin command-line wrappers over the engine services; each prints what it did.

The commands live in one module per concern: ``library`` (validate, load, deploy, migrate,
roll back, demo), ``properties``, ``users``, ``cases`` (start, complete, list) and
``operations`` (schema, timers, schedules, health).
"""
from __future__ import annotations

import click

from ..db import make_engine, make_session_factory
from ..exceptions import EngineError, FormInvalid, PackageInvalid


def open_session(ctx):
    return ctx.obj["sessions"]()


def after_commit(session):
    """With ``REDIS_URL`` set (production), hand the committed step's due times and mail to the RQ workers."""
    from ..queue import connect
    from ..queue.enqueue import after_commit as hand_off
    from ..settings import Settings

    url = Settings.from_env().redis_url
    hand_off(session, connect(url) if url else None)


def fail(exc: EngineError):
    if isinstance(exc, PackageInvalid):
        for problem in exc.problems:
            click.echo(f"  ✗ {problem}", err=True)
        raise SystemExit(2)
    if isinstance(exc, FormInvalid):
        for error in exc.errors:
            click.echo(f"  ✗ {error.field or '(form)'}: {error.message}", err=True)
        raise SystemExit(2)
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


@click.group()
@click.option("--database-url", envvar="DATABASE_URL", default=None, help="Default: sqlite:///property-flow.db")
@click.pass_context
def main(ctx, database_url):
    """Property-service workflow engine (物业服务流程引擎)."""
    engine = make_engine(database_url)
    ctx.obj = {"engine": engine, "sessions": make_session_factory(engine)}


from . import cases, figures, library, operations, properties, users  # noqa: E402,F401 - registers the commands
