"""Moving running cases to a new version: dry run first, timers and typed data kept, refusals explained."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select, update

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    NotAllowed,
    Timer,
    cancel_instance,
    check_cases,
    complete_task,
    deploy,
    get_property,
    migrate_case,
    roll_back,
    start_instance,
    store_version,
)
from engine.cases import workflows
from engine.library.package import assemble, load_folder

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))
START = {"resident": "张三", "room": "3-1201"}
REGISTER = {"urgency": "normal", "content": "漏水", "items": []}
CHECK = ('<bpmn:userTask id="check" name="现场核实"><bpmn:extensionElements><spiffworkflow:properties>'
         '<spiffworkflow:property name="formJsonSchemaFilename" value="sr_check.json" /></spiffworkflow:properties>'
         '</bpmn:extensionElements><bpmn:incoming>f_register</bpmn:incoming>'
         '<bpmn:outgoing>f_check</bpmn:outgoing></bpmn:userTask>\n')


def version_with(session, packages_dir, *edits):
    """A new version of the fixture process: the BPMN text with (old, new) replacements."""
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    text = own["service_request.bpmn"].decode()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    own["service_request.bpmn"] = text.encode()
    own["sr_check.json"] = b'{"type": "object", "properties": {}}'
    package = assemble(own, resolver=lambda key: load_folder(packages_dir / key))
    return store_version(session, package, author="owner", message="edit").version


def add_check_step(session, packages_dir):
    """v2: a 现场核实 step between registering and deciding the priority."""
    return version_with(
        session, packages_dir,
        ('<bpmn:flowNodeRef>register</bpmn:flowNodeRef>',
         '<bpmn:flowNodeRef>register</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>'),
        ('<bpmn:businessRuleTask id="decide_priority"', CHECK + '<bpmn:businessRuleTask id="decide_priority"'),
        ('<bpmn:incoming>f_register</bpmn:incoming><bpmn:outgoing>f_decided</bpmn:outgoing>',
         '<bpmn:incoming>f_check</bpmn:incoming><bpmn:outgoing>f_decided</bpmn:outgoing>'),
        ('<bpmn:sequenceFlow id="f_register" sourceRef="register" targetRef="decide_priority" />',
         '<bpmn:sequenceFlow id="f_register" sourceRef="register" targetRef="check" />'
         '<bpmn:sequenceFlow id="f_check" sourceRef="check" targetRef="decide_priority" />'))


def tasks_of(session, case):
    return {t.task_name: t for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id))}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_dry_run_lists_who_can_move_and_why_not_and_changes_nothing(session, deployed, packages_dir):
    at_register = start_instance(session, "P001", "service_request", START)
    at_handle = start_instance(session, "P002", "service_request", START)
    session.flush()
    complete_task(session, tasks_of(session, at_handle)["register"].id, REGISTER, user="fd1")
    cancelled = start_instance(session, "P001", "service_request", START)
    session.flush()
    cancel_instance(session, cancelled.id, user="mgr")
    session.commit()
    v2 = add_check_step(session, packages_dir)
    session.commit()
    states = {c.id: c.state for c in (at_register, at_handle)}

    checks = {c.case_no: c for c in check_cases(session, v2)}
    assert set(checks) == {at_register.case_no, at_handle.case_no}  # 'all eligible' skips ended cases
    assert all(c.can_move and c.from_version == 1 for c in checks.values())
    [ended] = check_cases(session, v2, [cancelled.id])
    assert not ended.can_move and ended.reasons == ("it is cancelled",)
    for case in (at_register, at_handle):
        session.refresh(case)
        assert case.version_id == deployed.id and case.state == states[case.id]


def test_migrated_case_keeps_timers_claims_and_typed_data_and_runs_the_new_step(session, deployed, packages_dir,
                                                                                 frozen):
    early = start_instance(session, "P001", "service_request", START)
    late = start_instance(session, "P001", "service_request", START)
    session.flush()
    complete_task(session, tasks_of(session, late)["register"].id, REGISTER, user="fd1")
    session.commit()
    session.execute(update(HumanTask).where(HumanTask.id == tasks_of(session, late)["handle"].id)
                    .values(assignee="eng1"))  # claimed by an engineer
    due_before = {t.task_name: t.due_at for t in session.scalars(select(Timer).where(Timer.instance_id == late.id))}
    workflow = workflows.load_workflow(session, early)  # something typed into the open form and kept in the case
    [open_task] = [t for t in workflow.get_tasks() if t.task_spec.name == "register"]
    open_task.data["content"] = "草稿: 厨房漏水"
    workflows.save(session, early, workflow, T0)
    session.commit()
    v2 = add_check_step(session, packages_dir)
    session.commit()

    frozen.move_to(T0 + timedelta(hours=1))
    for case in (early, late):
        migrate_case(session, case.id, v2, user="owner")
        session.commit()
        session.refresh(case)
        assert case.version_id == v2.id
        event = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id,
                                                         AuditEvent.kind == AuditKind.MIGRATED)).one()
        assert (event.actor, event.data) == ("owner", {"from_version": 1, "to_version": 2})

    due_after = {t.task_name: t.due_at for t in session.scalars(select(Timer).where(Timer.instance_id == late.id))}
    assert due_after == due_before  # the 48 h deadline and the reminder did not restart
    assert tasks_of(session, late)["handle"].assignee == "eng1"
    workflows._cache.clear()  # read back from the database
    reloaded = workflows.load_workflow(session, early)
    [register] = [t for t in reloaded.get_tasks() if t.task_spec.name == "register"]
    assert register.data["content"] == "草稿: 厨房漏水"

    complete_task(session, tasks_of(session, early)["register"].id, REGISTER, user="fd1")
    session.commit()
    assert set(tasks_of(session, early)) == {"check"}  # the early case passes the new step
    assert tasks_of(session, early)["check"].title == "现场核实"
    complete_task(session, tasks_of(session, late)["handle"].id, {"result": "修好"}, user="eng1")
    session.commit()
    assert set(tasks_of(session, late)) == {"callback"}  # the late case was already past it


def test_a_case_at_a_removed_step_cannot_move(session, deployed, packages_dir):
    case = start_instance(session, "P001", "service_request", START)
    session.flush()
    complete_task(session, tasks_of(session, case)["register"].id, REGISTER, user="fd1")
    session.commit()
    v2 = version_with(session, packages_dir,
                      ('<bpmn:userTask id="handle" name="上门处理">', '<bpmn:userTask id="onsite" name="上门处理">'),
                      ('attachedToRef="handle"', 'attachedToRef="onsite"'),
                      ('targetRef="handle" />', 'targetRef="onsite" />'),
                      ('sourceRef="handle"', 'sourceRef="onsite"'),
                      ('<bpmn:flowNodeRef>handle</bpmn:flowNodeRef>', '<bpmn:flowNodeRef>onsite</bpmn:flowNodeRef>'))
    session.commit()
    [check] = check_cases(session, v2)
    assert not check.can_move
    assert "the case is at step '上门处理', which v2 removed" in check.reasons
    state = case.state
    with pytest.raises(NotAllowed, match="cannot move to v2: the case is at step '上门处理'"):
        migrate_case(session, case.id, v2, user="owner")
    session.rollback()
    session.refresh(case)
    assert case.version_id == deployed.id and case.state == state
    # the case still runs on its own version
    complete_task(session, tasks_of(session, case)["handle"].id, {"result": "修好"}, user="eng1")
    session.commit()
    assert set(tasks_of(session, case)) == {"callback"}


def test_new_cases_start_on_the_deployed_version_while_old_ones_keep_theirs(session, deployed, packages_dir):
    old = start_instance(session, "P001", "service_request", START)
    session.commit()
    v2 = add_check_step(session, packages_dir)
    deploy(session, v2, [get_property(session, "P001")], by="hq")
    session.commit()
    new = start_instance(session, "P001", "service_request", START)
    other = start_instance(session, "P002", "service_request", START)
    session.commit()
    assert (old.version_id, new.version_id, other.version_id) == (deployed.id, v2.id, deployed.id)
    for case, next_step in ((new, "check"), (old, "handle"), (other, "handle")):
        complete_task(session, tasks_of(session, case)["register"].id, REGISTER, user="fd1")
        session.commit()
        assert set(tasks_of(session, case)) == {next_step}


def test_roll_back_returns_a_property_to_its_previous_version(session, deployed, packages_dir):
    v2 = add_check_step(session, packages_dir)
    p1 = get_property(session, "P001")
    with pytest.raises(NotAllowed, match="no earlier version"):
        roll_back(session, p1, "service_request")
    deploy(session, v2, [p1], by="hq")
    session.commit()
    assert start_instance(session, "P001", "service_request", {"resident": "a", "room": "1"}).version_id == v2.id
    dep = roll_back(session, p1, "service_request", by="hq")
    session.commit()
    assert (dep.version_id, dep.previous_version_id, dep.deployed_by) == (deployed.id, v2.id, "hq")
    assert start_instance(session, "P001", "service_request", {"resident": "a", "room": "1"}).version_id == deployed.id
