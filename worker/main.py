"""``pflow-worker``: an RQ worker or the periodic-job scheduler, with the settings read once at start.

``pflow-worker work`` runs RQ's ``SimpleWorker`` on the ``timers`` and ``mail``
queues, with RQ's scheduler (which moves jobs enqueued for a due time onto their
queue when it comes). ``pflow-worker cron`` registers the periodic jobs with
RQ's own ``CronScheduler`` every ``SWEEP_INTERVAL`` seconds: the timer sweep
(catches timers whose job Redis lost), scheduled processes, deadline-near
notices, the outbox flush and the KPI roll-ups. One cron process is enough; a second one only
enqueues the same idempotent jobs twice. Workers are ``SimpleWorker``s: the jobs
are short database transactions, and forking per job threw away the connection
pool and the parsed diagrams each time.
"""
from __future__ import annotations

import os

import click
from rq.cron import CronScheduler
from rq.worker import SimpleWorker

from engine import Settings, configure_logging
from worker import MAIL, QUEUES, TIMERS, connect, jobs


def _start() -> Settings:
    settings = Settings.from_env(os.environ)
    if not settings.redis_url:
        raise click.UsageError("REDIS_URL is not set: RQ workers need Redis (the embedded default is pflow-web)")
    configure_logging(settings)
    jobs.configure(settings)
    return settings


@click.group()
def main() -> None:
    """Production's background processes (PostgreSQL and Redis)."""


@main.command()
@click.argument("queues", nargs=-1)
@click.option("--scheduler/--no-scheduler", default=True, show_default=True,
              help="Also run RQ's scheduler (moves jobs enqueued for a time onto their queue)")
def work(queues: tuple[str, ...], scheduler: bool) -> None:
    """Run jobs from QUEUES (default: timers, then mail) until stopped."""
    settings = _start()
    redis = connect(settings.redis_url)
    SimpleWorker(list(queues or QUEUES), connection=redis).work(with_scheduler=scheduler)


@main.command()
def cron() -> None:
    """Enqueue the periodic jobs every SWEEP_INTERVAL seconds until stopped."""
    settings = _start()
    every = settings.sweep_interval
    scheduler = CronScheduler(connection=connect(settings.redis_url))
    scheduler.register(jobs.sweep_timers, queue_name=TIMERS, interval=every, job_timeout=600)
    scheduler.register(jobs.start_schedules, queue_name=TIMERS, interval=max(every, 60))
    scheduler.register(jobs.scan_deadlines, queue_name=TIMERS, interval=max(every, 60))
    scheduler.register(jobs.flush_outbox, queue_name=MAIL, interval=max(every, 60))
    scheduler.register(jobs.sync_kpi_figures, queue_name=TIMERS, interval=max(every, 60))  # engine.figures
    scheduler.start()
