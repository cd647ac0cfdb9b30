"""报修/上门维修服务 (processes/repair): the urgency table sets the promise; missed promises go to the engineering supervisor."""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures

from engine import InstanceStatus, NotAllowed

REPORT = {"resident_name": "李四", "building_room": "5-302", "contact_phone": "13900000000", "content": "厨房水管爆裂",
          "repair_category": "water_leak", "safety_risk": False, "channel": "hotline", "source": "resident"}
ARRIVED = {"arrived_at": "2026-11-23T09:20:00+08:00", "diagnosis": "水管接头老化", "paid_service": False}
WORK = {"work_done": "更换接头", "completed_at": "2026-11-23T10:30:00+08:00"}
SIGNED = {"work_accepted": True, "signed_by": "李四"}
CALLBACK_A = {"reached": True, "callback_content": "维修及时", "rating": "A", "callback_staff": "客服小王",
              "callback_date": "2026-11-24"}
SUPERVISED = {"action_taken": "已调派备班人员", "new_eta": "30分钟内", "told_resident": True}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "repair")


def reported(session, **data) -> Case:
    """A repair reported with ``REPORT`` changed by ``data`` (None leaves a field out)."""
    merged = {**REPORT, **data}
    return Case.start(session, "repair", {k: v for k, v in merged.items() if v is not None})


def on_site(session, **data) -> Case:
    case = reported(session, **data)
    case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    return case.complete("arrive_site", ARRIVED, user="eng1")


@pytest.mark.parametrize("report, urgency, due", [
    ({"repair_category": "water_leak"}, "emergency", at(2026, 11, 23, 9, 30)),
    ({"repair_category": "elevator_trapped"}, "emergency", at(2026, 11, 23, 9, 30)),
    ({"repair_category": "door_lock", "safety_risk": True}, "emergency", at(2026, 11, 23, 9, 30)),
    ({"repair_category": "plumbing"}, "urgent", at(2026, 11, 24, 9)),
    ({"repair_category": "public_facility"}, "normal", at(2026, 11, 25, 9)),
])
def test_the_urgency_table_sets_the_promise(session, library, report, urgency, due):
    case = reported(session, **report)
    assert case.case_no.startswith("BX")
    task = case.tasks()["accept_order"]
    assert task.lane == "engineering" and task.due_at == due
    assert case.data()["urgency"] == urgency
    assert case.notices("resident")[0].startswith(f"您的报修已受理,单号 {case.case_no}")


def test_emergency_engineer_on_site_within_30_minutes_then_repaired_signed_off_called_back(session, library, clock):
    case = reported(session)
    clock.move_to(at(2026, 11, 23, 9, 10))
    case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    clock.move_to(at(2026, 11, 23, 9, 25))
    case.complete("arrive_site", ARRIVED, user="eng1")
    assert fire(session, clock, at(2026, 11, 23, 9, 31)) == 0
    case.complete("repair_work", WORK, user="eng1")
    case.complete("signoff", SIGNED, user="eng1")
    assert case.tasks()["cb_phone"].lane == "front_desk"
    case.complete("cb_phone", CALLBACK_A, user="fd1")
    assert case.instance.status == InstanceStatus.COMPLETED and case.escalated() == []


def test_emergency_engineer_not_on_site_in_30_minutes_escalates_to_the_engineering_supervisor(session, library, clock):
    case = reported(session)
    case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    assert fire(session, clock, at(2026, 11, 23, 9, 29)) == 0
    assert fire(session, clock, at(2026, 11, 23, 9, 30, 1)) == 1
    assert case.escalated() == ["arrive_site"]
    assert case.open() == {"arrive_site", "supervise_arrival"}  # the technician's task stays open
    assert case.tasks()["supervise_arrival"].lane == "eng_supervisor"  # 工程主管, not the technician who missed it
    assert "工程主管督办" in case.notices("eng_supervisor")[-1] and "正在赶往现场" in case.notices("resident")[-1]
    case.complete("supervise_arrival", SUPERVISED, user="eng_chief")
    case.complete("arrive_site", ARRIVED, user="eng1")
    assert case.open() == {"repair_work"}


