"""Reporting to HQ: category-1 incidents within 24 hours, the monthly report by the 10th, next month's callback list."""
from datetime import UTC, datetime

import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__complaint import COMPLAINT
from test_processes__repair import REPORT

from engine import InstanceStatus, start_due_schedules

FIRE = {"incident_type": "fire", "occurred_at": "2026-11-23T07:30:00+08:00", "location": "2栋配电间",
        "description": "电缆起火,已扑灭", "loss_amount": 1200}


def scheduled(session, clock, when) -> list[Case]:
    clock.move_to(when)
    return [Case(session, i) for i in start_due_schedules(session, datetime.now(UTC))]


# --- category-1 incidents --------------------------------------------------------------------------

@pytest.fixture
def incidents(session, fast_validation, clock):
    deploy_library(session, "incident_report")


def test_category1_incident_reported_to_hq_within_24_hours(session, incidents, clock):
    case = Case.start(session, "incident_report", FIRE, user="mgr1")
    assert "发生一类突发事件" in case.notices("hq")[0]  # [001] 重大事故告之总经理: the company hears at once
    task = case.tasks()["write_report"]
    assert task.lane == "manager" and task.due_at == at(2026, 11, 24, 7, 30)  # 24 hours after it happened
    clock.move_to(at(2026, 11, 23, 16))
    case.complete("write_report", {"report_text": "配电间电缆老化起火", "measures": "已更换电缆"}, user="mgr1")
    assert case.tasks()["hq_review"].lane == "hq"
    case.complete("hq_review", {"hq_instructions": "全面排查电缆"}, user="hq1")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert fire(session, clock, at(2026, 11, 25)) == 0 and case.escalated() == []


def test_category1_incident_not_reported_in_24_hours_is_flagged_to_hq(session, incidents, clock):
    case = Case.start(session, "incident_report", FIRE, user="mgr1")
    assert fire(session, clock, at(2026, 11, 24, 7, 29)) == 0
    assert fire(session, clock, at(2026, 11, 24, 7, 30, 1)) == 1
    assert case.escalated() == ["write_report"]
    assert "未在24小时内上报" in case.notices("hq")[-1] and "P001" in case.notices("hq")[-1]
    assert "请立即上报" in case.notices("manager")[0]
    assert case.open() == {"write_report"}


@pytest.mark.parametrize("incident_type, loss, category1", [
    ("property_loss", 3000, True), ("property_loss", 2999, False), ("other", 5000, True),
    ("theft", 0, True), ("attempted_theft", 0, False), ("attempted_theft", 3000, True),
    ("accident", 0, True), ("disaster", 0, True), ("fire", 0, True), ("explosion", 0, True),
    ("public_security", 0, True), ("criminal", 0, True), ("injury_death", 0, True),
    ("media", 0, True), ("other", 100, False)])
def test_the_incident_table_decides_what_goes_to_hq(session, incidents, incident_type, loss, category1):
    case = Case.start(session, "incident_report", {**FIRE, "incident_type": incident_type, "loss_amount": loss})
    assert case.open() == ({"write_report"} if category1 else {"record_internal"})
    if category1:  # [001] 一类突发事件……24小时内 (报公司)
        assert case.tasks()["write_report"].due_at == at(2026, 11, 24, 7, 30)


# --- the monthly report ----------------------------------------------------------------------------

FINANCE = {"income": 820000, "expenses": 640000, "fee_collection_rate": 93.5, "arrears": 52000}
MONTHLY = {"business_summary": "运行正常", "complaints_received": 4, "complaints_valid": 3, "complaints_solved": 3,
           "repairs": 40, "repairs_on_time": 39, "incidents": 0, "satisfaction_rate": 95}


@pytest.fixture
def monthly(session, fast_validation, clock):
    deploy_library(session, "monthly_report", properties=("P001", "P002"))


def test_monthly_report_starts_on_the_first_and_reaches_hq_by_the_10th(session, monthly, clock):
    cases = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert len(cases) == 2 and all(c.case_no.startswith("YB") for c in cases)
    case = cases[0]
    task, finance = case.tasks()["write_monthly"], case.tasks()["write_finance"]
    assert task.lane == "manager" and task.due_at == at(2026, 12, 10, 18)
    assert finance.lane == "manager" and finance.due_at == at(2026, 12, 10, 18)  # [001] 物业财务信息月报 每月10日前
    assert case.data()["report_month"] == "2026-11"
    clock.move_to(at(2026, 12, 9, 17))
    case.complete("write_monthly", MONTHLY, user="mgr1")
    assert case.open() == {"write_finance"}  # HQ reviews both together
    case.complete("write_finance", FINANCE, user="mgr1")
    assert case.data()["report_on_time"] is True and case.data()["finance_on_time"] is True
    # [001] 物业管理部……对各项目部信息反馈的及时性、完整性及质量进行考核
    case.complete("review_monthly", {"hq_comments": "已汇总", "timeliness": "on_time", "completeness": "A",
                                     "quality": "B"}, user="hq1")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert fire(session, clock, at(2026, 12, 12)) == 2  # only the other property's two reports are chased
    assert case.escalated() == []


