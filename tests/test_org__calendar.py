"""Working days on the official Chinese calendar: holidays, make-up days (调休), a property's own days."""
import logging
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import time_machine

from engine.org import calendar
from engine.org.calendar import WorkCalendar
from engine.scripting.environment import script_helpers

CST = timezone(timedelta(hours=8))
cal = WorkCalendar()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=CST)


def test_national_day_2026_is_off_and_the_next_working_day_is_october_8():
    for day in range(1, 8):
        assert not cal.is_working_day(date(2026, 10, day)), f"2026-10-0{day} is part of the holiday"
    assert cal.add_working_days(at(date(2026, 9, 30)), 1) == at(date(2026, 10, 8))


def test_make_up_saturday_and_sunday_are_working_days():
    assert date(2026, 10, 10).weekday() == 5 and cal.is_working_day(date(2026, 10, 10))  # 调休 Saturday
    assert date(2026, 9, 20).weekday() == 6 and cal.is_working_day(date(2026, 9, 20))  # 调休 Sunday
    assert not cal.is_working_day(date(2026, 10, 17))  # an ordinary Saturday
    # Friday 9 Oct + 1 working day is the make-up Saturday, not Monday
    assert cal.add_working_days(at(date(2026, 10, 9)), 1) == at(date(2026, 10, 10))
    assert cal.add_working_days(at(date(2026, 9, 19)), 1) == at(date(2026, 9, 20))


def test_fifteen_working_days_across_the_holiday():
    # from Fri 25 Sep (Mid-Autumn, itself off) : Sep 28, 29, 30, Oct 8, 9, 10(调休), 12..16, 19..22
    due = cal.add_working_days(at(date(2026, 9, 25)), 15)
    assert due == at(date(2026, 10, 22))
    assert cal.working_days_between(date(2026, 9, 25), date(2026, 10, 22)) == 15


def test_three_working_days_over_an_ordinary_weekend_keeps_the_time_of_day():
    assert cal.add_working_days(at(date(2026, 11, 20), 16), 3) == at(date(2026, 11, 25), 16)
    assert cal.add_working_days(at(date(2026, 11, 20), 16), 0) == at(date(2026, 11, 20), 16)
    with pytest.raises(ValueError):
        cal.add_working_days(at(date(2026, 11, 20)), -1)


def test_a_propertys_own_days_off_and_on():
    own = WorkCalendar(extra_days_off=["2026-11-24"], extra_workdays=[date(2026, 11, 28)])
    assert not own.is_working_day(date(2026, 11, 24))  # a Tuesday the property closes
    assert own.is_working_day(date(2026, 11, 28))  # a Saturday it works
    assert own.add_working_days(at(date(2026, 11, 23)), 1) == at(date(2026, 11, 25))
    assert own.add_working_days(at(date(2026, 11, 27)), 1) == at(date(2026, 11, 28))
    assert cal.add_working_days(at(date(2026, 11, 23)), 1) == at(date(2026, 11, 24))  # others unaffected


def test_a_year_beyond_the_official_data_falls_back_to_weekdays_with_one_warning(caplog, monkeypatch):
    beyond = calendar.covered_until() + 1
    monkeypatch.setattr(calendar, "_warned_years", set())
    monday = next(date(beyond, 3, d) for d in range(1, 8) if date(beyond, 3, d).weekday() == 0)
    with caplog.at_level(logging.WARNING, logger="engine.org.calendar"):
        assert cal.is_working_day(monday)
        assert not cal.is_working_day(monday + timedelta(days=5))
        assert cal.add_working_days(at(monday + timedelta(days=4)), 1) == at(monday + timedelta(days=7))
    warnings = [r for r in caplog.records if str(beyond) in r.getMessage()]
    assert len(warnings) == 1 and "Monday-Friday" in warnings[0].getMessage()


def test_script_helpers_return_aware_iso_strings_in_the_propertys_timezone():
    with time_machine.travel(datetime(2026, 9, 30, 2, 0, tzinfo=UTC), tick=False):
        helpers = script_helpers(cal)
        due = datetime.fromisoformat(helpers["working_days"](1))
        assert due.utcoffset() == timedelta(hours=8) and due == at(date(2026, 10, 8))
        soon = datetime.fromisoformat(helpers["hours_from_now"](24))
        assert soon.utcoffset() == timedelta(hours=8) and soon == datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
        assert helpers["is_working_day"]("2026-10-10T09:00:00+08:00") is True
        assert helpers["is_working_day"]("2026-10-05") is False
