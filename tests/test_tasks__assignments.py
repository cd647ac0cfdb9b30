"""Claiming, releasing and reassigning open tasks: one holder at a time, every change on the timeline."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import (
    AuditKind,
    Conflict,
    HumanTask,
    InboxQuery,
    claim,
    create_user,
    events_of,
    holders,
    inbox,
    reassign,
    release,
    start_instance,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def task(session, deployed):
    for name in ("fd1", "fd2"):
        create_user(session, name, name, "password-" + name, roles={"P001": ["front_desk"]})
    create_user(session, "sup1", "主任", "password-sup1", roles={"P001": ["cs_supervisor"]})
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, now=NOW)
    session.commit()
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()


def _users(session):
    from engine import User
    return {u.username: u for u in session.scalars(select(User))}


def test_claimed_task_leaves_the_others_inbox_until_released(session, task):
    users = _users(session)
    claim(session, task.id, "fd1", now=NOW)
    session.commit()
    assert inbox(session, users["fd1"], InboxQuery(), NOW).total == 1
    assert inbox(session, users["fd2"], InboxQuery(), NOW).total == 0
    assert inbox(session, users["fd2"], InboxQuery(view="team"), NOW).total == 1
    with pytest.raises(Conflict, match="held by fd1"):
        claim(session, task.id, "fd2", now=NOW)
    session.rollback()
    assert claim(session, task.id, "fd1").assignee == "fd1"  # idempotent for the holder
    with pytest.raises(Conflict):
        release(session, task.id, "fd2", now=NOW)
    session.rollback()
    release(session, task.id, "fd1", now=NOW)
    session.commit()
    assert inbox(session, users["fd2"], InboxQuery(), NOW).total == 1


def test_reassign_is_recorded_with_who_did_it(session, task):
    reassign(session, task.id, "fd2", by="sup1", now=NOW)
    session.commit()
    assert session.get(HumanTask, task.id).assignee == "fd2"
    [event] = [e for e in events_of(session, task.instance_id) if e.kind == AuditKind.ASSIGNED]
    assert (event.actor, event.data) == ("sup1", {"assignee": "fd2"})


def test_holders_of_a_role_at_a_property(session, task):
    assert [u.username for u in holders(session, task.property_id, "front_desk")] == ["fd1", "fd2"]
    assert holders(session, task.property_id, "engineering") == []
