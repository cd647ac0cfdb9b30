"""The embedded default's scheduler: a loop that starts scheduled processes, fires due timers,
records deadline-near notices and delivers the outbox.

Production runs the same services from RQ jobs instead (``worker.jobs``);
nothing here is needed there. The loop sleeps until the earliest timer due time in the
database, at most ``interval`` seconds (scheduled processes, deadline notices and mail are
swept at that pace); ``wake(due)`` — called after a commit that brought a due time
nearer — shortens the sleep. So a timer fires within a sweep's duration of its due time,
and the loop survives errors in a sweep.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from engine import (
    Instance,
    Settings,
    SweepReport,
    deliver_due_messages,
    fire_due_timers,
    notice_due_soon,
    sms_transport_for,
    start_due_schedules,
    sync_figures,
    transport_for,
)

log = logging.getLogger(__name__)


class TimerLoop:
    """Sweeps due timers with its own sessions, in the calling thread or a daemon thread."""

    def __init__(self, session_factory, settings: Settings,
                 on_report: Callable[[SweepReport], object] | None = None, mailer=None):
        self.session_factory = session_factory
        self.mailer = mailer or transport_for(settings)
        self.sms = sms_transport_for(settings)
        self.interval = settings.sweep_interval
        self.on_report = on_report
        self._stop = threading.Event()
        self._woken = threading.Event()
        self._nearer: datetime | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self, due: datetime | None) -> None:
        """A committed step set a timer due at ``due``: sleep no longer than until then."""
        if due is None:
            return
        with self._lock:
            if self._nearer is None or due < self._nearer:
                self._nearer = due
        self._woken.set()

    def next_due(self) -> datetime | None:
        """The earliest timer due time of a running case (``instances.next_timer_due`` is indexed)."""
        with self.session_factory() as session:
            return session.scalar(select(func.min(Instance.next_timer_due)))

    def wait(self, now: datetime) -> None:
        """Sleep until the next due time, ``interval`` at most, woken by ``wake`` or ``stop``."""
        until = now + timedelta(seconds=self.interval)
        try:
            due = self.next_due()
        except Exception:  # noqa: BLE001 - the database may be restarting: sleep the interval
            log.exception("could not read the next timer due time")
            due = None
        if due is not None and due < until:
            until = due
        while not self._stop.is_set():
            with self._lock:
                if self._nearer is not None and self._nearer < until:
                    until = self._nearer
                self._nearer = None
                self._woken.clear()
            remaining = (until - datetime.now(UTC)).total_seconds()
            if remaining <= 0:
                return
            self._woken.wait(remaining)

    def sweep(self) -> SweepReport:
        """Start due scheduled processes, fire due timers, notice near deadlines, deliver mail, sync the figures."""
        with self.session_factory() as session:
            start_due_schedules(session, datetime.now(UTC))
            report = fire_due_timers(session, datetime.now(UTC), worker="timer-loop")
            notice_due_soon(session, datetime.now(UTC))
            deliver_due_messages(session, self.mailer, datetime.now(UTC), sms=self.sms)
            sync_figures(session)  # the KPI roll-ups (engine.figures)
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
            except BaseException:  # SystemExit and the like: they end the loop's thread only on the main thread
                if threading.current_thread() is threading.main_thread():
                    raise
                log.exception("timer sweep raised a BaseException; the timer loop goes on")
            self.wait(datetime.now(UTC))

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run_forever, name="timer-loop", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        self._woken.set()
        if self._thread:
            self._thread.join(timeout=10)
