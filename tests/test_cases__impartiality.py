"""A user task's excludedUsersField: users the case data names may not complete it."""
import pytest
from sqlalchemy import select

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    NotAllowed,
    complete_task,
    deploy,
    get_property,
    load_folder,
    start_instance,
    store_version,
)

TRIAGE = {"target": "service_request", "payload": {"resident": "王五", "room": "2-801"}}


@pytest.fixture
def intake(session, deployed, packages_dir):
    version = store_version(session, load_folder(packages_dir / "intake")).version
    deploy(session, version, [get_property(session, "P001")])
    session.commit()


def _triage(session, case):
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id,
                                                   HumanTask.task_name == "triage")).one()


@pytest.mark.parametrize("named", [["fd1", "sec2"], "fd1"])
def test_the_user_the_case_names_may_not_complete_the_task(session, intake, named):
    case = start_instance(session, "P001", "intake", {"complained_staff": named})
    session.commit()
    task = _triage(session, case)
    with pytest.raises(NotAllowed, match="fd1 may not complete '分诊': the case names them in 'complained_staff'"):
        complete_task(session, task.id, TRIAGE, user="fd1", lanes=["front_desk"])
    session.rollback()
    assert session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.TASK_COMPLETED)).first() is None
    complete_task(session, task.id, TRIAGE, user="fd2", lanes=["front_desk"])  # a colleague may
    session.commit()


def test_no_one_named_excludes_no_one(session, intake):
    case = start_instance(session, "P001", "intake", {"complained_staff": []})
    session.commit()
    complete_task(session, _triage(session, case).id, TRIAGE, user="fd1")
    session.commit()


def test_a_field_that_is_not_user_names_fails_loudly(session, intake):
    case = start_instance(session, "P001", "intake", {"complained_staff": {"name": "fd1"}})
    session.commit()
    with pytest.raises(NotAllowed, match="must hold user names"):
        complete_task(session, _triage(session, case).id, TRIAGE, user="fd2")
    session.rollback()