@pytest.mark.parametrize("category, hours", [("plumbing", 24), ("public_facility", 48)])
def test_repair_done_within_its_promise_escalates_nothing(session, library, clock, category, hours):
    case = on_site(session, repair_category=category)
    assert case.tasks()["repair_work"].due_at == at(2026, 11, 23, 9).replace(day=23 + hours // 24)
    clock.move_to(at(2026, 11, 23, 9).replace(day=23 + hours // 24, hour=8))
    case.complete("repair_work", WORK, user="eng1")
    assert fire(session, clock, at(2026, 11, 27)) == 0
    assert case.escalated() == [] and case.open() == {"signoff"}


@pytest.mark.parametrize("category, hours", [("plumbing", 24), ("public_facility", 48)])
def test_repair_not_done_within_its_promise_escalates_to_the_engineering_supervisor(
        session, library, clock, category, hours):
    case = on_site(session, repair_category=category)
    due = at(2026, 11, 23, 9).replace(day=23 + hours // 24)
    assert fire(session, clock, due.replace(second=1)) == 1
    assert case.escalated() == ["repair_work"] and case.open() == {"repair_work", "supervise_repair"}
    assert case.tasks()["supervise_repair"].lane == "eng_supervisor"
    with pytest.raises(NotAllowed):  # the technicians' role does not supervise itself
        case.complete("supervise_repair", SUPERVISED, user="eng1", lanes=["engineering"])
    session.rollback()
    assert "未在承诺时间内修复" in case.notices("eng_supervisor")[-1] and "工程主管已督办" in case.notices("resident")[-1]


def test_paid_work_waits_for_the_resident_to_accept_the_quote(session, library):
    case = reported(session, repair_category="electrical", content="更换吊灯(业主自购)")
    case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    case.complete("arrive_site", {**ARRIVED, "paid_service": True, "quote_amount": 80,
                                  "quote_items": [{"item": "人工费", "amount": 80}]}, user="eng1")
    assert case.open() == {"confirm_quote"}  # no work before the quote is accepted
    case.complete("confirm_quote", {"quote_accepted": True, "resident_signature": "李四"}, user="eng1")
    assert case.open() == {"repair_work"}
    case.complete("repair_work", WORK, user="eng1")
    case.complete("signoff", {"work_accepted": True, "signed_by": "李四"}, user="eng1")
    # [001] 品质部向客户提供的有偿服务通过回访方式验证: a paid service is called back by quality
    assert case.tasks()["cb_quality"].lane == "quality"
    case.complete("cb_quality", CALLBACK_A, user="qa1")
    assert case.instance.status == InstanceStatus.COMPLETED


def test_declined_quote_closes_the_work_order(session, library):
    case = reported(session, repair_category="electrical")
    case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    case.complete("arrive_site", {**ARRIVED, "paid_service": True, "quote_amount": 200}, user="eng1")
    case.complete("confirm_quote", {"quote_accepted": False, "resident_signature": "李四"}, user="eng1")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.data()["closed_reason"] == "quote_declined"


def test_failed_signoff_sends_the_work_back(session, library):
    case = on_site(session)
    case.complete("repair_work", WORK, user="eng1")
    case.complete("signoff", {"work_accepted": False, "signed_by": "李四", "signoff_note": "仍有渗水"}, user="eng1")
    assert case.open() == {"repair_work"}


def test_dissatisfied_callback_returns_the_order_to_engineering_with_a_deadline(session, library, clock):
    case = on_site(session)
    case.complete("repair_work", WORK, user="eng1")
    case.complete("signoff", SIGNED, user="eng1")
    case.complete("cb_phone", {**CALLBACK_A, "rating": "C", "callback_content": "又漏了"}, user="fd1")
    case.complete("cb_dissatisfied", {"action": "rework", "rework_instructions": "彻底更换水管",
                                      "rework_working_days": 2}, user="sup1")
    assert case.tasks()["repair_work"].due_at == at(2026, 11, 25, 9)
    assert "回访不满意返单:彻底更换水管" in case.notices("engineering")[-1]
    case.complete("repair_work", WORK, user="eng1")
    case.complete("signoff", SIGNED, user="eng1")
    case.complete("cb_phone", CALLBACK_A, user="fd1")
    assert case.instance.status == InstanceStatus.COMPLETED


def test_defect_found_on_rounds_is_repaired_without_a_resident_callback(session, library):
    case = on_site(session, source="rounds", channel="rounds", resident_name="工程部巡检", contact_phone=None)
    case.complete("repair_work", WORK, user="eng1")
    case.complete("signoff", {"work_accepted": True, "signed_by": "工程主管"}, user="eng_chief")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.notices("resident") == []


def test_repairs_are_taken_around_the_clock_with_the_same_promise(session, library, clock):
    clock.move_to(at(2026, 10, 3, 3, 0))  # 3 a.m. on a National Day holiday
    case = reported(session)
    assert case.tasks()["accept_order"].due_at == at(2026, 10, 3, 3, 30)
