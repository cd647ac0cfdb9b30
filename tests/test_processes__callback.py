"""回访 (processes/callback), called from a complaint: method by case, A/B/C, 返单 until satisfied, unreachable residents."""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__complaint import CALLBACK_A, VERIFIED, at_handler, handled

from engine import InstanceStatus, get_property, set_parameter

NOT_REACHED = {"reached": False, "callback_staff": "客服小王", "callback_date": "2026-11-25"}


def rated(rating: str, **extra) -> dict:
    return {**CALLBACK_A, "rating": rating, "callback_content": f"评价{rating}", **extra}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint")


def at_callback(session, **kw) -> Case:
    case = handled(at_handler(session, **kw))
    return case.complete("verify", VERIFIED, user="sup1")


def test_general_complaint_is_called_back_by_phone(session, library):
    case = at_callback(session)
    task = case.tasks()["cb_phone"]
    assert (task.lane, task.form) == ("front_desk", "callback_record.json")
    case.complete("cb_phone", rated("B"))
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.data()["callback_outcome"] == "satisfied"


def test_complaint_shared_by_many_residents_gets_a_residents_meeting(session, library):
    case = at_callback(session, shared_by_many=True)
    assert case.tasks()["cb_meeting"].lane == "cs_supervisor"
    case.complete("cb_meeting", rated("A"), user="sup1")
    assert case.instance.status == InstanceStatus.COMPLETED


def test_dissatisfied_resident_returns_the_order_with_a_deadline_until_satisfied(session, library, clock):
    case = at_callback(session)
    case.complete("cb_phone", rated("C"))
    assert case.tasks()["cb_dissatisfied"].lane == "cs_supervisor"
    clock.move_to(at(2026, 11, 24, 10))
    case.complete("cb_dissatisfied", {"action": "rework", "rework_instructions": "灯具型号不对,重新更换",
                                      "rework_working_days": 2}, user="sup1")
    assert case.open() == {"dispatch"}  # 返单: a new work order to the department
    assert "返单整改:灯具型号不对" in case.notices("engineering")[-1]
    case.complete("dispatch", {"dispatch_requirements": "按整改要求更换"})
    assert case.tasks()["handle_engineering"].due_at == at(2026, 11, 26, 10)  # the rectification deadline
    handled(case)
    case.complete("verify", VERIFIED, user="sup1")
    case.complete("cb_phone", rated("A"))  # called back again
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.data()["rework_round"] == 1


def test_missed_rectification_deadline_escalates(session, library, clock):
    case = at_callback(session)
    case.complete("cb_phone", rated("C"))
    case.complete("cb_dissatisfied", {"action": "rework", "rework_instructions": "重修", "rework_working_days": 1},
                  user="sup1")
    case.complete("dispatch", {"dispatch_requirements": "重修"})
    assert fire(session, clock, at(2026, 11, 24, 9, 0, 1)) == 1
    assert case.open() == {"extend_supervisor"} and case.escalated() == ["handle_engineering"]


def test_dissatisfied_resident_given_an_explanation_is_called_back_again(session, library):
    case = at_callback(session)
    case.complete("cb_phone", rated("C"))
    case.complete("cb_dissatisfied", {"action": "explain", "explanation": "灯具为统一规格,已向业主说明"}, user="sup1")
    assert case.open() == {"cb_phone"}
    case.complete("cb_phone", rated("B"))
    assert case.instance.status == InstanceStatus.COMPLETED


@pytest.mark.parametrize("category, task, lane", [
    ("facility", "cb_department_visit", "eng_supervisor"),  # 工程部: its manager, the engineering supervisor
    ("security", "cb_visit", "manager")])                   # no department manager role: the service-centre manager
def test_seriously_dissatisfied_resident_is_visited_by_the_responsible_departments_manager(
        session, library, category, task, lane):
    """[001] 如客户提出对服务质量严重的不满意,由责任部门经理安排进行单独回访; the C goes to 品质部 as a non-conformity."""
    handler = {"facility": "handle_engineering", "security": "handle_security"}[category]
    case = handled(at_handler(session, category=category), handler)
    case.complete("verify", VERIFIED, user="sup1")
    case.complete("cb_phone", rated("C"))
    assert "不合格项控制程序" in case.notices("quality")[-1]
    case.complete("cb_dissatisfied", {"action": "explain", "explanation": "经理将上门说明",
                                      "seriously_dissatisfied": True}, user="sup1")
    assert case.tasks()[task].lane == lane
    case.complete(task, rated("A"), user="boss1")
    assert case.instance.status == InstanceStatus.COMPLETED


def test_unreachable_resident_is_called_again_after_the_retry_interval(session, library, clock):
    case = at_callback(session)
    clock.move_to(at(2026, 11, 24, 10))
    case.complete("cb_phone", NOT_REACHED)
    assert case.open() == set() and "cb_wait" in case.timers()
    assert fire(session, clock, at(2026, 11, 25, 9, 59)) == 0
    assert fire(session, clock, at(2026, 11, 25, 10, 0, 1)) == 1  # 24 hours later
    case.complete("cb_phone", rated("A"))
    assert case.instance.status == InstanceStatus.COMPLETED


def _unreachable_three_times(session, clock) -> Case:
    case = at_callback(session)
    for day in (24, 25, 26):
        clock.move_to(at(2026, 11, day, 10))
        case.complete("cb_phone", NOT_REACHED)
        if day < 26:
            assert fire(session, clock, at(2026, 11, day + 1, 9, 59, 59)) == 0
            assert fire(session, clock, at(2026, 11, day + 1, 10, 0, 1)) == 1  # tried again a day later
    return case


def test_resident_unreachable_for_30_days_closes_the_case(session, library, clock):
    case = _unreachable_three_times(session, clock)
    waiting = case.tasks()["cb_await_reply"]
    assert waiting.lane == "front_desk" and waiting.due_at == at(2026, 12, 23, 9)  # 30 days after the callback began
    assert fire(session, clock, at(2026, 12, 23, 8, 59)) == 0
    assert fire(session, clock, at(2026, 12, 23, 9, 0, 1)) == 1
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.data()["closed_reason"] == "no_answer"
    assert any("多次回访未能联系上您" in n for n in case.notices("resident"))


def test_resident_answering_within_30_days_is_recorded(session, library, clock):
    case = _unreachable_three_times(session, clock)
    clock.move_to(at(2026, 12, 10))
    case.complete("cb_await_reply", {"callback_content": "业主来电反馈已修好", "rating": "A",
                                     "callback_staff": "客服小王", "callback_date": "2026-12-10"})
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.data()["closed_reason"] == "satisfied"


def test_the_property_sets_how_often_an_unreachable_resident_is_tried(session, library, clock):
    set_parameter(session, get_property(session, "P001"), "callback_max_attempts", 1, "complaint")
    session.commit()
    case = at_callback(session)
    case.complete("cb_phone", NOT_REACHED)
    assert case.open() == {"cb_await_reply"}


def test_a_callback_can_also_be_opened_on_its_own(session, fast_validation, clock):
    deploy_library(session, "callback")
    case = Case.start(session, "callback", {"resident_name": "王五", "building_room": "8-808",
                                            "contact_phone": "13700000000", "callback_subject": "春节前走访",
                                            "major": False, "shared_by_many": False, "seriously_dissatisfied": False})
    assert case.case_no.startswith("HF") and case.tasks()["cb_phone"].lane == "front_desk"
    case.complete("cb_phone", rated("A"))
    assert case.instance.status == InstanceStatus.COMPLETED
