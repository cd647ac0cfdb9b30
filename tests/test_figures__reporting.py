"""HQ's assessment of each property's reporting [001] "对各项目部信息反馈的及时性、完整性及质量进行考核" as figures.

Every report a property sends HQ — the monthly reports, the annual plans and training outline, category-1
incidents, immediate information, each day's move-in report — counts for ``reporting`` (in before its due
time: its deadline had not fired); HQ's grade of completeness on its assessment counts for
``reporting_complete`` (A). November 2026 at P001, counted by hand.
"""
from datetime import date

import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__immediate_report import LAWSUIT, REPORT
from test_processes__move_in_report import PERIOD, daily
from test_processes__reporting import FIRE

from engine import get_property
from engine.figures import queries, rollup


def graded(completeness: str) -> dict:
    return {"hq_comments": "已阅", "timeliness": "on_time", "completeness": completeness, "quality": "A"}


@pytest.fixture
def november(session, fast_validation, clock):
    deploy_library(session, "immediate_report", "move_in_report", "incident_report")
    # immediate information on time (graded A) and late (graded B)
    on_time = Case.start(session, "immediate_report", LAWSUIT)
    clock.move_to(at(2026, 11, 23, 10))
    on_time.complete("write_immediate", REPORT, user="mgr1").complete("assess_immediate", graded("A"), user="hq")
    late = Case.start(session, "immediate_report", {**LAWSUIT, "known_at": "2026-11-23T10:00:00+08:00"})
    assert fire(session, clock, at(2026, 11, 23, 12, 0, 1)) == 1
    assert fire(session, clock, at(2026, 11, 23, 14, 0, 1)) == 1  # chased twice: still one late report
    late.complete("write_immediate", REPORT, user="mgr1").complete("assess_immediate", graded("B"), user="hq")
    # a move-in period of three days: the 24th on time, the 25th missed and sent on the 26th (the last day)
    move_in = Case.start(session, "move_in_report", PERIOD, user="mgr1")
    clock.move_to(at(2026, 11, 24, 17))
    move_in.complete("write_move_in", daily("2026-11-24"), user="mgr1")
    assert fire(session, clock, at(2026, 11, 25, 18, 0, 1)) == 1
    clock.move_to(at(2026, 11, 26, 17))
    move_in.complete("write_move_in", daily("2026-11-25"), user="mgr1")
    move_in.complete("assess_move_in", graded("A"), user="hq")
    # a category-1 incident written up within its 24 hours
    incident = Case.start(session, "incident_report", {**FIRE, "occurred_at": "2026-11-26T07:30:00+08:00"})
    incident.complete("write_report", {"report_text": "电缆起火", "measures": "已更换"}, user="mgr1")
    rollup.sync(session)
    session.commit()
    return {"late": late, "move_in": move_in}


def test_every_report_to_hq_counts_for_timeliness_and_hqs_grade_for_completeness(session, november):
    prop = get_property(session, "P001")
    figures = queries.months_figures(session, ["2026-11"], [prop.id])[(prop.id, "2026-11")]
    reporting = figures["reporting"]
    assert (reporting.counted, reporting.hit) == (5, 3)  # immediate 1/2, move-in 1/2, incident 1/1
    assert reporting.value == 60.0 and reporting.status == "red" and reporting.target == 100.0
    complete = figures["reporting_complete"]
    assert (complete.counted, complete.hit, complete.value) == (3, 2, round(100 * 2 / 3, 1))


def test_the_late_reports_are_the_cases_behind_the_figure(session, november):
    prop = get_property(session, "P001")
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    missed = queries.cases_behind(session, prop.id, "reporting", *nov, missed_only=True)
    assert {c.case_no for c, _n, _h in missed} == {november["late"].case_no, november["move_in"].case_no}
    assert queries.breakdown(session, prop.id, *nov, "reporting") == {  # in on time, by kind of report
        "immediate_report": 1, "move_in_report": 1, "incident_report": 1}


def test_the_monthly_and_annual_reports_count_too(session, fast_validation, clock):
    from test_processes__annual_plan import ANNUAL, REPAIRS, TRAINING
    from test_processes__reporting import FINANCE, MONTHLY, scheduled

    deploy_library(session, "monthly_report")
    [monthly] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    clock.move_to(at(2026, 12, 9))
    monthly.complete("write_monthly", MONTHLY, user="mgr1")
    deploy_library(session, "annual_plan")
    assert fire(session, clock, at(2026, 12, 10, 18, 0, 1)) == 1  # the financial report is late
    [annual] = [c for c in scheduled(session, clock, at(2027, 1, 1, 9, 0, 1)) if c.case_no.startswith("ND")]
    clock.move_to(at(2027, 1, 10))
    annual.complete("write_annual", ANNUAL, user="mgr1").complete("major_repair_plan", REPAIRS, user="engsup1")
    annual.complete("write_training", TRAINING, user="mgr1")
    monthly.complete("write_finance", FINANCE, user="mgr1")  # in January: decided in December, when it fired
    rollup.sync(session)
    prop = get_property(session, "P001")
    figures = queries.months_figures(session, ["2026-12", "2027-01"], [prop.id])
    assert (figures[(prop.id, "2026-12")]["reporting"].counted, figures[(prop.id, "2026-12")]["reporting"].hit) == (2, 1)
    assert (figures[(prop.id, "2027-01")]["reporting"].counted, figures[(prop.id, "2027-01")]["reporting"].hit) == (3, 3)