def test_late_monthly_report_is_chased_every_day_and_hq_told(session, monthly, clock):
    [case, _] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert fire(session, clock, at(2026, 12, 10, 17, 59)) == 0
    clock.move_to(at(2026, 12, 5))
    case.complete("write_finance", FINANCE, user="mgr1")
    assert fire(session, clock, at(2026, 12, 10, 18, 0, 1)) == 3  # P001's monthly report, both of P002's
    assert "2026-11 月报已逾期" in case.notices("manager")[0] and "月报逾期未报" in case.notices("hq")[0]
    assert fire(session, clock, at(2026, 12, 11, 18, 0, 1)) == 3  # and chased again the next day
    assert len(case.notices("manager")) == 2 and case.open() == {"write_monthly"}
    case.complete("write_monthly", MONTHLY, user="mgr1")
    assert case.open() == {"review_monthly"}
    assert fire(session, clock, at(2026, 12, 12, 18, 0, 1)) == 2  # chasing stops once it is in


def test_a_monthly_report_chased_every_time_can_still_be_sent(session, monthly, clock):
    [case, _] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    for day in range(10, 17):  # five chases each (10th to 14th), then the reminders are used up
        fire(session, clock, at(2026, 12, day, 18, 0, 1))
    assert len(case.notices("manager")) == 10 and case.open() == {"write_monthly", "write_finance"}
    assert case.tasks()["write_monthly"].due_at == at(2026, 12, 10, 18)  # overdue since its due time
    case.complete("write_monthly", MONTHLY, user="mgr1").complete("write_finance", FINANCE, user="mgr1")
    assert case.open() == {"review_monthly"}
    assert case.escalated() == ["write_monthly", "write_finance"] * 5  # each chase recorded, the fifth too


def test_a_monthly_report_opened_after_its_due_day_is_overdue_at_once(session, fast_validation, clock):
    clock.move_to(at(2026, 12, 23, 9))  # deployed late in the month: the scheduler opens this month's report now
    deploy_library(session, "monthly_report")
    [case] = scheduled(session, clock, at(2026, 12, 23, 9, 0, 1))
    assert case.escalated() == ["write_monthly", "write_finance"]  # each deadline once, its chases used up
    assert case.tasks()["write_monthly"].due_at == at(2026, 12, 10, 18)
    case.complete("write_monthly", MONTHLY, user="mgr1").complete("write_finance", FINANCE, user="mgr1")
    assert case.open() == {"review_monthly"}


# --- next month's callback list --------------------------------------------------------------------

@pytest.fixture
def callbacks(session, fast_validation, clock):
    deploy_library(session, "callback_list", "complaint", "repair")


def test_residents_who_gave_feedback_this_month_are_called_back_next_month(session, callbacks, clock):
    complaint = Case.start(session, "complaint", COMPLAINT)
    repair = Case.start(session, "repair", {**REPORT, "resident_name": "李四"})
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert case.case_no.startswith("HFMD")
    listed = case.data()["residents"]
    assert [r["case_no"] for r in listed] == [complaint.case_no, repair.case_no]
    assert [r["resident_name"] for r in listed] == ["张三", "李四"]
    task = case.tasks()["monthly_callbacks"]
    assert task.lane == "cs_supervisor" and task.due_at == at(2026, 12, 15, 9, 0, 1)  # 10 working days
    case.complete("monthly_callbacks", {"callback_staff": "客服主任", "results": [
        {"case_no": complaint.case_no, "reached": True, "rating": "C", "callback_content": "灯又坏了"},
        {"case_no": repair.case_no, "reached": True, "rating": "A"}]}, user="sup1")
    assert case.data()["dissatisfied"] == [complaint.case_no] and case.data()["satisfaction_rate"] == 50.0
    assert case.tasks()["follow_up"].lane == "manager"


def test_month_without_feedback_has_no_callbacks(session, callbacks, clock):
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert case.instance.status == InstanceStatus.COMPLETED and case.open() == set()


def test_monthly_callbacks_not_done_in_time_go_to_the_manager(session, callbacks, clock):
    Case.start(session, "complaint", COMPLAINT)
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert fire(session, clock, at(2026, 12, 15, 9, 0, 2)) >= 1
    assert case.escalated() == ["monthly_callbacks"] and "未按时完成" in case.notices("manager")[0]
