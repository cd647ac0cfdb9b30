"""即时信息上报 (processes/immediate_report): immediate information reaches HQ within a property's due time.

[001] 即时信息: 法律诉讼, 媒体曝光, 重大、热点投诉, 媒体采访, 公司荣誉, 新项目拓展, 人事机构变动,
管理评审报告 — "即时"; the seeds give no number, so the due time (2 hours from when it became known) is a
chosen default, a property parameter. Late → chased and HQ told; HQ assesses the reporting
("对各项目部信息反馈的及时性、完整性及质量进行考核").
"""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures

from engine import FormInvalid, InstanceStatus, get_property, set_parameter

LAWSUIT = {"info_type": "lawsuit", "known_at": "2026-11-23T09:00:00+08:00", "subject": "业主起诉停车费",
           "content": "3栋业主就停车收费向区法院起诉,已收到传票", "event_stage": "occurred"}
REPORT = {"report_text": "已收到区法院传票,开庭日期12月10日", "measures": "已委托律师应诉", "reported_to": "物业管理部张经理"}
ASSESSED = {"hq_comments": "及时", "timeliness": "on_time", "completeness": "A", "quality": "A"}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "immediate_report")


def test_immediate_information_reaches_hq_within_two_hours_of_becoming_known(session, library, clock):
    case = Case.start(session, "immediate_report", LAWSUIT, user="fd1")  # whoever hears of it registers it
    assert case.case_no.startswith("JS")
    assert "法律诉讼" in case.notices("manager")[0] and "2026-11-23 11:00 前报公司" in case.notices("manager")[0]
    task = case.tasks()["write_immediate"]
    assert task.lane == "manager" and task.due_at == at(2026, 11, 23, 11)
    clock.move_to(at(2026, 11, 23, 10, 30))
    case.complete("write_immediate", REPORT, user="mgr1")
    assert case.tasks()["assess_immediate"].lane == "hq"
    assert case.data()["immediate_on_time"] is True  # what HQ's assessment of timeliness reads
    case.complete("assess_immediate", ASSESSED, user="hq1")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert fire(session, clock, at(2026, 11, 24)) == 0 and case.escalated() == []


def test_late_immediate_information_is_chased_and_hq_told(session, library, clock):
    case = Case.start(session, "immediate_report", {**LAWSUIT, "info_type": "media_exposure"})
    assert fire(session, clock, at(2026, 11, 23, 10, 59)) == 0
    assert fire(session, clock, at(2026, 11, 23, 11, 0, 1)) == 1
    assert case.escalated() == ["write_immediate"]
    assert "媒体曝光" in case.notices("manager")[-1] and "已逾期" in case.notices("manager")[-1]
    assert "P001" in case.notices("hq")[0] and "逾期未报" in case.notices("hq")[0]
    assert fire(session, clock, at(2026, 11, 23, 13, 0, 1)) == 1  # chased again after the interval
    assert len(case.notices("hq")) == 2 and case.open() == {"write_immediate"}
    case.complete("write_immediate", REPORT, user="mgr1")
    assert case.data()["immediate_on_time"] is False
    assert fire(session, clock, at(2026, 11, 23, 15, 0, 1)) == 0  # chasing stops once it is in


def test_the_due_time_counts_from_when_it_became_known(session, library, clock):
    case = Case.start(session, "immediate_report", {**LAWSUIT, "known_at": "2026-11-23T08:00:00+08:00"})
    assert case.tasks()["write_immediate"].due_at == at(2026, 11, 23, 10)
    blank = {k: v for k, v in LAWSUIT.items() if k != "known_at"}  # left blank: known when registered
    assert Case.start(session, "immediate_report", blank).tasks()["write_immediate"].due_at == at(2026, 11, 23, 11)
    late = Case.start(session, "immediate_report", {**LAWSUIT, "known_at": "2026-11-23T06:00:00+08:00"})
    assert late.escalated() == ["write_immediate"]  # registered after its due time: overdue at once
    assert "逾期未报" in late.notices("hq")[0]


def test_the_property_sets_the_due_time(session, library, clock):
    set_parameter(session, get_property(session, "P001"), "report_hours", 4, "immediate_report")
    session.commit()
    case = Case.start(session, "immediate_report", LAWSUIT)
    assert case.tasks()["write_immediate"].due_at == at(2026, 11, 23, 13)


@pytest.mark.parametrize("info_type, missing", [
    ("lawsuit", "event_stage"), ("media_exposure", "event_stage"), ("personnel_change", "change_kind"),
    ("management_review", "review_period")])
def test_each_kind_asks_for_what_the_seed_names(session, library, info_type, missing):
    data = {k: v for k, v in LAWSUIT.items() if k != "event_stage"}
    with pytest.raises(FormInvalid) as caught:
        Case.start(session, "immediate_report", {**data, "info_type": info_type})
    session.rollback()
    assert [e.field for e in caught.value.errors] == [missing]


@pytest.mark.parametrize("info_type", ["major_complaint", "media_interview", "honour", "new_project"])
def test_the_other_kinds_need_only_subject_and_content(session, library, info_type):
    data = {"info_type": info_type, "subject": "事项", "content": "内容描述"}
    case = Case.start(session, "immediate_report", data)
    assert case.open() == {"write_immediate"}
