"""入住快报 (processes/move_in_report): during a move-in period a report reaches HQ every day, at least every 5 days.

[001] "入住快报 … 集中办理入住期间的相关情况、存在或可能引发的问题 … 集中办理入住期间每天上报,当天入住量少或无
重大问题时,至少5天报一次"; late → chased and HQ told; HQ assesses the reporting at the end of the period.
"""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures

from engine import FormInvalid, InstanceStatus

PERIOD = {"batch": "5-6栋", "start_date": "2026-11-24", "end_date": "2026-11-26", "planned_households": 300}
ASSESSED = {"hq_comments": "快报及时", "timeliness": "on_time", "completeness": "A", "quality": "A"}


def daily(day: str, *, quiet: bool = False, today: int = 40, total: int = 40) -> dict:
    return {"report_date": day, "move_ins": today, "move_ins_total": total, "situation": "入住手续办理顺利",
            "issues": "无" if quiet else "部分业主反映车位不足", "few_or_no_major": quiet}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "move_in_report")


def test_move_in_reports_reach_hq_every_day_and_hq_assesses_the_period(session, library, clock):
    case = Case.start(session, "move_in_report", PERIOD, user="mgr1")
    assert case.case_no.startswith("RZ") and "2026-11-24 至 2026-11-26" in case.notices("hq")[0]
    task = case.tasks()["write_move_in"]
    assert task.lane == "manager" and task.due_at == at(2026, 11, 24, 18)  # the first day's closing time
    for day, next_due in ((24, at(2026, 11, 25, 18)), (25, at(2026, 11, 26, 18))):
        clock.move_to(at(2026, 11, day, 17))
        case.complete("write_move_in", daily(f"2026-11-{day}"), user="mgr1")
        assert "入住快报 2026-11-" in case.notices("hq")[-1] and "车位不足" in case.notices("hq")[-1]
        assert case.tasks()["write_move_in"].due_at == next_due  # a busy day: the next report tomorrow
    clock.move_to(at(2026, 11, 26, 17))
    case.complete("write_move_in", daily("2026-11-26"), user="mgr1")  # the last day's report ends the period
    assert case.tasks()["assess_move_in"].lane == "hq"
    data = case.data()
    assert data["reports_made"] == 3 and data["reports_late"] == 0
    case.complete("assess_move_in", ASSESSED, user="hq1")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert fire(session, clock, at(2026, 12, 10)) == 0 and case.escalated() == []


def test_on_quiet_days_a_report_every_five_days_is_enough_but_the_last_day_is_reported(session, library, clock):
    case = Case.start(session, "move_in_report", {**PERIOD, "end_date": "2026-12-05"}, user="mgr1")
    clock.move_to(at(2026, 11, 24, 17))
    case.complete("write_move_in", daily("2026-11-24", quiet=True), user="mgr1")
    assert case.tasks()["write_move_in"].due_at == at(2026, 11, 29, 18)  # [001] 至少5天报一次
    clock.move_to(at(2026, 11, 27, 10))  # reported earlier: five days from this report
    case.complete("write_move_in", daily("2026-11-27", quiet=True), user="mgr1")
    assert case.tasks()["write_move_in"].due_at == at(2026, 12, 2, 18)
    clock.move_to(at(2026, 12, 2, 9))
    case.complete("write_move_in", daily("2026-12-02", quiet=True), user="mgr1")
    assert case.tasks()["write_move_in"].due_at == at(2026, 12, 5, 18)  # never past the period's last day
    assert fire(session, clock, at(2026, 12, 5, 17)) == 0 and case.escalated() == []
    case.complete("write_move_in", daily("2026-12-05", quiet=True), user="mgr1")
    assert case.open() == {"assess_move_in"} and case.data()["reports_made"] == 4


def test_a_missed_move_in_report_is_chased_daily_and_hq_told(session, library, clock):
    case = Case.start(session, "move_in_report", PERIOD, user="mgr1")
    assert fire(session, clock, at(2026, 11, 24, 17, 59)) == 0
    assert fire(session, clock, at(2026, 11, 24, 18, 0, 1)) == 1
    assert case.escalated() == ["write_move_in"]
    assert "入住快报(5-6栋)已逾期" in case.notices("manager")[0] and "P001" in case.notices("hq")[-1]
    assert "逾期未报" in case.notices("hq")[-1]
    assert fire(session, clock, at(2026, 11, 25, 18, 0, 1)) == 1  # chased again the next day
    clock.move_to(at(2026, 11, 25, 19))
    case.complete("write_move_in", daily("2026-11-24"), user="mgr1")  # late: the next one is due tomorrow
    assert case.tasks()["write_move_in"].due_at == at(2026, 11, 26, 18)
    assert case.data()["move_in_on_time"] is False
    assert fire(session, clock, at(2026, 11, 26, 18, 0, 1)) == 1  # the last day's report is late too
    clock.move_to(at(2026, 11, 26, 20))
    case.complete("write_move_in", daily("2026-11-26"), user="mgr1")
    assert case.open() == {"assess_move_in"}
    data = case.data()
    assert data["reports_made"] == 2 and data["reports_late"] == 2  # what HQ's assessment of timeliness reads


def test_the_end_of_the_period_may_not_come_before_its_start(session, library):
    with pytest.raises(FormInvalid) as caught:
        Case.start(session, "move_in_report", {**PERIOD, "end_date": "2026-11-20"}, user="mgr1")
    session.rollback()
    assert [e.field for e in caught.value.errors] == ["end_date"]
    assert Case.start(session, "move_in_report", {**PERIOD, "end_date": "2026-11-24"}).open() == {"write_move_in"}
