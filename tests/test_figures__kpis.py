"""Service figures (engine.figures): a month of scripted cases under a frozen clock, every KPI against hand counts.

November 2026 at P001 (2,000 households): four complaints and three repairs, with promises
met and missed, ratings A/B/C, a 返单 and an extension. The figures are kept by
``rollup.sync`` and must equal a rebuild of the month from the audit alone.
"""
from datetime import date

import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from sqlalchemy import delete

from engine import create_user, get_property, grant, set_parameter
from engine.figures import queries, rollup
from engine.storage.models import FigureFact, FigureMonth, FigureSync, InstanceStatus

COMPLAINT = {"resident_name": "张三", "building_room": "3-1201", "contact_phone": "13800000000",
             "channel": "phone", "content": "楼道灯坏了一周没人修"}
CONFIRM = {"confirmed_via": "phone", "contact_person": "客服小王"}
SOLVED = {"outcome": "solved", "investigation": "现场核实属实", "result": "已处理", "handled_by": "李工",
          "preventive_measures": "每月巡查"}
PLAN = {"outcome": "initial_plan", "investigation": "需更换线路", "initial_plan": "申请维修资金", "handled_by": "李工",
        "further_steps": [{"step": "更换线路", "due_date": "2026-12-10"}]}
FEEDBACK = {"feedback_content": "已处理", "feedback_via": "phone"}
VERIFIED = {"result_verified": True, "verification_note": "现场核实", "preventive_measures_reviewed": True}
REPAIR = {"resident_name": "李四", "building_room": "5-302", "contact_phone": "13900000000", "content": "厨房水管爆裂",
          "repair_category": "water_leak", "safety_risk": False, "channel": "hotline", "source": "resident"}
ARRIVED = {"arrived_at": "2026-11-10T09:20:00+08:00", "diagnosis": "接头老化", "paid_service": False}
WORK = {"work_done": "更换接头", "completed_at": "2026-11-10T10:30:00+08:00"}
SIGNED = {"work_accepted": True, "signed_by": "李四"}


def callback(rating):
    return {"reached": True, "callback_content": "回访", "rating": rating, "callback_staff": "客服",
            "callback_date": "2026-11-20"}


def classification(cause="service", category="facility", validity="valid"):
    data = {"validity": validity, "cause": cause, "urgency": "medium", "analysis": "分析", "reply_content": "已安排"}
    if cause == "service":
        data["service_category"] = category
    return data


