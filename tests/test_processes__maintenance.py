"""设备设施维护: daily rounds and the monthly plan on schedule, defects to repair cases, planned outages, emergencies."""
from datetime import UTC, datetime

import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from sqlalchemy import select

from engine import Instance, InstanceStatus, NotAllowed, start_due_schedules

OK_CHECK = ["power_room", "pump_room", "elevator"]
DEFECTS = [{"location": "3栋1单元楼道", "description": "应急灯不亮", "repair_category": "public_facility",
            "safety_risk": False},
           {"location": "地下车库B区", "description": "消防水管渗漏", "repair_category": "water_leak",
            "safety_risk": True}]


def scheduled(session, clock, when) -> list[Case]:
    clock.move_to(when)
    return [Case(session, i) for i in start_due_schedules(session, datetime.now(UTC))]


# --- daily rounds ---------------------------------------------------------------------------------

@pytest.fixture
def rounds(session, fast_validation, clock):
    deploy_library(session, "facility_rounds", "repair", properties=("P001", "P002"))


def test_daily_rounds_start_on_schedule_once_per_property_and_day(session, rounds, clock):
    first = scheduled(session, clock, at(2026, 11, 24, 8, 0, 1))
    assert len({c.instance.property_id for c in first}) == 2
    assert all(c.case_no.startswith("XJ") and c.tasks()["rounds"].lane == "engineering" for c in first)
    assert first[0].tasks()["rounds"].due_at == at(2026, 11, 24, 18, 0, 1)  # done by the evening
    assert scheduled(session, clock, at(2026, 11, 24, 12)) == []  # one per day
    assert len(scheduled(session, clock, at(2026, 11, 25, 8, 0, 1))) == 2  # a new one the next day


def test_defects_found_on_rounds_open_repair_cases_at_the_same_property(session, rounds, clock):
    [case, _] = scheduled(session, clock, at(2026, 11, 24, 8, 0, 1))
    clock.move_to(at(2026, 11, 24, 10))
    case.complete("rounds", {"inspector": "王工", "areas_checked": OK_CHECK, "defects": DEFECTS}, user="eng1")
    assert case.instance.status == InstanceStatus.COMPLETED
    repairs = case.linked("repair")
    assert len(repairs) == 2
    assert {r.instance.property_id for r in repairs} == {case.instance.property_id}
    lamp, leak = repairs
    assert lamp.instance.summary["building_room"] == "3栋1单元楼道"
    assert leak.tasks()["accept_order"].due_at == at(2026, 11, 24, 10, 30)  # safety risk: an emergency repair
    assert all(r.data()["opened_from"]["case_no"] == case.case_no for r in repairs)


def test_rounds_done_in_time_without_defects_open_nothing(session, rounds, clock):
    [case, _] = scheduled(session, clock, at(2026, 11, 24, 8, 0, 1))
    clock.move_to(at(2026, 11, 24, 17))
    case.complete("rounds", {"inspector": "王工", "areas_checked": OK_CHECK}, user="eng1")
    assert case.instance.status == InstanceStatus.COMPLETED and case.linked("repair") == []
    fire(session, clock, at(2026, 11, 24, 19))
    assert case.escalated() == []


def test_rounds_not_done_by_the_evening_go_to_the_engineering_supervisor(session, rounds, clock):
    cases = scheduled(session, clock, at(2026, 11, 24, 8, 0, 1))
    assert fire(session, clock, at(2026, 11, 24, 18, 0, 2)) == 2
    assert cases[0].escalated() == ["rounds"] and "未按时完成" in cases[0].notices("eng_supervisor")[0]
    assert cases[0].open() == {"rounds"}


# --- monthly engineering plan ------------------------------------------------------------------------

PLAN = {"items": [{"equipment": "生活水泵", "work": "保养", "planned_date": "2026-12-10"}], "drafted_by": "工程主管"}


@pytest.fixture
def monthly(session, fast_validation, clock):
    deploy_library(session, "engineering_monthly")


def test_monthly_plan_is_drafted_approved_executed_and_summarised(session, monthly, clock):
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert case.case_no.startswith("GY") and case.tasks()["draft_plan"].due_at == at(2026, 12, 3, 9, 0, 1)
    assert case.tasks()["draft_plan"].lane == "eng_supervisor"  # [000] 工程主管 drafts the month's plan
    case.complete("draft_plan", PLAN, user="eng_chief")
    case.complete("approve_plan", {"plan_approved": False, "approval_comments": "补充电梯维保"}, user="mgr1")
    case.complete("draft_plan", PLAN, user="eng_chief")
    case.complete("approve_plan", {"plan_approved": True}, user="mgr1")
    clock.move_to(at(2026, 12, 28))
    case.complete("execute_plan", {"results": [{"equipment": "生活水泵", "done": True}], "summary": "完成"})
    assert case.instance.status == InstanceStatus.COMPLETED and case.escalated() == []
    assert scheduled(session, clock, at(2026, 12, 31)) == []  # the next one starts on January 1st


def test_late_monthly_plan_and_summary_go_to_the_manager(session, monthly, clock):
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert fire(session, clock, at(2026, 12, 3, 9, 0, 2)) == 1
    case.complete("draft_plan", PLAN)
    case.complete("approve_plan", {"plan_approved": True}, user="mgr1")
    assert case.tasks()["execute_plan"].due_at == at(2026, 12, 29, 9, 0, 1)  # 20 working days
    assert fire(session, clock, at(2026, 12, 29, 9, 0, 2)) == 1
    assert case.escalated() == ["draft_plan", "execute_plan"] and len(case.notices("manager")) == 2


