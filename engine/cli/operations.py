"""Operations commands: the schema, timers, scheduled processes, health."""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from ..db import create_schema
from . import after_commit, main, open_session


@main.command("init-db")
@click.pass_context
def init_db(ctx):
    """Create or upgrade the database schema (Alembic)."""
    create_schema(ctx.obj["engine"])
    click.echo(f"schema up to date on {ctx.obj['engine'].url.render_as_string(hide_password=True)}")


@main.command()
@click.pass_context
def health(ctx):
    """Check the database and (with REDIS_URL) Redis; exit 1 if either fails (container healthchecks)."""
    from ..ops import check_health
    from ..queue import connect
    from ..settings import Settings

    url = Settings.from_env().redis_url
    with open_session(ctx) as session:
        result = check_health(session, connect(url) if url else None)
    click.echo(f"database: {result.database}\nredis: {result.redis}")
    sys.exit(0 if result.ok else 1)


@main.group()
def timers():
    """Durable timers."""


@timers.command("fire")
@click.pass_context
def timers_fire(ctx):
    """Fire every timer due now, once."""
    from ..timers import fire_due_timers

    with open_session(ctx) as session:
        report = fire_due_timers(session, datetime.now(timezone.utc), worker="cli")
        after_commit(session)
    click.echo(f"fired {report.fired} timer(s) on {report.instances} case(s); "
               f"{len(report.failed)} failed {report.failed or ''}; {report.skipped} skipped (locked elsewhere)")
    sys.exit(1 if report.failed else 0)


@main.command("schedules")
@click.pass_context
def schedules_cmd(ctx):
    """Start the instances of scheduled processes whose period has begun (daily rounds, monthly plans)."""
    from ..schedules import start_due_schedules

    with open_session(ctx) as session:
        started = start_due_schedules(session, datetime.now(timezone.utc))
        after_commit(session)
    for instance in started:
        click.echo(f"started {instance.case_no} (instance {instance.id})")
    click.echo(f"{len(started)} scheduled case(s) started")


@timers.command("run")
@click.option("--interval", default=5.0, help="Seconds between sweeps")
@click.pass_context
def timers_run(ctx, interval):
    """Run the in-process timer loop until interrupted (the embedded default's scheduler)."""
    from ..timerloop import TimerLoop

    loop = TimerLoop(ctx.obj["sessions"], interval=interval, on_report=lambda r: r.fired and click.echo(
        f"{datetime.now(timezone.utc):%H:%M:%S} fired {r.fired} timer(s) on {r.instances} case(s)"))
    click.echo(f"timer loop every {interval}s; Ctrl-C to stop")
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
