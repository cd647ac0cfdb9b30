"""hours_after(when, h) for diagrams: deadlines relative to a time the form gave (before a planned outage)."""
from datetime import UTC, datetime, timedelta, timezone

from engine.org.calendar import WorkCalendar
from engine.scripting.environment import script_helpers

CST = timezone(timedelta(hours=8))


def test_hours_after_and_before_a_given_time():
    helpers = script_helpers(WorkCalendar(), now=lambda: datetime(2026, 11, 23, tzinfo=UTC))
    assert helpers["hours_after"]("2026-11-25T09:00:00+08:00", -24) == "2026-11-24T09:00:00+08:00"
    assert helpers["hours_after"]("2026-11-25T01:00:00Z", 1.5) == "2026-11-25T10:30:00+08:00"
    naive = helpers["hours_after"]("2026-11-25T09:00:00", 24)  # read in the property's timezone
    assert datetime.fromisoformat(naive) == datetime(2026, 11, 26, 9, 0, tzinfo=CST)


def test_working_days_after_a_given_time_not_from_now():
    """A letter received on Friday 2026-11-20 17:00: one working day after it is Monday 17:00, whatever now is."""
    helpers = script_helpers(WorkCalendar(), now=lambda: datetime(2026, 11, 24, tzinfo=UTC))
    assert helpers["working_days_after"]("2026-11-20T17:00:00+08:00", 1) == "2026-11-23T17:00:00+08:00"
    assert helpers["working_days_after"]("2026-11-20T09:00:00Z", 3) == "2026-11-25T17:00:00+08:00"
    naive = helpers["working_days_after"]("2026-09-30T10:00:00", 1)  # after the National Day holiday (调休)
    assert datetime.fromisoformat(naive).date() > datetime(2026, 10, 7).date()
