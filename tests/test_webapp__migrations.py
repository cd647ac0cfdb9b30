"""Moving running cases from the browser: a dry run with reasons first, then the chosen or all eligible cases."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import HumanTask, Instance, ProcessVersion, Timer, complete_task, editable_files, save_edit, start_instance

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))
START = {"resident": "张三", "room": "3-1201"}
REGISTER = {"urgency": "normal", "content": "漏水", "items": []}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def new_version(session_factory, base_id, *edits):
    with session_factory() as s:
        base = s.get(ProcessVersion, base_id)
        files = editable_files(base.files)
        for old, new in edits:
            assert old in files["service_request.bpmn"]
            files["service_request.bpmn"] = files["service_request.bpmn"].replace(old, new)
        version = save_edit(s, base, files, author="owner1", message="v2").version
        s.commit()
        return version


@pytest.fixture
def cases(app, session_factory, deployed):
    """Three running cases on v1: two at registering (P001, P002), one at handling with a 48 h deadline."""
    with session_factory() as s:
        first = start_instance(s, "P001", "service_request", START)
        second = start_instance(s, "P002", "service_request", START)
        handled = start_instance(s, "P001", "service_request", START)
        s.flush()
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == handled.id)).one()
        complete_task(s, task.id, REGISTER, user="fd1")
        s.commit()
        return first.case_no, second.case_no, handled.case_no


def test_dry_run_then_move_the_chosen_case(as_user, cases, deployed, session_factory, frozen):
    first, second, handled = cases
    # v2 renames the handling step's id: a case waiting there cannot move
    v2 = new_version(session_factory, deployed.id,
                     ('<bpmn:userTask id="handle" name="上门处理">', '<bpmn:userTask id="onsite" name="上门处理">'),
                     ('attachedToRef="handle"', 'attachedToRef="onsite"'), ('targetRef="handle" />', 'targetRef="onsite" />'),
                     ('sourceRef="handle"', 'sourceRef="onsite"'),
                     ('<bpmn:flowNodeRef>handle</bpmn:flowNodeRef>', '<bpmn:flowNodeRef>onsite</bpmn:flowNodeRef>'))
    owner = as_user("hq")
    page = owner.get(f"/processes/service_request/migrate?to={v2.number}").get_data(as_text=True)
    assert "试运行" in page
    rows = {no: page.split(f'data-case="{no}"')[1].split("</tr>")[0] for no in cases}
    assert "可以迁移" in rows[first] and "可以迁移" in rows[second]
    assert "不能迁移" in rows[handled] and "工单正处于“上门处理”步骤,第 2 版已删除该步骤" in rows[handled]
    only_p2 = owner.get("/processes/service_request/migrate?to=2&property=P002").get_data(as_text=True)
    assert second in only_p2 and first not in only_p2

    with session_factory() as s:
        ids = dict(s.execute(select(Instance.case_no, Instance.id)).all())
    frozen.move_to(T0 + timedelta(hours=2))
    result = owner.post("/processes/service_request/migrate", data={"to": 2, "case": [ids[first]]})
    text = result.get_data(as_text=True)
    assert result.status_code == 200 and "已迁移到第 2 版" in text and first in text
    with session_factory() as s:
        versions = dict(s.execute(select(Instance.case_no, Instance.version_id)).all())
    assert versions == {first: v2.id, second: deployed.id, handled: deployed.id}
    timeline = owner.get(f"/cases/{ids[first]}").get_data(as_text=True)
    assert "总部 将工单从流程第 1 版迁移到第 2 版" in timeline


def test_move_all_eligible_keeps_deadlines_and_reports_refusals(as_user, cases, deployed, session_factory, frozen):
    first, second, handled = cases
    v2 = new_version(session_factory, deployed.id, ('name="超时跟进"', 'name="主管跟进"'))
    with session_factory() as s:
        due_before = s.scalars(select(Timer.due_at).join(Instance).where(Instance.case_no == handled)).all()
    frozen.move_to(T0 + timedelta(hours=3))
    owner = as_user("hq")
    text = owner.post("/processes/service_request/migrate", data={"to": v2.number, "scope": "all"}).get_data(as_text=True)
    assert "已迁移到第 2 版" in text
    with session_factory() as s:
        assert set(s.scalars(select(Instance.version_id))) == {v2.id}
        due_after = s.scalars(select(Timer.due_at).join(Instance).where(Instance.case_no == handled)).all()
    assert sorted(due_after) == sorted(due_before)  # the 48 h deadline did not restart
    again = owner.get("/processes/service_request/migrate?to=2").get_data(as_text=True)
    assert "没有进行中的工单在其他版本上" in again
