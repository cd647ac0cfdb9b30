"""The ``pflow`` command group and what every command shares: the settings, a session, the hand-off to RQ."""
from __future__ import annotations

import os

import click

from engine import EngineError, FormInvalid, PackageInvalid, Settings, make_engine, make_session_factory
from worker import connect
from worker.enqueue import after_commit as hand_off


def open_session(ctx):
    return ctx.obj["sessions"]()


def settings_of(ctx) -> Settings:
    return ctx.obj["settings"]


def after_commit(ctx, session):
    """With ``REDIS_URL`` set (production), hand the committed step's due times and mail to the RQ workers."""
    url = settings_of(ctx).redis_url
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
@click.option("--database-url", default=None, help="Default: DATABASE_URL, else sqlite:///property-flow.db")
@click.pass_context
def main(ctx, database_url):
    """Property-service workflow engine (物业服务流程引擎)."""
    settings = Settings.from_env(os.environ)
    url = database_url or settings.database_url
    engine = make_engine(url)
    ctx.obj = {"settings": settings, "engine": engine, "sessions": make_session_factory(engine, settings=settings)}
