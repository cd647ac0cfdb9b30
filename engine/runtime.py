"""Per-property script engines: the restricted environment with that property's calendar.

Timer expressions such as ``working_days(3)`` must follow the property's own
extra days off and on, so each property gets its own script engine. Engines are
cached per (property, calendar) and rebuilt when the property's calendar changes.
"""
from __future__ import annotations

from threading import Lock

from .linked_cases import start_case
from .notices import notify
from .scripting import make_script_engine
from .workdays import WorkCalendar, script_helpers

_engines: dict[tuple, object] = {}
_lock = Lock()


def calendar_for(prop) -> WorkCalendar:
    """The working-day calendar of a ``Property`` (official calendar plus its own days)."""
    return WorkCalendar(extra_days_off=prop.extra_days_off or (), extra_workdays=prop.extra_workdays or (),
                        tz=prop.timezone or "Asia/Shanghai")


def script_engine_for(prop):
    """The (cached) restricted script engine for a ``Property``."""
    key = (prop.id, prop.timezone, tuple(prop.extra_days_off or ()), tuple(prop.extra_workdays or ()))
    with _lock:
        engine = _engines.get(key)
    if engine is None:
        helpers = script_helpers(calendar_for(prop))
        helpers["notify"] = notify
        helpers["start_case"] = start_case
        engine = make_script_engine(helpers)
        with _lock:
            for stale in [k for k in _engines if k[0] == prop.id]:
                del _engines[stale]
            _engines[key] = engine
    return engine
