"""投诉箱每周开箱 (processes/complaint_box): emptied weekly per property; each letter a complaint received at the opening.

[003] 4.3.3 "客服助理负责每周定期收集投诉箱的信件,进行处理".
"""
import pytest
from library import at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__reporting import scheduled

from engine import FormInvalid, InstanceStatus

LETTER = {"resident_name": "赵六", "building_room": "6-101", "contact_phone": "13600000000",
          "content": "垃圾桶满了没人清", "location": "6栋门口"}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint_box", "complaint", properties=("P001", "P002"))


def test_the_box_is_opened_every_monday_at_each_property(session, library, clock):
    cases = scheduled(session, clock, at(2026, 11, 23, 9, 0, 1))
    assert len(cases) == 2 and all(c.case_no.startswith("TSX") for c in cases)
    assert all(c.tasks()["empty_box"].lane == "front_desk" for c in cases)
    assert scheduled(session, clock, at(2026, 11, 27, 9)) == []  # once a week
    assert len(scheduled(session, clock, at(2026, 11, 30, 9, 0, 1))) == 2


def test_each_letter_becomes_a_complaint_received_when_the_box_was_opened(session, library, clock):
    [case, _] = scheduled(session, clock, at(2026, 11, 23, 9, 0, 1))
    clock.move_to(at(2026, 11, 23, 11))
    case.complete("empty_box", {"opened_at": "2026-11-23T09:30:00+08:00", "opened_by": "客服小王",
                                "letters": [LETTER, {**LETTER, "resident_name": "钱七", "building_room": "6-202"}]})
    assert case.instance.status == InstanceStatus.COMPLETED
    complaints = case.linked("complaint")
    assert [c.instance.summary["resident_name"] for c in complaints] == ["赵六", "钱七"]
    first = complaints[0]
    assert first.data()["channel"] == "box" and first.data()["received_at"] == "2026-11-23T09:30:00+08:00"
    assert first.tasks()["confirm_receipt"].due_at == at(2026, 11, 24, 9, 30)  # 24 hours from the opening


def test_an_empty_box_opens_nothing_and_a_future_opening_time_is_refused(session, library, clock):
    [case, _] = scheduled(session, clock, at(2026, 11, 23, 9, 0, 1))
    with pytest.raises(FormInvalid):
        case.complete("empty_box", {"opened_at": "2026-11-23T12:00:00+08:00", "opened_by": "客服小王", "letters": []})
    session.rollback()
    case.complete("empty_box", {"opened_at": "2026-11-23T09:00:00+08:00", "opened_by": "客服小王", "letters": []})
    assert case.instance.status == InstanceStatus.COMPLETED and case.linked("complaint") == []


def test_a_box_not_opened_in_time_goes_to_the_supervisor(session, library, clock):
    [case, _] = scheduled(session, clock, at(2026, 11, 23, 9, 0, 1))
    assert fire(session, clock, at(2026, 11, 23, 17, 0, 0)) == 0
    assert fire(session, clock, at(2026, 11, 23, 17, 0, 2)) == 2  # both properties
    assert case.escalated() == ["empty_box"] and "未按时开箱" in case.notices("cs_supervisor")[0]


def test_a_box_opened_late_already_tells_the_supervisor_its_case_number(session, library, clock):
    """Started after its opening time (the scheduler was down that morning), the box's deadline fires in the very
    first step: the supervisor's notice names the case by its number, not by the placeholder the row held before
    the number was given."""
    from sqlalchemy import select

    from engine import RoleNotice

    cases = scheduled(session, clock, at(2026, 11, 23, 17, 30))
    assert len(cases) == 2
    for case in cases:
        assert "未按时开箱" in case.notices("cs_supervisor")[0]
        numbers = session.scalars(select(RoleNotice.case_no).where(RoleNotice.instance_id == case.instance.id)).all()
        assert numbers == [case.instance.case_no], numbers
