"""Working days (工作日) on the official Chinese calendar, with make-up days and per-property days.

Public holidays and make-up working days (调休) come from the ``holidays``
package's China calendar. The government publishes each year's schedule late in
the year before, so the package only knows years up to some point: for a later
date the calendar falls back to Monday–Friday (plus the property's own days) and
logs one warning per year instead of failing.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

import holidays

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


@lru_cache(maxsize=1)
def covered_until() -> int:
    """The last year for which the package has the official schedule (make-up days or substitutions)."""
    known = holidays.China(years=range(2000, date.today().year + 6))
    years = {d.year for d in known.weekend_workdays}
    years |= {d.year for d, name in known.items() if "substitut" in name.lower()}
    return max(years)


@lru_cache(maxsize=64)
def _official_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, make-up working days) of ``year`` from the package."""
    cn = holidays.China(years=year)
    return frozenset(cn.keys()), frozenset(d for d in cn.weekend_workdays if d.year == year)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class WorkCalendar:
    """A property's working-day calendar: the official one plus its own extra days off and on."""

    def __init__(self, extra_days_off: Iterable[date | str] = (), extra_workdays: Iterable[date | str] = (),
                 tz: str | tzinfo = "Asia/Shanghai"):
        self.extra_days_off = frozenset(_as_date(d) for d in extra_days_off)
        self.extra_workdays = frozenset(_as_date(d) for d in extra_workdays)
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is a working day at this property."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_days_off:
            return False
        if day.year > covered_until():
            if day.year not in _warned_years:
                _warned_years.add(day.year)
                log.warning("no official holiday schedule for %s in the holidays package; "
                            "counting Monday-Friday as working days", day.year)
            return day.weekday() < 5
        days_off, makeup = _official_year(day.year)
        if day in makeup:
            return True
        return day.weekday() < 5 and day not in days_off

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The same wall-clock time on the n-th working day after ``start``'s date (aware, in this timezone).

        ``start``'s own date never counts; n=0 returns ``start``. Naive datetimes are read as UTC.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        local = start.astimezone(self.tz)
        day, left = local.date(), n
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return datetime.combine(day, local.timetz()).replace(tzinfo=self.tz)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


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
    clock = now or (lambda: datetime.now(timezone.utc))

    def working_days(n):
        return calendar.add_working_days(clock(), int(n)).isoformat()

    def working_days_after(when, n):
        start = datetime.fromisoformat(str(when))
        return calendar.add_working_days(start if start.tzinfo else start.replace(tzinfo=calendar.tz), int(n)).isoformat()

    def hours_from_now(h):
        return (clock().astimezone(calendar.tz) + timedelta(hours=float(h))).isoformat()

    def hours_after(when, h):
        start = datetime.fromisoformat(str(when))
        if start.tzinfo is None:
            start = start.replace(tzinfo=calendar.tz)
        return (start.astimezone(calendar.tz) + timedelta(hours=float(h))).isoformat()

    def is_working_day(day):
        return calendar.is_working_day(_as_date(str(day)[:10]))

    return {"working_days": working_days, "working_days_after": working_days_after, "hours_from_now": hours_from_now, "hours_after": hours_after,
            "is_working_day": is_working_day}