@pytest.fixture
def month(session, fast_validation, clock):
    """Run November's cases; return nothing (the figures are in the database)."""
    deploy_library(session, "complaint", "repair")
    prop = get_property(session, "P001")
    set_parameter(session, prop, "households", 2000)
    for name, role in (("sup1", "cs_supervisor"), ("mgr1", "manager"), ("fd1", "front_desk")):
        grant(session, create_user(session, name, name, "pw-long-enough"), prop, role)
    session.commit()

    # C1 (Mon 2 Nov): every complaint deadline met, engineering, callback A by the supervisor -> closed
    clock.move_to(at(2026, 11, 2, 9))
    c1 = Case.start(session, "complaint", COMPLAINT)
    c1.complete("confirm_receipt", CONFIRM, user="fd1").complete("classify", classification(), user="fd1")
    c1.complete("dispatch", {"dispatch_requirements": "修复"}, user="fd1")
    c1.complete("handle_engineering", SOLVED).complete("feedback_result", FEEDBACK, user="fd1")
    c1.complete("verify", VERIFIED, user="sup1").complete("cb_phone", callback("A"), user="sup1")
    # C4 (Mon 2 Nov): initial plan in time, the 15-working-day solve deadline missed, extended; callback C, open
    c4 = Case.start(session, "complaint", COMPLAINT)
    c4.complete("confirm_receipt", CONFIRM, user="fd1")
    c4.complete("classify", classification("external"), user="fd1").complete("dispatch", {"dispatch_requirements": "协调"}, user="fd1")
    clock.move_to(at(2026, 11, 3, 9))
    c4.complete("handle_customer_service", PLAN)
    rollup.sync(session)  # mid-month: the roll-ups follow the cases
    session.commit()
    # C2 (Fri 6 Nov): receipt confirmed late (escalated), security, callback B by the manager -> closed
    clock.move_to(at(2026, 11, 6, 9))
    c2 = Case.start(session, "complaint", COMPLAINT)
    assert fire(session, clock, at(2026, 11, 7, 9, 0, 1)) == 1
    c2.complete("confirm_receipt", CONFIRM, user="fd1")
    c2.complete("classify", classification("service", "security"), user="fd1")
    c2.complete("dispatch", {"dispatch_requirements": "处理"}, user="fd1")
    c2.complete("handle_security", SOLVED).complete("feedback_result", FEEDBACK, user="fd1")
    c2.complete("verify", VERIFIED, user="sup1").complete("cb_phone", callback("B"), user="mgr1")
    # C3 (Mon 9 Nov): invalid, explained -> closed
    clock.move_to(at(2026, 11, 9, 9))
    c3 = Case.start(session, "complaint", COMPLAINT)
    c3.complete("confirm_receipt", CONFIRM, user="fd1").complete("classify", classification(validity="invalid"), user="fd1")
    c3.complete("explain_invalid", {"explanation": "属市政管辖"}, user="fd1")
    # R1 (Tue 10 Nov): emergency, on site in 25 minutes, repaired, callback A by the supervisor
    clock.move_to(at(2026, 11, 10, 9))
    r1 = Case.start(session, "repair", REPAIR)
    clock.move_to(at(2026, 11, 10, 9, 10))
    r1.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    clock.move_to(at(2026, 11, 10, 9, 25))
    r1.complete("arrive_site", ARRIVED, user="eng1").complete("repair_work", WORK, user="eng1")
    r1.complete("signoff", SIGNED, user="eng1").complete("cb_phone", callback("A"), user="sup1")
    # R2 (Wed 11 Nov): emergency, NOT on site in 30 minutes, then repaired in time, callback A by the supervisor
    clock.move_to(at(2026, 11, 11, 9))
    r2 = Case.start(session, "repair", REPAIR)
    r2.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    assert fire(session, clock, at(2026, 11, 11, 9, 30, 1)) == 1
    r2.complete("supervise_arrival", {"action_taken": "调派", "new_eta": "10分钟", "told_resident": True}, user="eng9")
    r2.complete("arrive_site", ARRIVED, user="eng1").complete("repair_work", WORK, user="eng1")
    r2.complete("signoff", SIGNED, user="eng1").complete("cb_phone", callback("A"), user="sup1")
    # R3 (Thu 12 Nov): plumbing (24 h), on site in time, repair late; callback C -> 返单, reworked, callback A
    clock.move_to(at(2026, 11, 12, 9))
    r3 = Case.start(session, "repair", {**REPAIR, "repair_category": "plumbing"})
    r3.complete("accept_order", {"technician": "王师傅"}, user="eng1").complete("arrive_site", ARRIVED, user="eng1")
    assert fire(session, clock, at(2026, 11, 13, 9, 0, 1)) == 1
    r3.complete("supervise_repair", {"action_taken": "加派人手", "new_eta": "今天", "told_resident": True}, user="eng9")
    r3.complete("repair_work", WORK, user="eng1").complete("signoff", SIGNED, user="eng1")
    r3.complete("cb_phone", callback("C"), user="fd1")
    r3.complete("cb_dissatisfied", {"action": "rework", "rework_instructions": "彻底更换", "rework_working_days": 2},
                user="sup1")
    r3.complete("repair_work", WORK, user="eng1").complete("signoff", SIGNED, user="eng1")
    r3.complete("cb_phone", callback("A"), user="fd1")
    # C4 goes on: 15 working days from 2 Nov end on 23 Nov; extended; handled; callback C; still open
    assert fire(session, clock, at(2026, 11, 23, 9, 0, 1)) == 1
    clock.move_to(at(2026, 11, 23, 10))
    c4.complete("extend_supervisor", {"extension_reason": "审批中", "extension_working_days": 5,
                                      "told_resident": True}, user="sup1")
    c4.complete("handle_customer_service", SOLVED).complete("feedback_result", FEEDBACK, user="fd1")
    c4.complete("verify", VERIFIED, user="sup1").complete("cb_phone", callback("C"), user="fd1")
    rollup.sync(session)
    session.commit()
    for case in (c1, c2, c3, r1, r2, r3):
        assert case.instance.status == InstanceStatus.COMPLETED, case.case_no
    assert c4.instance.status == InstanceStatus.RUNNING
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "r1": r1, "r2": r2, "r3": r3}


