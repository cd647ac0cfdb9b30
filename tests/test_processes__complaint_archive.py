"""投诉记录月度归档移交 (processes/complaint_archive): the month's closed complaints handed over with a list.

[003] 4.8.1 "客服部客服助理依《档案管理规定》将客户投诉的相关记录进行归档,按月度或按年度将记录移交服务中心行政文员".
"""
import pytest
from library import at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__complaint import classified
from test_processes__reporting import scheduled

from engine import FormInvalid, InstanceStatus


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint_archive", "complaint")


def test_the_months_closed_complaints_are_handed_over_with_a_list(session, library, clock):
    closed = classified(session, validity="invalid", cause="external")
    closed.complete("explain_invalid", {"explanation": "属市政道路", "resident_understood": True})
    classified(session)  # still open: not on the list
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert case.case_no.startswith("GD")
    assert [r["case_no"] for r in case.data()["records"]] == [closed.case_no]
    assert case.data()["records"][0]["closed_on"] == "2026-11-23"
    task = case.tasks()["hand_over"]
    assert task.lane == "front_desk" and task.due_at == at(2026, 12, 8, 9, 0, 1)  # 5 working days
    with pytest.raises(FormInvalid):  # records left out are named, with the reason
        case.complete("hand_over", {"handed_over_to": "行政文员小刘", "handed_over_on": "2026-12-02",
                                    "all_records_handed_over": False})
    session.rollback()
    case.complete("hand_over", {"handed_over_to": "行政文员小刘", "handed_over_on": "2026-12-02",
                                "all_records_handed_over": True})
    assert case.instance.status == InstanceStatus.COMPLETED


def test_a_late_handover_goes_to_the_supervisor_and_an_empty_month_to_nobody(session, library, clock):
    [empty] = scheduled(session, clock, at(2026, 11, 1, 9, 0, 1))
    assert empty.instance.status == InstanceStatus.COMPLETED and empty.open() == set()
    clock.move_to(at(2026, 11, 23, 9))
    closed = classified(session, validity="invalid", cause="external")
    closed.complete("explain_invalid", {"explanation": "属市政道路", "resident_understood": True})
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert fire(session, clock, at(2026, 12, 8, 9, 0, 2)) == 1
    assert case.escalated() == ["hand_over"] and "未按时归档移交" in case.notices("cs_supervisor")[0]
