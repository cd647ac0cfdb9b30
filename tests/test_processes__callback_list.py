"""月度回访名单: next month's callbacks hold the residents who gave feedback, each once with all their cases.

[001] "客户服务部负责人要对每月信息反馈的客户列为下一个月回访客户的名单,进行回访": repair cases
opened by internal work (facility rounds, a complaint's engineering rework) are nobody's feedback.
"""
import pytest
from library import Case, at, clock, deploy_library, fast_validation  # noqa: F401 - fixtures
from test_processes__complaint import COMPLAINT, CONFIRM, classification
from test_processes__repair import REPORT
from test_processes__reporting import scheduled


@pytest.fixture
def callbacks(session, fast_validation, clock):
    deploy_library(session, "callback_list", "complaint", "repair")


def test_internal_repairs_are_not_on_the_callback_list(session, callbacks, clock):
    Case.start(session, "repair", {**REPORT, "resident_name": "工程部巡检", "building_room": "3栋1单元楼道",
                                   "channel": "rounds", "source": "rounds"}, user="eng1")
    complaint = Case.start(session, "complaint", COMPLAINT)
    complaint.complete("confirm_receipt", CONFIRM)
    complaint.complete("classify", classification(cause="building_quality"))  # opens an engineering rework
    assert len(complaint.linked("repair")) == 1
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    assert [r["case_nos"] for r in case.data()["residents"]] == [[complaint.case_no]]


def test_each_resident_is_listed_once_with_all_their_cases(session, callbacks, clock):
    first = Case.start(session, "complaint", COMPLAINT)
    repair = Case.start(session, "repair", {**REPORT, "resident_name": "张三", "building_room": "3-1201"})
    other = Case.start(session, "repair", REPORT)
    [case] = scheduled(session, clock, at(2026, 12, 1, 9, 0, 1))
    listed = case.data()["residents"]
    assert [(r["resident_name"], r["case_nos"]) for r in listed] == [
        ("张三", [first.case_no, repair.case_no]), ("李四", [other.case_no])]
    assert [r["case_no"] for r in listed] == [first.case_no, other.case_no]  # one row each on the results form