def values(figures):
    return {key: f.value for key, f in figures.items()}


# Counted by hand from the script above.
EXPECTED = {
    "complaint_handling": round(100 * 2 / 3, 1),         # valid C1 C2 C4; closed C1 C2
    "complaint_rate": round(3 * 1000 / 2000 * 365 / 30, 2),  # 3 valid in 30 days, 2,000 households, a year
    "satisfaction": round(100 * 5 / 7, 1),               # A B C (C1 C2 C4), A A C A (R1 R2 R3 R3)
    "repair_timeliness": round(100 * 4 / 6, 1),          # arrive: R1 R3 met, R2 missed; repair: R1 R2 met, R3 missed
    "repair_quality": round(100 * 2 / 3, 1),             # R3 was returned (返单)
    "complaint_confirm": 75.0,                           # C2 late
    "complaint_reply": 100.0,
    "complaint_initial": 100.0,                          # C1 C2 solved, C4 initial plan in time
    "complaint_solve": round(100 * 2 / 3, 1),            # C4 needed an extension
    "complaint_extensions": 1.0,
    "escalations": 4.0,                                  # C2 confirm, C4 solve, R2 arrival, R3 repair
    "callback_rate": 100.0,                              # C1 C2 R1 R2 R3 closed, all called back
    "callbacks_by_supervisor": 1.0,                      # sup1: C1 (R1 R2 are repairs: not complaint callbacks)
    "callbacks_by_manager": 1.0,                         # mgr1: C2
    "callback_list": None,                               # no monthly list this month
    "archive": 100.0,                                    # C1 C2 C3 R1 R2 R3 closed with their records
    "survey_return": None,                               # no survey round this month (see test_surveys)
    "reporting": None,                                   # no report to HQ this month (see test_figures__reporting)
    "reporting_complete": None,
}


def test_a_month_of_cases_gives_every_kpi_as_counted_by_hand(session, month):
    prop = get_property(session, "P001")
    figures = queries.months_figures(session, ["2026-11"], [prop.id])[(prop.id, "2026-11")]
    assert values(figures) == EXPECTED
    assert {k: f.status for k, f in figures.items() if k in ("satisfaction", "archive", "complaint_rate",
                                                             "callbacks_by_supervisor")} == {
        "satisfaction": "red", "archive": "green", "complaint_rate": "red", "callbacks_by_supervisor": "red"}
    assert figures["satisfaction"].target == 90.0 and figures["repair_timeliness"].target == 95.0


def test_complaints_by_cause_and_department(session, month):
    prop = get_property(session, "P001")
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    assert queries.breakdown(session, prop.id, *nov, "complaint_cause") == {"service": 2, "external": 1}
    assert queries.breakdown(session, prop.id, *nov, "complaint_department") == {
        "engineering": 1, "front_desk": 1, "security": 1}


def test_each_figure_links_to_the_cases_behind_it(session, month):
    prop = get_property(session, "P001")
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    missed = queries.cases_behind(session, prop.id, "repair_timeliness", *nov, missed_only=True)
    assert [c.case_no for c, _n, _h in missed] == [month["r3"].case_no, month["r2"].case_no]
    behind = queries.cases_behind(session, prop.id, "satisfaction", *nov)
    assert {c.case_no for c, _n, _h in behind} == {month[k].case_no for k in ("c1", "c2", "c4", "r1", "r2", "r3")}


def test_any_date_range_and_targets_per_property(session, month):
    prop = get_property(session, "P001")
    first_half = queries.range_figures(session, prop.id, date(2026, 11, 1), date(2026, 11, 10))
    assert first_half["repair_timeliness"].value == 100.0  # only R1 by the 10th
    assert first_half["complaint_handling"].value == round(100 * 2 / 3, 1)  # C1 C4 C2 registered by then
    whole = queries.range_figures(session, prop.id, date(2026, 11, 1), date(2026, 11, 30))
    assert values(whole) == EXPECTED  # the facts and the roll-up agree
    set_parameter(session, prop, "target_satisfaction", 70, "figures")
    figures = queries.range_figures(session, prop.id, date(2026, 11, 1), date(2026, 11, 30))
    assert figures["satisfaction"].target == 70.0 and figures["satisfaction"].status == "green"


