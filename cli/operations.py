"""Operations commands: the schema, timers, scheduled processes, health."""
from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from cli.app import after_commit, main, open_session, settings_of
from engine import create_schema


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
    from worker import connect
    from worker.operations import check_health

    url = settings_of(ctx).redis_url
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
    from engine import fire_due_timers

    with open_session(ctx) as session:
        report = fire_due_timers(session, datetime.now(UTC), worker="cli")
        after_commit(ctx, session)
    click.echo(f"fired {report.fired} timer(s) on {report.instances} case(s); "
               f"{len(report.failed)} failed {report.failed or ''}; {report.skipped} skipped (locked elsewhere)")
    sys.exit(1 if report.failed else 0)


@main.command("schedules")
@click.pass_context
def schedules_cmd(ctx):
    """Start the instances of scheduled processes whose period has begun (daily rounds, monthly plans)."""
    from engine import start_due_schedules

    with open_session(ctx) as session:
        started = start_due_schedules(session, datetime.now(UTC))
        after_commit(ctx, session)
    for instance in started:
        click.echo(f"started {instance.case_no} (instance {instance.id})")
    click.echo(f"{len(started)} scheduled case(s) started")


@timers.command("run")
@click.option("--sweep-interval", type=click.IntRange(min=1), default=None,
              help="Seconds between sweeps (default: SWEEP_INTERVAL, else 30)")
@click.pass_context
def timers_run(ctx, sweep_interval):
    """Run the in-process timer loop until interrupted (the embedded default's scheduler)."""
    from dataclasses import replace

    from worker.timerloop import TimerLoop

    settings = settings_of(ctx)
    if sweep_interval:
        settings = replace(settings, sweep_interval=sweep_interval)
    loop = TimerLoop(ctx.obj["sessions"], settings, on_report=lambda r: r.fired and click.echo(
        f"{datetime.now(UTC):%H:%M:%S} fired {r.fired} timer(s) on {r.instances} case(s)"))
    click.echo(f"timer loop every {settings.sweep_interval}s; Ctrl-C to stop")
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
