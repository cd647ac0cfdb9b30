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


def test_when_everyone_of_the_role_is_excluded_the_supervisor_gets_the_task_and_the_case_says_why(
        session, intake, as_user):
    from engine import create_user

    create_user(session, "fd9", "前台小林", "password-fd9", roles={"P001": ["front_desk"]})
    session.commit()
    case = start_instance(session, "P001", "intake", {"complained_staff": ["fd1", "fd9"]})  # every front desk
    session.commit()
    task = _triage(session, case)
    assert task.assignee == "sup1", "the supervisor took it over automatically"
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.ASSIGNED)).one()
    assert event.data == {"assignee": "sup1", "reason": "excluded", "excluded": ["fd1", "fd9"]}
    session.commit()
    page = as_user("sup1").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "该岗位所有人员均为本工单所涉人员(公正性要求):“分诊”已自动交给主管 客服主任老张" in page
    fd = as_user("fd1")
    assert task.id not in fd.get("/?view=team").get_data(as_text=True)  # not offered in any inbox view
    mine = fd.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "本工单涉及您本人" in mine and 'class="form"' not in mine  # a notice, not a form
    complete_task(session, task.id, TRIAGE, user="sup1")
    session.commit()


def test_the_reassign_list_leaves_out_whom_the_case_names(session, intake, as_user):
    from engine import create_user

    create_user(session, "fd9", "前台小林", "password-fd9", roles={"P001": ["front_desk"]})
    session.commit()
    case = start_instance(session, "P001", "intake", {"complained_staff": ["fd1"]})
    session.commit()
    task = _triage(session, case)
    assert task.assignee is None  # fd9 may still do it
    session.commit()
    sup = as_user("sup1")
    page = sup.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="fd9"' in page and 'value="fd1"' not in page
    assert sup.post(f"/tasks/{task.id}/reassign", data={"to": "fd1"}).status_code == 400
