"""The embedded default's scheduler: a loop that starts scheduled processes, fires due timers,
records deadline-near notices and delivers the outbox.

Production runs the same services from RQ jobs instead (``engine.queue``);
nothing here is needed there. A timer fires at most ``interval`` seconds late, and the loop
survives errors in a sweep.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Callable

from . import outbox
from .deadlines import notice_due_soon
from .mailer import mailer_for
from .schedules import start_due_schedules
from .settings import Settings
from .timers import SweepReport, fire_due_timers

log = logging.getLogger(__name__)


class TimerLoop:
    """Sweeps due timers with its own sessions, in the calling thread or a daemon thread."""

    def __init__(self, session_factory, interval: float = 5.0,
                 on_report: Callable[[SweepReport], object] | None = None, mailer=None):
        self.session_factory = session_factory
        self.mailer = mailer or mailer_for(Settings.from_env())
        self.interval = interval
        self.on_report = on_report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> SweepReport:
        """Start due scheduled processes, fire due timers, notice near deadlines, deliver mail."""
        with self.session_factory() as session:
            start_due_schedules(session, datetime.now(timezone.utc))
            report = fire_due_timers(session, datetime.now(timezone.utc), worker="timer-loop")
            notice_due_soon(session, datetime.now(timezone.utc))
            outbox.deliver_due(session, self.mailer, datetime.now(timezone.utc))
            from .figures.rollup import sync as sync_figures  # KPI roll-ups (engine.figures)
            sync_figures(session)
            session.commit()
        if self.on_report:
            self.on_report(report)
        return report

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - the loop must outlive a bad sweep (e.g. database restart)
                log.exception("timer sweep failed")
            self._stop.wait(self.interval)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run_forever, name="timer-loop", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
