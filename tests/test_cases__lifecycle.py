"""Starting cases, completing tasks with validated forms, cancelling; all persisted between steps."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from engine import (
    AuditEvent,
    AuditKind,
    Conflict,
    FormInvalid,
    HumanTask,
    Instance,
    InstanceStatus,
    NotAllowed,
    NotFound,
    Timer,
    cancel_instance,
    complete_task,
    start_instance,
)
from engine.cases import workflows

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))
START = {"resident": "张三", "room": "3-1201", "phone": "13800000000"}
REGISTER = {"urgency": "emergency", "content": "厨房漏水", "items": [50, 30.5]}


def open_tasks(session, instance):
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).all()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(params=["cached", "reloaded"])
def step(request, session):
    """Commit after each step; in 'reloaded' mode drop the workflow cache so every step deserializes."""
    def run(fn, *args, **kwargs):
        result = fn(session, *args, **kwargs)
        session.commit()
        if request.param == "reloaded":
            workflows._cache.clear()
        return result
    return run


def test_start_runs_to_first_user_task(session, deployed, step):
    case = step(start_instance, "P001", "service_request", START, user="fd1")
    assert case.case_no.startswith("SR20261123-")
    assert case.status == InstanceStatus.RUNNING and case.started_by == "fd1"
    assert case.summary == {"resident": "张三", "room": "3-1201"}
    [task] = open_tasks(session, case)
    assert (task.task_name, task.title, task.lane, task.form) == ("register", "登记请求", "front_desk",
                                                                  "sr_register.json")
    assert task.case_no == case.case_no and task.property_id == case.property_id
    started = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id)).one()
    assert started.kind == AuditKind.STARTED and started.actor == "fd1"
    assert started.data["data"]["room"] == "3-1201"


def test_invalid_start_form_saves_nothing(session, deployed):
    with pytest.raises(FormInvalid) as err:
        start_instance(session, "P001", "service_request", {"resident": "张三", "phone": "bad phone!"})
    fields = {e.field for e in err.value.errors}
    assert fields == {"room", "phone"}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Instance)) == 0


def test_whole_case_through_call_activity(session, deployed, step):
    case = step(start_instance, "P001", "service_request", START, user="fd1")
    [register] = open_tasks(session, case)
    step(complete_task, register.id, REGISTER, user="fd1")
    [handle] = open_tasks(session, case)
    assert (handle.task_name, handle.lane) == ("handle", "engineering")
    assert handle.due_at == NOW + timedelta(hours=1)  # emergency: the DMN table says 1 hour
    timers = session.scalars(select(Timer).where(Timer.instance_id == case.id)).all()
    assert {t.task_name for t in timers} == {"handle_deadline", "handle_reminder"}
    session.refresh(case)
    assert case.next_timer_due == NOW + timedelta(hours=1)
    assert case.current_step == "上门处理"

    step(complete_task, handle.id, {"result": "已更换阀门", "finished_on": "2026-11-23"}, user="eng1")
    [callback] = open_tasks(session, case)
    assert (callback.task_name, callback.lane) == ("callback", "front_desk")  # inside the call activity
    assert session.scalar(select(func.count()).select_from(Timer)) == 0
    step(complete_task, callback.id, {"rating": "A"}, user="fd2")
    session.refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.next_timer_due is None
    assert open_tasks(session, case) == []
    kinds = [e.kind for e in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id)
                                             .order_by(AuditEvent.id))]
    assert kinds == [AuditKind.STARTED] + [AuditKind.TASK_COMPLETED] * 3 + [AuditKind.COMPLETED]
    done = session.scalars(select(AuditEvent).where(AuditEvent.task_id == handle.id)).one()
    assert done.actor == "eng1" and done.data["result"] == "已更换阀门"
    # scripts and the decision table ran in the restricted environment
    wf = workflows.load_workflow(session, case)
    data = wf.last_task.data if wf.last_task else {}
    assert data.get("fee_total") == 80.5 and data.get("flags") == ["急修"] and data.get("level") == "emergency"


def test_invalid_task_data_names_fields_and_saves_nothing(session, deployed, step):
    case = step(start_instance, "P001", "service_request", START)
    [register] = open_tasks(session, case)
    before = (case.state, case.lock_version)
    with pytest.raises(FormInvalid) as err:
        complete_task(session, register.id, {"urgency": "whenever", "content": "x"}, user="fd1")
    session.rollback()
    assert {e.field for e in err.value.errors} == {"urgency", "content", "items"}
    session.refresh(case)
    assert (case.state, case.lock_version) == before
    assert [t.id for t in open_tasks(session, case)] == [register.id]
    # and the task can still be completed afterwards
    step(complete_task, register.id, REGISTER, user="fd1")


def test_only_the_tasks_role_may_complete_it(session, deployed, step):
    case = step(start_instance, "P001", "service_request", START)
    [register] = open_tasks(session, case)
    with pytest.raises(NotAllowed, match="front_desk"):
        complete_task(session, register.id, REGISTER, user="eng1", lanes=["engineering"])
    session.rollback()
    step(complete_task, register.id, REGISTER, user="fd1", lanes=["front_desk", "cs_supervisor"])


def test_completing_a_done_task_is_a_conflict(session, deployed, step):
    case = step(start_instance, "P001", "service_request", START)
    [register] = open_tasks(session, case)
    step(complete_task, register.id, REGISTER, user="fd1")
    with pytest.raises(Conflict, match="already completed by fd1"):
        complete_task(session, register.id, REGISTER, user="fd2")
    with pytest.raises(NotFound):
        complete_task(session, "00000000-0000-0000-0000-000000000000", REGISTER, user="fd2")


def test_cancel_removes_open_work(session, deployed, step):
    case = step(start_instance, "P001", "service_request", START)
    [register] = open_tasks(session, case)
    step(complete_task, register.id, REGISTER, user="fd1")
    step(cancel_instance, case.id, user="mgr", reason="业主撤回")
    session.refresh(case)
    assert case.status == InstanceStatus.CANCELLED and case.ended_at == NOW
    assert open_tasks(session, case) == []
    assert session.scalar(select(func.count()).select_from(Timer)) == 0
    assert case.next_timer_due is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.CANCELLED)).one()
    assert (event.actor, event.data) == ("mgr", {"reason": "业主撤回"})
    with pytest.raises(NotAllowed):
        cancel_instance(session, case.id, user="mgr")
