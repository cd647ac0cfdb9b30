"""年度计划与总结 (processes/annual_plan): the annual plan/summary and the major-repair plan reach HQ by 15 January,
the training outline by the end of January.

[001] "年度计划和总结 … 各地物业公司年度计划、总结和中长期规划 … 每年1月15日前";
[001] "年度培训大纲 … 公司年度培训纲要和计划 … 年度各类人员的培训纲要及计划 … 每年1月";
[000] "制订中大修理年度计划,并负责实施"; HQ assesses each property's reporting
("对各项目部信息反馈的及时性、完整性及质量进行考核").
"""
import pytest
from library import at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__reporting import scheduled

from engine import InstanceStatus, get_property, set_parameter

ANNUAL = {"year_summary": "全年投诉处理率100%", "year_plan": "提升满意度", "long_term_plan": "三年达到市优秀"}
REPAIRS = {"items": [{"item": "外墙防水", "scope": "1-3栋", "budget": 120000, "planned_month": 4}],
           "drafted_by": "工程主管老李"}
TRAINING = {"plans": [{"staff_category": "customer_service", "outline": "投诉处理与礼仪", "schedule": "3月、9月各8课时,集中授课"},
                      {"staff_category": "engineering", "outline": "配电与消防设备操作", "schedule": "每季度4课时,实操"}],
            "drafted_by": "经理老王"}
ASSESSED = {"hq_comments": "计划可行", "timeliness": "on_time", "completeness": "A", "quality": "A"}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "annual_plan", properties=("P001", "P002"))


def test_annual_plans_open_on_1_january_and_are_due_on_the_15th(session, library, clock):
    cases = scheduled(session, clock, at(2027, 1, 1, 9, 0, 1))
    assert len(cases) == 2 and all(c.case_no.startswith("ND") for c in cases)
    case = cases[0]
    tasks = case.tasks()
    assert tasks["write_annual"].lane == "manager" and tasks["major_repair_plan"].lane == "eng_supervisor"
    assert tasks["write_annual"].due_at == tasks["major_repair_plan"].due_at == at(2027, 1, 15, 18)
    assert tasks["write_training"].lane == "manager" and tasks["write_training"].due_at == at(2027, 1, 31, 18)
    clock.move_to(at(2027, 1, 12, 10))
    case.complete("write_annual", ANNUAL, user="mgr1")
    assert case.open() == {"major_repair_plan", "write_training"}  # HQ receives them together
    case.complete("major_repair_plan", REPAIRS, user="engsup1")
    clock.move_to(at(2027, 1, 28, 10))
    case.complete("write_training", TRAINING, user="mgr1")
    assert case.tasks()["assess_annual"].lane == "hq"
    data = case.data()
    assert data["annual_on_time"] is True and data["repair_plan_on_time"] is True and data["training_on_time"] is True
    case.complete("assess_annual", ASSESSED, user="hq")
    assert case.instance.status == InstanceStatus.COMPLETED
    assert scheduled(session, clock, at(2027, 6, 1)) == []  # once a year


def test_a_late_annual_plan_is_chased_daily_and_hq_told(session, library, clock):
    [case, _] = scheduled(session, clock, at(2027, 1, 1, 9, 0, 1))
    clock.move_to(at(2027, 1, 10))
    case.complete("major_repair_plan", REPAIRS, user="engsup1")
    assert fire(session, clock, at(2027, 1, 15, 17, 59)) == 0
    assert fire(session, clock, at(2027, 1, 15, 18, 0, 1)) == 3  # P001: the annual plan; P002: both
    assert "年度计划和总结已逾期" in case.notices("manager")[0] and "逾期未报" in case.notices("hq")[0]
    assert case.escalated() == ["write_annual"]
    assert fire(session, clock, at(2027, 1, 16, 18, 0, 1)) == 3  # and chased again the next day
    clock.move_to(at(2027, 1, 17, 9))
    case.complete("write_annual", ANNUAL, user="mgr1")
    assert case.open() == {"write_training"}  # due at the end of January
    case.complete("write_training", TRAINING, user="mgr1")
    data = case.data()  # what HQ's assessment of timeliness reads
    assert data["annual_on_time"] is False and data["training_on_time"] is True


def test_a_late_training_outline_is_chased_daily_from_the_end_of_january(session, library, clock):
    [case, other] = scheduled(session, clock, at(2027, 1, 1, 9, 0, 1))
    clock.move_to(at(2027, 1, 14))
    for c in (case, other):
        c.complete("write_annual", ANNUAL, user="mgr1").complete("major_repair_plan", REPAIRS, user="engsup1")
    other.complete("write_training", TRAINING, user="mgr1")
    assert fire(session, clock, at(2027, 1, 31, 17, 59)) == 0  # [001] 每年1月: January is not over
    assert fire(session, clock, at(2027, 1, 31, 18, 0, 1)) == 1  # only P001's outline is missing
    assert "年度培训大纲已逾期" in case.notices("manager")[0] and "年度培训大纲逾期未报" in case.notices("hq")[0]
    assert case.escalated() == ["write_training"] and other.escalated() == []
    assert fire(session, clock, at(2027, 2, 1, 18, 0, 1)) == 1  # and chased again the next day
    case.complete("write_training", TRAINING, user="mgr1")
    assert case.data()["training_on_time"] is False and case.open() == {"assess_annual"}
    assert fire(session, clock, at(2027, 2, 2, 18, 0, 1)) == 0  # chasing stops once it is in


def test_the_property_sets_the_training_outlines_due_day(session, library, clock):
    set_parameter(session, get_property(session, "P001"), "training_due_day", 20, "annual_plan")
    session.commit()
    [case, other] = scheduled(session, clock, at(2027, 1, 1, 9, 0, 1))
    assert case.tasks()["write_training"].due_at == at(2027, 1, 20, 18)
    assert other.tasks()["write_training"].due_at == at(2027, 1, 31, 18)
