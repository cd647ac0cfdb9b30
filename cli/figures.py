"""``pflow figures``: bring the KPI roll-ups up to date, or rebuild a month from the audit."""
from __future__ import annotations

import re

import click

from cli.app import main, open_session


@main.group()
def figures():
    """Service figures (KPIs) and their monthly roll-ups."""


@figures.command("sync")
@click.pass_context
def figures_sync(ctx):
    """Re-derive the cases that moved since the last sync and their months."""
    from engine import sync_figures

    with open_session(ctx) as session:
        cases = sync_figures(session)
        session.commit()
    click.echo(f"figures up to date ({cases} cases re-read)")


@figures.command("rebuild")
@click.option("--month", required=True, help="YYYY-MM, e.g. 2026-11")
@click.pass_context
def figures_rebuild(ctx, month):
    """Recompute one month's facts and roll-ups from the audit trail alone."""
    from engine import rebuild_figures_month

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.BadParameter("give the month as YYYY-MM, e.g. 2026-11", param_hint="--month")
    with open_session(ctx) as session:
        cases = rebuild_figures_month(session, month)
        session.commit()
    click.echo(f"{month}: rebuilt from the audit of {cases} cases")
