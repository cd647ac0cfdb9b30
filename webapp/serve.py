"""``pflow-web``: the embedded default's web server (waitress) with the in-process timer loop.

Production runs the same app under gunicorn with RQ workers for timers instead
(see docker-compose.yml); this entry point is for one machine, listening on
localhost unless told otherwise.
"""
from __future__ import annotations

import os
from dataclasses import replace

import click

from engine import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int, help="0: any free port (printed)")
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--sweep-interval", type=click.IntRange(min=1), default=None,
              help="Seconds between timer sweeps (default: SWEEP_INTERVAL, else 5 here)")
@click.option("--no-timers", is_flag=True, help="Do not run the in-process timer loop")
def main(host: str, port: int, threads: int, sweep_interval: int | None, no_timers: bool) -> None:
    """Upgrade the schema, then serve the task inbox (timers fire in this process)."""
    import gc

    from waitress import create_server

    from . import create_app
    from .heap import trimming

    settings = Settings.from_env(os.environ)
    if sweep_interval or "SWEEP_INTERVAL" not in os.environ:  # the embedded default sweeps every 5 s
        settings = replace(settings, sweep_interval=sweep_interval or 5)
    app = create_app({"MIGRATE_ON_START": True, "TIMER_LOOP": not no_timers, "SETTINGS": settings})
    server = create_server(trimming(app), host=host, port=port, threads=threads, ident="property-flow")
    # what start-up built (modules, the app, parsed specs) lives as long as the process: the garbage
    # collector need not walk it again at every full collection
    gc.collect()
    gc.freeze()
    # printed once the socket listens: scripts and tests wait for this line
    # (with --port 0 the system picks a free port: the line names the one it picked)
    port = getattr(server, "effective_port", port)
    click.echo(f"property-flow listening on http://{host}:{port}/ (timers {'off' if no_timers else 'on'})")
    server.run()
