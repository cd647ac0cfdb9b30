"""The script environment of a property: the sandbox plus the helpers diagrams may call.

Timer expressions such as ``working_days(3)`` must follow the property's own
extra days off and on, so each property gets its own script engine. Engines are
cached per (property, calendar) and rebuilt when the property's calendar changes.
The helpers: ``working_days(n)``, ``hours_from_now(h)``, ``hours_after(when, h)``,
``is_working_day(day)``, ``notify(to, message)`` and ``start_case(process, data)``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from engine.caching import LockedLRU
from engine.org.calendar import WorkCalendar, as_date, calendar_for
from engine.scripting.bounds import Limits
from engine.scripting.requests import notify, start_case
from engine.scripting.sandbox import make_script_engine
from engine.settings import Settings

# (property id, timezone, days off, workdays) -> script engine; one calendar per property is kept
_engines: LockedLRU[tuple, object] = LockedLRU(1024)


def script_helpers(calendar: WorkCalendar, now: Callable[[], datetime] | None = None) -> dict[str, Callable]:
    """Functions diagrams call: ``working_days(n)``, ``working_days_after(when, n)``, ``hours_from_now(h)``,
    ``hours_after(when, h)``, ``is_working_day(day)``.

    ``working_days_after`` counts from an ISO time a form gave (a complaint's receipt),
    not from now; a naive one is read in the calendar's timezone.

    ``hours_after`` adds ``h`` hours (negative: before) to an ISO time a form gave, a naive
    one read in the calendar's timezone: "announce 24 hours before ``start_at``".

    Results are timezone-aware ISO strings, as SpiffWorkflow's timeDate timers need.
    ``now`` defaults to the current UTC time, read at each call.
    """
    clock = now or (lambda: datetime.now(UTC))

    def working_days(n):
        return calendar.add_working_days(clock(), int(n)).isoformat()

    def working_days_after(when, n):
        start = datetime.fromisoformat(str(when))
        if start.tzinfo is None:
            start = start.replace(tzinfo=calendar.tz)
        return calendar.add_working_days(start, int(n)).isoformat()

    def hours_from_now(h):
        return (clock().astimezone(calendar.tz) + timedelta(hours=float(h))).isoformat()

    def hours_after(when, h):
        start = datetime.fromisoformat(str(when))
        if start.tzinfo is None:
            start = start.replace(tzinfo=calendar.tz)
        return (start.astimezone(calendar.tz) + timedelta(hours=float(h))).isoformat()

    def is_working_day(day):
        return calendar.is_working_day(as_date(str(day)[:10]))

    return {"working_days": working_days, "working_days_after": working_days_after, "hours_from_now": hours_from_now,
            "hours_after": hours_after, "is_working_day": is_working_day}


def script_engine_for(prop, settings: Settings | None = None):
    """The (cached) restricted script engine for a ``Property``, its scripts bounded as ``settings`` say."""
    settings = settings or Settings()
    limits = Limits(cpu_seconds=settings.script_cpu_seconds, memory_mb=settings.script_memory_mb)
    key = (prop.id, prop.timezone, tuple(prop.extra_days_off or ()), tuple(prop.extra_workdays or ()), limits)
    engine = _engines.get(key)
    if engine is None:
        helpers = script_helpers(calendar_for(prop))
        helpers["notify"] = notify
        helpers["start_case"] = start_case
        engine = make_script_engine(helpers, limits)
        _engines.discard_where(lambda k: k[0] != prop.id)  # the property's calendar changed
        _engines.put(key, engine)
    return engine
