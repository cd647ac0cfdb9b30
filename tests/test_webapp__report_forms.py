"""The reports to HQ started in the web app: immediate information by whoever hears of it, a move-in period by the
manager; a period ending before it starts is a clear 400 in Chinese naming the field, nothing saved."""
from library import clock, deploy_library, fast_validation  # noqa: F401 - fixtures
from sqlalchemy import select

from engine import HumanTask, Instance, create_user

PERIOD = {"batch": "5-6栋", "start_date": "2026-11-24", "end_date": "2026-11-20"}
LAWSUIT = {"info_type": "lawsuit", "subject": "业主起诉停车费", "content": "已收到传票", "event_stage": "occurred"}


def test_a_move_in_period_ending_before_it_starts_is_refused_in_chinese(session, as_user, fast_validation, clock):
    deploy_library(session, "move_in_report")
    create_user(session, "mgr1", "经理老陈", "password-mgr1", roles={"P001": ["manager"]})
    session.commit()
    mgr = as_user("mgr1")
    page = mgr.get("/cases/new/P001/move_in_report").get_data(as_text=True)
    assert "集中办理入住开始日期" in page and "集中办理入住结束日期" in page
    bad = mgr.post("/cases/new/P001/move_in_report", data=PERIOD)
    assert bad.status_code == 400 and "此日期不能早于开始日期" in bad.get_data(as_text=True)
    assert session.scalars(select(Instance)).all() == []
    session.commit()
    ok = mgr.post("/cases/new/P001/move_in_report", data={**PERIOD, "end_date": "2026-11-30"})
    assert ok.status_code == 302 and session.scalars(select(Instance.case_no)).one().startswith("RZ")
    task = session.scalars(select(HumanTask)).one()
    page = mgr.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "入住快报" in page and "2026-11-30" in page and 'href="tel:2026' not in page  # a date is no phone


def test_the_front_desk_registers_immediate_information_with_the_seeds_kinds(session, as_user, fast_validation,
                                                                             clock):
    deploy_library(session, "immediate_report")
    fd = as_user("fd1")
    page = fd.get("/cases/new/P001/immediate_report").get_data(as_text=True)
    for kind in ("法律诉讼", "媒体曝光", "重大、热点投诉", "媒体采访", "公司荣誉", "新项目拓展", "人事机构变动", "管理评审报告"):
        assert kind in page
    missing = fd.post("/cases/new/P001/immediate_report", data={**LAWSUIT, "event_stage": ""})
    assert missing.status_code == 400 and "此项必填" in missing.get_data(as_text=True)
    session.commit()
    ok = fd.post("/cases/new/P001/immediate_report", data=LAWSUIT)
    assert ok.status_code == 302 and session.scalars(select(Instance.case_no)).one().startswith("JS")