def test_a_rebuild_from_the_audit_gives_the_same_numbers(session, month):
    prop = get_property(session, "P001")
    kept = queries.months_figures(session, ["2026-11"], [prop.id])
    for table in (FigureFact, FigureMonth, FigureSync):
        session.execute(delete(table))
    session.commit()
    assert values(queries.months_figures(session, ["2026-11"], [prop.id])[(prop.id, "2026-11")])["satisfaction"] is None
    rollup.rebuild_month(session, "2026-11")
    session.commit()
    assert queries.months_figures(session, ["2026-11"], [prop.id]) == kept
    assert rollup.sync(session) > 0 and queries.months_figures(session, ["2026-11"], [prop.id]) == kept
    assert rollup.sync(session) == 0  # nothing new: nothing re-read


def test_the_rebuild_command_names_the_month_and_refuses_a_bad_one(tmp_path):
    from click.testing import CliRunner

    from cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["--database-url", url, "init-db"]).exit_code == 0
    result = runner.invoke(main, ["--database-url", url, "figures", "rebuild", "--month", "2026-11"])
    assert result.exit_code == 0 and "2026-11: rebuilt from the audit of 0 cases" in result.output
    result = runner.invoke(main, ["--database-url", url, "figures", "rebuild", "--month", "2026-13"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output
    assert "figures up to date" in runner.invoke(main, ["--database-url", url, "figures", "sync"]).output


def test_the_monthly_report_opens_with_the_months_figures_and_hq_sees_who_is_late(session, month, clock):
    from engine import create_property
    from engine.figures import report

    deploy_library(session, "monthly_report", properties=("P001",))
    create_property(session, "P009", "未上线项目")
    session.commit()
    prop = get_property(session, "P001")
    assert report.report_values(session, prop.id, "2026-11") == {
        "complaints_received": 4, "complaints_valid": 3, "complaints_solved": 2, "repairs": 3,
        "repairs_on_time": 2, "incidents": 0, "satisfaction_rate": round(100 * 5 / 7, 1)}
    clock.move_to(at(2026, 12, 1, 9))
    case = Case.start(session, "monthly_report", {"period": "2026-12-01T09:00:00+08:00"}, user="scheduler")
    rollup.sync(session)
    states = report.report_status(session, "2026-11")
    assert states[prop.id] == "open" and states[get_property(session, "P009").id] == "missing"
    fire(session, clock, at(2026, 12, 10, 18, 0, 1))
    rollup.sync(session)
    assert report.report_status(session, "2026-11")[prop.id] == "late"
    case.complete("write_monthly", {"business_summary": "本月运行平稳", **report.report_values(session, prop.id, "2026-11")},
                  user="mgr1")
    rollup.sync(session)
    assert report.report_status(session, "2026-11")[prop.id] == "submitted_late"


@pytest.mark.parametrize("key, value, state", [
    ("satisfaction", 90.0, "green"), ("satisfaction", 86.0, "amber"), ("satisfaction", 84.9, "red"),
    ("complaint_rate", 0.5, "green"), ("complaint_rate", 0.6, "amber"), ("complaint_rate", 0.7, "red"),
    ("callbacks_by_supervisor", 15, "green"), ("callbacks_by_supervisor", 12, "amber"),
    ("callbacks_by_supervisor", 11, "red"), ("satisfaction", None, "none"),
])
def test_green_amber_red_against_the_target(key, value, state):
    from engine.figures import kpis

    kpi = kpis.BY_KEY[key]
    assert kpis.status(kpi, value, kpi.target) == state


def test_valid_complaints_per_thousand_households_a_year():
    from engine.figures import kpis

    assert kpis.per_thousand_a_year(1, 2000, 365) == 0.5
    assert kpis.per_thousand_a_year(1, 2000, 30) == round(1000 / 2000 * 365 / 30, 2)
    assert kpis.per_thousand_a_year(3, None, 30) is None  # no households: no rate


def test_a_bounded_sync_goes_on_where_it_stopped(session, month):
    prop = get_property(session, "P001")
    kept = queries.months_figures(session, ["2026-11"], [prop.id])
    for table in (FigureFact, FigureMonth):
        session.execute(delete(table))
    session.execute(delete(FigureSync))
    session.commit()
    rounds = 0
    while rollup.sync(session, max_events=20):
        rounds += 1
        session.commit()
    assert rounds > 3 and queries.months_figures(session, ["2026-11"], [prop.id]) == kept
