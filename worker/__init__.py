"""The worker side: RQ jobs on Redis (production) and the in-process timer loop (the embedded default).

A caller of the engine, beside the web app and the CLI; the engine never imports it.
Redis keeps nothing the engine cannot rebuild: every timer and case lives in the
database, and a periodic sweep catches whatever Redis lost.

- ``enqueue`` — hand what a committed transaction left (new due times, mail) to RQ;
  the web app, the CLI and the jobs call ``enqueue.after_commit``;
- ``jobs`` — the job functions RQ workers run (thin callers of the engine);
- ``main`` — ``pflow-worker``: starts an RQ worker or the periodic-job scheduler with the settings read once;
- ``timerloop`` — the embedded default's scheduler thread;
- ``operations`` — what operators watch (health, queues, incidents, timer lateness).
"""
from __future__ import annotations

from redis import Redis

TIMERS = "timers"  # timer firings and sweeps: time-critical, short
MAIL = "mail"  # outbox delivery: may wait on an SMTP server
QUEUES = (TIMERS, MAIL)  # the order a worker takes them in


def connect(url: str) -> Redis:
    """A Redis connection for RQ (``REDIS_URL``), with timeouts so a dead Redis fails fast."""
    return Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
