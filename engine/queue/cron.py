"""The periodic jobs, for ``rq cron -c engine.queue.rqconfig engine.queue.cron`` (RQ's own cron scheduler).

Every ``SWEEP_INTERVAL`` seconds: the timer sweep (catches timers whose job Redis
lost), scheduled processes, deadline-near notices and the outbox flush. One
``rq cron`` process is enough; a second one only enqueues the same idempotent
jobs twice. Read only by that command.
"""
from rq import cron

from engine.queue import MAIL, TIMERS
from engine.queue.jobs import flush_outbox, scan_deadlines, start_schedules, sweep_timers
from engine.figures.jobs import sync_figures
from engine.settings import Settings

_every = Settings.from_env().sweep_interval

cron.register(sweep_timers, queue_name=TIMERS, interval=_every, job_timeout=600)
cron.register(start_schedules, queue_name=TIMERS, interval=max(_every, 60))
cron.register(scan_deadlines, queue_name=TIMERS, interval=max(_every, 60))
cron.register(flush_outbox, queue_name=MAIL, interval=max(_every, 60))
cron.register(sync_figures, queue_name=TIMERS, interval=max(_every, 60))  # KPI roll-ups (engine.figures)
