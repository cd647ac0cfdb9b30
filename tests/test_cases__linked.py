"""start_case() in a diagram: the new case starts at the same property, in the same transaction, linked both ways."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    Instance,
    LinkedCaseFailed,
    NotAllowed,
    complete_task,
    deploy,
    get_property,
    load_folder,
    start_instance,
    store_version,
)
from engine.cases import workflows
from engine.scripting import requests

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))
PAYLOAD = {"resident": "王五", "room": "2-801"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def intake(session, deployed, packages_dir):
    """'intake' (opens cases) deployed to P001 and P002; 'service_request' deployed to both by ``deployed``."""
    version = store_version(session, load_folder(packages_dir / "intake")).version
    deploy(session, version, [get_property(session, "P001"), get_property(session, "P002")])
    session.commit()
    return version


def _task(session, instance, name):
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.task_name == name)).one()


def _triage(session, case, target="service_request", payload=PAYLOAD):
    complete_task(session, _task(session, case, "triage").id, {"target": target, "payload": payload}, user="fd1")


def test_opened_case_starts_at_the_same_property_linked_both_ways(session, intake, deployed):
    origin = start_instance(session, "P002", "intake", {}, user="fd1")
    session.commit()
    _triage(session, origin)
    session.commit()
    workflows._cache.clear()

    child = session.scalars(select(Instance).where(Instance.id != origin.id)).one()
    assert child.property_id == origin.property_id == get_property(session, "P002").id
    assert child.version_id == deployed.id and child.case_no.startswith("SR")
    assert child.started_by == origin.case_no
    assert child.summary == PAYLOAD
    link_back = {"case_no": origin.case_no, "process": "intake", "instance_id": origin.id}
    started = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == child.id,
                                                       AuditEvent.kind == AuditKind.STARTED)).one()
    assert started.data["data"]["opened_from"] == link_back
    assert _task(session, child, "register").lane == "front_desk"  # the new case ran to its first task

    link = {"case_no": child.case_no, "process": "service_request", "instance_id": child.id}
    opened = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == origin.id,
                                                      AuditEvent.kind == AuditKind.CASE_OPENED)).one()
    assert opened.data == link
    session.refresh(origin)
    track = next(t for t in workflows.load_workflow(session, origin).get_tasks() if t.task_spec.name == "track")
    assert track.data["opened_cases"] == [link]  # the origin's next step knows the new case number


def test_opened_case_rolls_back_with_its_step(session, intake):
    origin = start_instance(session, "P001", "intake", {})
    session.commit()
    _triage(session, origin)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Instance)) == 1
    assert _task(session, origin, "triage")  # still open


def test_invalid_start_data_refuses_the_step(session, intake):
    origin = start_instance(session, "P001", "intake", {})
    session.commit()
    with pytest.raises(LinkedCaseFailed, match=r"start form refuses the data \(room: ") as err:
        _triage(session, origin, payload={"resident": "王五"})
    assert isinstance(err.value, NotAllowed)  # callers that map NotAllowed need nothing new
    assert origin.case_no in str(err.value)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Instance)) == 1
    _triage(session, origin)  # the same step with good data goes through
    session.commit()
    assert session.scalar(select(func.count()).select_from(Instance)) == 2


def test_process_not_deployed_at_the_property_refuses_the_step(session, intake):
    origin = start_instance(session, "P001", "intake", {})
    session.commit()
    with pytest.raises(LinkedCaseFailed, match="'no_such_process' case: no process 'no_such_process'"):
        _triage(session, origin, target="no_such_process")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Instance)) == 1


def test_cases_opening_each_other_endlessly_are_refused(session, deployed, packages_dir):
    version = store_version(session, load_folder(packages_dir / "looper")).version
    deploy(session, version, [get_property(session, "P001")])
    session.commit()
    with pytest.raises(LinkedCaseFailed, match="3 deep"):
        start_instance(session, "P001", "looper", {})
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Instance)) == 0


def test_a_failed_steps_request_is_not_opened_by_the_next_step(session, intake):
    origin = start_instance(session, "P001", "intake", {})
    session.commit()
    requests.start_case("service_request", PAYLOAD)  # left behind by a step that then failed
    complete_task(session, _task(session, origin, "triage").id,
                  {"target": "service_request", "payload": PAYLOAD}, user="fd1")
    session.commit()
    assert session.scalar(select(func.count()).select_from(Instance)) == 2  # only the one this step asked for


def test_bad_arguments_fail_the_script_with_a_clear_message():
    from engine import ScriptError

    with pytest.raises(ScriptError, match="data must be a dict"):
        requests.start_case("repair", ["x"])
    with pytest.raises(ScriptError, match="needs a process key"):
        requests.start_case("", {})
    requests.reset()
