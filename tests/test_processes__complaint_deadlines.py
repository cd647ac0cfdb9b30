"""客户投诉处理 deadlines: 24 hours, 1 (at most 3) working days, 3 and 15 working days; each met and missed.

A missed deadline escalates to the customer-service supervisor, then to the manager,
and the resident is told the progress. Timers fire from the database's due times.
"""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__complaint import CONFIRM, SOLVED, VERIFIED, at_handler, classification, handled, registered

from engine import FormInvalid, InstanceStatus


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint")


def test_receipt_confirmed_within_24_hours_escalates_nothing(session, library, clock):
    case = registered(session)
    clock.move_to(at(2026, 11, 24, 8, 59))
    case.complete("confirm_receipt", CONFIRM)
    assert not {"confirm_overdue", "confirm_overdue_manager"} & set(case.timers())
    fire(session, clock, at(2026, 11, 25, 12))  # past 48 hours: only the (unanswered) reply is late
    assert "confirm_receipt" not in case.escalated()
    assert not any("未确认受理" in n for n in case.notices())


def test_receipt_not_confirmed_escalates_to_supervisor_then_manager(session, library, clock):
    case = registered(session)
    assert fire(session, clock, at(2026, 11, 24, 8, 59)) == 0
    assert fire(session, clock, at(2026, 11, 24, 9, 0, 1)) == 1
    assert case.escalated() == ["confirm_receipt"] and case.open() == {"confirm_receipt"}
    assert "超过24小时未确认受理" in case.notices("cs_supervisor")[1]
    assert "正在安排处理" in case.notices("resident")[0]  # the resident is told the progress
    assert case.notices("manager") == []
    assert fire(session, clock, at(2026, 11, 25, 9, 0, 1)) == 1  # 48 hours: the manager
    assert case.escalated() == ["confirm_receipt"] * 2 and "48小时" in case.notices("manager")[0]
    case.complete("confirm_receipt", CONFIRM)
    assert case.open() == {"classify"}


def _confirmed_on_friday(session, clock) -> Case:
    clock.move_to(at(2026, 11, 27, 9))  # Friday: one working day later is Monday
    case = registered(session)
    return case.complete("confirm_receipt", CONFIRM)


def test_reply_within_one_working_day_escalates_nothing(session, library, clock):
    case = _confirmed_on_friday(session, clock)
    assert case.tasks()["classify"].due_at == at(2026, 11, 30, 9)
    assert fire(session, clock, at(2026, 11, 29, 20)) == 0  # the weekend does not count
    clock.move_to(at(2026, 11, 30, 8, 30))
    case.complete("classify", classification())
    assert fire(session, clock, at(2026, 12, 3, 9)) == 0
    assert case.escalated() == []


def test_reply_late_escalates_after_one_working_day_and_to_the_manager_after_three(session, library, clock):
    case = _confirmed_on_friday(session, clock)
    assert fire(session, clock, at(2026, 11, 30, 9, 0, 1)) == 1
    assert case.escalated() == ["classify"] and "1个工作日未答复" in case.notices("cs_supervisor")[-1]
    assert "调查核实中" in case.notices("resident")[-1]
    assert fire(session, clock, at(2026, 12, 1, 9, 0, 1)) == 0
    assert fire(session, clock, at(2026, 12, 2, 9, 0, 1)) == 1  # at most 3 working days: the manager
    assert "3个工作日仍未答复" in case.notices("manager")[0]
    assert case.open() == {"classify"}


def test_initial_solution_within_3_working_days_escalates_nothing(session, library, clock):
    case = at_handler(session)
    clock.move_to(at(2026, 11, 25, 17))
    case.complete("handle_engineering", SOLVED)
    assert fire(session, clock, at(2026, 12, 20)) == 0
    assert case.escalated() == [] and case.open() == {"feedback_result"}


