"""A form sent for a task that moved on meanwhile answers 409, says what happened and who, and keeps the entries."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from engine import HumanTask, cancel_instance, complete_task, fire_due_timers, reassign, start_instance

TYPED = {"result": "更换了阀门\n已试水", "finished_on": "2026-11-23"}


@pytest.fixture
def handle(session, app):
    """A case at 上门处理 (engineering at P001, deadline days ahead) and the form eng1 opened for it."""
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    register = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    complete_task(session, register.id, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    return SimpleNamespace(id=case.id, case_no=case.case_no), SimpleNamespace(id=task.id)


def _send(as_user, case, task, who="eng1"):
    return as_user(who).post(f"/tasks/{task.id}", data={**TYPED, "_case": str(case.id)})


def _kept(page):
    assert "处理结果" in page and "更换了阀门\n已试水</textarea>" in page and "2026-11-23" in page


def test_completed_by_someone_else(session, as_user, handle):
    case, task = handle
    assert as_user("eng1b").post(f"/tasks/{task.id}", data={"result": "修好了"}).status_code == 302
    response = _send(as_user, case, task)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "“上门处理”已由 工程小孙 于" in page and "完成" in page
    _kept(page)


def test_reassigned_meanwhile(session, as_user, handle):
    case, task = handle
    reassign(session, task.id, "eng1b", by="sup1")
    session.commit()
    response = _send(as_user, case, task)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "客服主任老张 已将此待办交给 工程小孙" in page
    _kept(page)
    assert session.get(HumanTask, task.id).assignee == "eng1b"


def test_closed_by_its_deadline(session, as_user, handle):
    case, task = handle
    with time_machine.travel(datetime.now(UTC) + timedelta(days=10), tick=False):
        fire_due_timers(session, datetime.now(UTC))
        session.commit()
        response = _send(as_user, case, task)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "时限(处理时限)已过,工单已升级" in page
    _kept(page)


def test_case_cancelled(session, as_user, handle):
    case, task = handle
    cancel_instance(session, case.id, user="sup1", reason="业主撤回")
    session.commit()
    response = _send(as_user, case, task)
    assert response.status_code == 409
    assert f"工单 {case.case_no} 已由 客服主任老张 于" in response.get_data(as_text=True)


def test_another_propertys_task_stays_unknown(session, as_user, handle):
    case, task = handle
    complete_task(session, task.id, {"result": "修好了"}, user="eng1")
    session.commit()
    assert as_user("fd2").post(f"/tasks/{task.id}", data={"result": "x", "_case": str(case.id)}).status_code == 404
    assert as_user("eng1").post("/tasks/no-such-task", data={"result": "x"}).status_code == 404