# --- planned outages ---------------------------------------------------------------------------------

OUTAGE = {"outage_type": "water", "area": "5栋", "reason": "更换总阀", "start_at": "2026-11-25T09:00:00+08:00",
          "end_at": "2026-11-25T17:00:00+08:00"}
NOTICE = {"notice_text": "11月25日9:00-17:00 5栋停水", "channels": ["board", "sms"]}


@pytest.fixture
def outage(session, fast_validation, clock):
    deploy_library(session, "planned_outage")
    case = Case.start(session, "planned_outage", OUTAGE, user="eng1")
    return case


def test_outage_approved_announced_before_it_starts_then_carried_out(session, outage, clock):
    assert outage.tasks()["approve_outage"].lane == "eng_supervisor"
    outage.complete("approve_outage", {"outage_approved": True}, user="eng_chief")
    announce = outage.tasks()["announce"]
    assert announce.lane == "front_desk" and announce.due_at == at(2026, 11, 24, 9)  # 24 hours before the work
    clock.move_to(at(2026, 11, 23, 15))
    outage.complete("announce", NOTICE, user="fd1")
    assert outage.notices("resident") == [NOTICE["notice_text"]]
    assert outage.open() == set()  # the work waits for its start time
    assert fire(session, clock, at(2026, 11, 25, 8, 59)) == 0
    assert fire(session, clock, at(2026, 11, 25, 9, 0, 1)) == 1
    clock.move_to(at(2026, 11, 25, 16))
    outage.complete("carry_out", {"work_notes": "总阀已更换", "restored_at": "2026-11-25T16:00:00+08:00"})
    assert outage.instance.status == InstanceStatus.COMPLETED and outage.escalated() == []
    assert "已恢复供应" in outage.notices("resident")[-1]


def test_the_requester_may_not_approve_their_own_outage(session, outage):
    with pytest.raises(NotAllowed, match="eng1 may not complete '工程主管审批'"):
        outage.complete("approve_outage", {"outage_approved": True}, user="eng1")
    session.rollback()


def test_rejected_outage_is_not_carried_out(session, outage):
    outage.complete("approve_outage", {"outage_approved": False, "approval_comments": "避开周末"}, user="eng_chief")
    assert outage.instance.status == InstanceStatus.COMPLETED
    assert "未获批准:避开周末" in outage.notices("engineering")[0]


def test_notice_not_given_in_time_makes_the_manager_postpone_the_work(session, outage, clock):
    outage.complete("approve_outage", {"outage_approved": True}, user="eng_chief")
    assert fire(session, clock, at(2026, 11, 24, 9, 0, 1)) == 1
    assert outage.open() == {"postpone"} and outage.tasks()["postpone"].lane == "manager"
    outage.complete("postpone", {"postpone_reason": "通知未及时发出", "start_at": "2026-11-27T09:00:00+08:00",
                                 "end_at": "2026-11-27T17:00:00+08:00"}, user="mgr1")
    assert outage.tasks()["announce"].due_at == at(2026, 11, 26, 9)
    outage.complete("announce", NOTICE)
    assert fire(session, clock, at(2026, 11, 25, 9, 0, 1)) == 0  # the old start time no longer applies
    assert fire(session, clock, at(2026, 11, 27, 9, 0, 1)) == 1 and outage.open() == {"carry_out"}


def test_outage_not_restored_on_time_tells_the_manager_and_residents(session, outage, clock):
    outage.complete("approve_outage", {"outage_approved": True}, user="eng_chief")
    outage.complete("announce", NOTICE)
    fire(session, clock, at(2026, 11, 25, 9, 0, 1))
    assert fire(session, clock, at(2026, 11, 25, 17, 0, 1)) == 1
    assert "未按计划时间恢复" in outage.notices("manager")[0] and "延时" in outage.notices("resident")[-1]
    assert outage.open() == {"carry_out"}


# --- emergencies -----------------------------------------------------------------------------------

FLOOD = {"emergency_type": "flooding", "location": "地下车库", "description": "暴雨倒灌", "reported_by": "保安张",
         "occurred_at": "2026-11-23T08:40:00+08:00"}


@pytest.fixture
def emergency(session, fast_validation, clock):
    deploy_library(session, "facility_emergency", "incident_report")
    return Case.start(session, "facility_emergency", FLOOD, user="sec1")


def test_emergency_reaches_the_manager_at_once(session, emergency):
    assert "请立即到场指挥" in emergency.notices("manager")[0]
    assert emergency.tasks()["respond"].lane == "engineering"


def test_category1_emergency_opens_an_incident_report_to_hq(session, emergency):
    emergency.complete("respond", {"measures": "沙袋封堵,抽水", "restored": True, "loss_amount": 8000}, user="eng1")
    emergency.complete("assess", {"category1": True, "incident_type": "property_loss", "assessment": "车辆受损"},
                       user="mgr1")
    [report] = emergency.linked("incident_report")
    assert report.tasks()["write_report"].due_at == at(2026, 11, 24, 8, 40)  # 24 hours after it happened
    emergency.complete("inform_residents", {"notice_text": "车库已恢复,受损车主请联系客服"})
    assert emergency.instance.status == InstanceStatus.COMPLETED


def test_minor_emergency_is_handled_at_the_property(session, emergency):
    emergency.complete("respond", {"measures": "关闭阀门", "restored": True}, user="eng1")
    emergency.complete("assess", {"category1": False, "assessment": "无损失"}, user="mgr1")
    assert emergency.linked("incident_report") == [] and emergency.open() == {"inform_residents"}
    assert session.scalars(select(Instance).where(Instance.id != emergency.id)).all() == []