def test_no_initial_solution_escalates_to_supervisor_then_manager(session, library, clock):
    case = at_handler(session)
    assert fire(session, clock, at(2026, 11, 26, 9, 0, 1)) == 1  # 3 working days after the complaint
    assert case.escalated() == ["handle_engineering"]
    assert "3个工作日内未解决" in case.notices("cs_supervisor")[-1] and "客服主任已督办" in case.notices("resident")[-1]
    handler = case.tasks()["handle_engineering"]  # back with the department, now due in 5 working days
    assert handler.due_at == at(2026, 11, 30, 9)
    assert fire(session, clock, at(2026, 11, 30, 9, 0, 1)) == 1
    assert "逾期仍未解决" in case.notices("manager")[-1] and "服务中心经理督办" in case.notices("resident")[-1]
    assert case.tasks()["handle_engineering"].due_at == at(2026, 12, 14, 9)  # solved within 15 working days


def test_initial_plan_then_solved_within_15_working_days(session, library, clock):
    case = at_handler(session)
    with pytest.raises(FormInvalid):  # an initial plan names its further steps and their dates
        case.complete("handle_engineering", {"outcome": "initial_plan", "investigation": "需订购灯具",
                                             "initial_plan": "先装临时照明", "handled_by": "李工"})
    session.rollback()
    clock.move_to(at(2026, 11, 24, 15))
    case.complete("handle_engineering", {"outcome": "initial_plan", "investigation": "需订购灯具",
                                         "initial_plan": "先装临时照明,灯具到货后更换", "handled_by": "李工",
                                         "further_steps": [{"step": "灯具到货后更换", "due_date": "2026-12-04"}]})
    assert "初步解决方案:先装临时照明" in case.notices("resident")[-1]
    # [000] 如果投诉问题未被完全解决,物业公司应说明进一步处理的方案和时间节点
    assert "进一步处理的方案和时间节点:灯具到货后更换(2026-12-04前)" in case.notices("resident")[-1]
    assert case.tasks()["handle_engineering"].due_at == at(2026, 12, 14, 9)
    assert fire(session, clock, at(2026, 11, 27, 9)) == 0  # the 3-day deadline was met with the plan
    clock.move_to(at(2026, 12, 11, 10))
    case.complete("handle_engineering", SOLVED)
    assert fire(session, clock, at(2026, 12, 20)) == 0
    assert case.escalated() == [] and case.open() == {"feedback_result"}


def test_unsolved_after_15_working_days_is_extended_with_reason_and_date_then_goes_to_the_manager(
        session, library, clock):
    case = at_handler(session)
    clock.move_to(at(2026, 11, 24, 15))
    case.complete("handle_engineering", {"outcome": "initial_plan", "investigation": "需更换线路",
                                         "initial_plan": "申请维修资金", "handled_by": "李工",
                                         "further_steps": [{"step": "维修资金到位后更换线路", "due_date": "2026-12-10"}]})
    assert fire(session, clock, at(2026, 12, 14, 9, 0, 1)) == 1
    assert case.open() == {"extend_supervisor"} and case.tasks()["extend_supervisor"].lane == "cs_supervisor"
    clock.move_to(at(2026, 12, 14, 10))
    case.complete("extend_supervisor", {"extension_reason": "维修资金审批中", "extension_working_days": 5,
                                        "told_resident": True}, user="sup1")
    assert "原因:维修资金审批中;预计解决日期 2026-12-21" in case.notices("resident")[-1]
    assert case.tasks()["handle_engineering"].due_at == at(2026, 12, 21, 10)
    assert fire(session, clock, at(2026, 12, 21, 10, 0, 1)) == 1  # the new date missed too: the manager
    assert case.tasks()["extend_manager"].lane == "manager"
    case.complete("extend_manager", {"extension_reason": "材料到货延误", "extension_working_days": 2,
                                     "told_resident": True}, user="mgr1")
    handled(case)
    case.complete("verify", VERIFIED, user="sup1")
    assert case.escalated() == ["handle_engineering", "handle_engineering"]
    assert case.open() == {"cb_phone"} and case.instance.status == InstanceStatus.RUNNING
