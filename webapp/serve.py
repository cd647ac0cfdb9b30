"""``pflow-web``: the embedded default's web server (waitress) with the in-process timer loop.

Production runs the same app under gunicorn with RQ workers for timers instead
(see docker-compose.yml); this entry point is for one machine, listening on
localhost unless told otherwise.
"""
from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--timer-interval", default=5.0, show_default=True, help="Seconds between timer sweeps")
@click.option("--no-timers", is_flag=True, help="Do not run the in-process timer loop")
def main(host: str, port: int, threads: int, timer_interval: float, no_timers: bool) -> None:
    """Upgrade the schema, then serve the task inbox (timers fire in this process)."""
    from waitress import create_server

    from . import create_app

    app = create_app({"MIGRATE_ON_START": True, "TIMER_LOOP": not no_timers, "TIMER_INTERVAL": timer_interval})
    server = create_server(app, host=host, port=port, threads=threads, ident="property-flow")
    # printed once the socket listens: scripts and tests wait for this line
    click.echo(f"property-flow listening on http://{host}:{port}/ (timers {'off' if no_timers else 'on'})")
    server.run()
