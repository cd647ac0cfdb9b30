"""The one step routine: every way a case moves (start, timer, retry, completion) ends the same way,
and the rules of a step hold whoever calls it."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from cli import main as pflow
from engine import (
    AuditEvent,
    Conflict,
    HumanTask,
    Incident,
    InstanceStatus,
    claim,
    complete_task,
    create_property,
    deploy,
    fire_due_timers,
    load_folder,
    retry_incident,
    start_instance,
    store_version,
)
from engine.scripting import requests

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def quick(session, packages_dir):
    """The fixture ``quick`` process (ends at once, after a timer, or after a notifying script) at P001."""
    version = store_version(session, load_folder(packages_dir / "quick")).version
    deploy(session, version, [create_property(session, "P001", "翠湖花园")])
    session.commit()
    return version


def _kinds(session, case_id) -> list[str]:
    return [e.kind.value for e in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case_id)
                                                  .order_by(AuditEvent.id))]


def test_a_case_that_ends_at_its_start_is_recorded_as_completed(session, quick):
    case = start_instance(session, "P001", "quick", {"mode": "now"}, user="fd1", now=T0)
    session.commit()
    assert case.status == InstanceStatus.COMPLETED and case.ended_at == T0
    assert _kinds(session, case.id) == ["started", "completed"]


def test_a_case_that_ends_on_a_timer_is_recorded_as_completed(session, quick):
    with time_machine.travel(T0, tick=False) as clock:  # SpiffWorkflow reads the clock itself
        case = start_instance(session, "P001", "quick", {"mode": "timer"}, user="fd1")
        session.commit()
        assert case.status == InstanceStatus.RUNNING and case.next_timer_due == T0 + timedelta(hours=1)
        clock.move_to(T0 + timedelta(hours=1, seconds=1))
        report = fire_due_timers(session, datetime.now(UTC))
    assert report.fired == 1
    session.refresh(case)
    assert case.status == InstanceStatus.COMPLETED
    assert _kinds(session, case.id) == ["started", "timer_fired", "completed"]


class _FailsOnce:
    """Stands in for the notices collector: the first ``notify`` of a script fails, as a broken helper would."""

    def __init__(self, real):
        self.real, self.failed = real, False

    def add(self, item):
        if not self.failed:
            self.failed = True
            raise RuntimeError("notice service unavailable")
        self.real.add(item)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_case_that_ends_on_a_retry_is_recorded_as_completed(session, quick, monkeypatch):
    monkeypatch.setattr(requests, "_notices", _FailsOnce(requests._notices))
    case = start_instance(session, "P001", "quick", {"mode": "script"}, user="fd1", now=T0)
    session.commit()
    assert case.status == InstanceStatus.ERROR
    [incident] = session.scalars(select(Incident).where(Incident.instance_id == case.id)).all()
    assert "notice service unavailable" in incident.message

    retry_incident(session, incident.id, user="admin", now=T0 + timedelta(minutes=5))
    session.commit()
    assert case.status == InstanceStatus.COMPLETED and incident.resolved_at is not None
    assert _kinds(session, case.id) == ["started", "error", "retried", "notified", "completed"]


def test_what_a_failed_step_collected_never_reaches_the_next_step(session, quick):
    requests.notify("cs_supervisor", "left over from a step that failed")  # as a step that raised would leave it
    requests.start_case("quick", {"mode": "now"})
    case = start_instance(session, "P001", "quick", {"mode": "now"}, user="fd1", now=T0)
    session.commit()
    assert _kinds(session, case.id) == ["started", "completed"]
    assert requests.take_notices() == [] and requests.take_case_requests() == []


# --- someone else holds the task: refused by the engine, whoever calls it ---------------------------------------

def _claimed_task(session, deadline_deployed):
    case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600, "room": "3-201"}, user="fd1")
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    claim(session, task.id, "eng1")
    session.commit()
    return case, task


def test_completing_a_task_someone_else_holds_is_a_conflict(session, deadline_deployed):
    case, task = _claimed_task(session, deadline_deployed)
    with pytest.raises(Conflict) as refused:
        complete_task(session, task.id, {"result": "修好了"}, user="eng2")
    session.rollback()
    assert refused.value.code == "task_held" and refused.value.params["user"] == "eng1"
    assert session.get(HumanTask, task.id) is not None  # still open, still theirs


def test_pflow_complete_is_refused_like_the_web_app_for_a_task_someone_else_holds(
        session, deadline_deployed, db_engine):
    case, task = _claimed_task(session, deadline_deployed)
    url = db_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(pflow, ["--database-url", url, "complete", task.id, "--data", '{"result": "x"}',
                                        "--user", "eng2"])
    assert result.exit_code == 1 and "held by eng1" in result.output
    session.expire_all()
    assert session.get(HumanTask, task.id).assignee == "eng1"
