"""客户投诉处理: every deadline counts from when the complaint was received, not from when it was typed in.

[000] "收到投诉后24小时内:物业公司应确认收到投诉"; "投诉受理后3个工作日内"; "15个工作日内解决".
Registration records the received time (the call, the letter's date, the box's emptying);
left out it is the registration time; a time ahead of now is refused. A complaint
registered after its deadline has passed is overdue at once and escalates.
"""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from sqlalchemy import func, select
from test_processes__complaint import COMPLAINT, CONFIRM, classification

from engine import AuditKind, FormInvalid, Instance


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint")


@pytest.mark.parametrize("department, role", [("engineering", "eng_supervisor"), ("security", "cs_supervisor"),
                                              (None, "cs_supervisor")])
def test_the_responsible_supervisor_hears_of_the_feedback_at_once(session, library, department, role):
    """[001] 客户服务部要在1小时内联系到相关工作主管: the notice goes out when the complaint is registered."""
    data = {**COMPLAINT, "complained_department": department} if department else COMPLAINT
    case = Case.start(session, "complaint", data)
    [notice] = case.notices(role)
    assert notice.startswith(f"客户反馈 {case.case_no}") and "楼道灯坏了" in notice
    assert case.events(AuditKind.NOTIFIED)[0].at == case.instance.created_at  # at registration: well within the hour


def test_received_time_defaults_to_registration(session, library):
    case = Case.start(session, "complaint", COMPLAINT)
    assert case.data()["received_at"] == "2026-11-23T09:00:00+08:00"
    assert case.tasks()["confirm_receipt"].due_at == at(2026, 11, 24, 9)


def test_a_received_time_ahead_of_now_is_refused_and_nothing_is_saved(session, library):
    with pytest.raises(FormInvalid) as caught:
        Case.start(session, "complaint", {**COMPLAINT, "received_at": "2026-11-23T11:00:00+08:00"})
    session.rollback()
    assert [e.field for e in caught.value.errors] == ["received_at"]
    assert "in the future" in caught.value.errors[0].message
    assert session.scalar(select(func.count()).select_from(Instance)) == 0


def test_every_deadline_counts_from_the_letters_date(session, library, clock):
    """A letter received on Friday 17:00, typed in on Monday 09:00: Monday 17:00 is one working day after it."""
    case = Case.start(session, "complaint",
                      {**COMPLAINT, "channel": "letter", "received_at": "2026-11-20T17:00:00+08:00"})
    data = case.data()
    assert data["confirm_due"] == "2026-11-21T17:00:00+08:00"  # 24 hours after receipt: long past
    assert data["registered_at"] == "2026-11-23T09:00:00+08:00"
    assert data["initial_due"].startswith("2026-11-25T17:00") and data["solve_due"].startswith("2026-12-11T17:00")
    case.complete("confirm_receipt", CONFIRM)
    assert case.tasks()["classify"].due_at == at(2026, 11, 23, 17)  # reply: 1 working day after receipt


def test_a_complaint_registered_late_is_overdue_at_once_and_escalates(session, library, clock):
    case = Case.start(session, "complaint", {**COMPLAINT, "channel": "box", "received_at": "2026-11-20T17:00:00+08:00"})
    # at registration: both the 24-hour and the 48-hour marks have passed
    assert case.escalated() == ["confirm_receipt", "confirm_receipt"]
    assert "未确认受理" in case.notices("cs_supervisor")[1] and "仍未确认受理" in case.notices("manager")[0]
    lateness = [e.data["lateness_seconds"] for e in case.events(AuditKind.TIMER_FIRED)]
    assert sorted(lateness) == [16 * 3600, 40 * 3600]
    assert fire(session, clock, at(2026, 11, 23, 9, 0, 5)) == 0  # recorded once, not again by the sweep
    case.complete("confirm_receipt", CONFIRM)
    assert fire(session, clock, at(2026, 11, 23, 17, 0, 1)) == 1  # the reply, 1 working day after receipt
    assert case.escalated()[-1] == "classify"


def test_high_urgency_counts_its_shorter_deadline_from_receipt(session, library, clock):
    case = Case.start(session, "complaint", {**COMPLAINT, "received_at": "2026-11-20T17:00:00+08:00"})
    case.complete("confirm_receipt", CONFIRM)
    case.complete("classify", classification(urgency="high"))
    case.complete("dispatch", {"dispatch_requirements": "立即处理"})
    assert case.tasks()["handle_engineering"].due_at == at(2026, 11, 23, 17)
