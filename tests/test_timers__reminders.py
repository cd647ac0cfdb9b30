"""Deadline-near notices: once per open task, to its assignee or else its role, when its time runs short."""
from datetime import UTC, datetime, timedelta, timezone

import time_machine
from sqlalchemy import select, update

from engine import AuditEvent, AuditKind, HumanTask, OutboxMessage, create_user, notice_due_soon, start_instance

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def test_a_task_is_noticed_once_when_a_quarter_of_its_time_is_left(session, deadline_deployed):
    create_user(session, "eng1", "张工", "password1", roles={"P001": ["engineering"]}, email="eng1@example.com")
    with time_machine.travel(T0, tick=False) as clock:
        case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600})
        long_case = start_instance(session, "P001", "deadline", {"delay_seconds": 48 * 3600})
        session.commit()
        clock.move_to(T0 + timedelta(minutes=44))
        assert notice_due_soon(session, datetime.now(UTC)) == 0
        clock.move_to(T0 + timedelta(minutes=46))  # 14 minutes of 60 left
        assert notice_due_soon(session, datetime.now(UTC)) == 1
        assert notice_due_soon(session, datetime.now(UTC)) == 0
        clock.move_to(T0 + timedelta(minutes=55))
        assert notice_due_soon(session, datetime.now(UTC)) == 0

        notice = session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.NOTIFIED)).one()
        assert notice.instance_id == case.id and notice.title == "上门处理"
        assert notice.data["to"] == "engineering" and notice.data["reason"] == "deadline_near"
        assert notice.data["message"] == "「上门处理」将于 2026-11-23 10:00 到期"
        [mail] = session.scalars(select(OutboxMessage)).all()
        assert mail.address == "eng1@example.com" and mail.subject.startswith("[翠湖花园] 即将超时: 上门处理")
        assert "2026-11-23 10:00" in mail.body

        clock.move_to(T0 + timedelta(hours=44, minutes=1))  # the 48-hour task: 4 hours (at most) before
        assert notice_due_soon(session, datetime.now(UTC)) == 1
        assert session.scalars(select(AuditEvent.instance_id).where(
            AuditEvent.kind == AuditKind.NOTIFIED).order_by(AuditEvent.id.desc())).first() == long_case.id


def test_an_assigned_task_is_noticed_to_its_assignee_only(session, deadline_deployed):
    create_user(session, "eng1", "张工", "password1", roles={"P001": ["engineering"]}, email="eng1@example.com")
    create_user(session, "eng2", "李工", "password1", roles={"P001": ["engineering"]}, email="eng2@example.com")
    with time_machine.travel(T0, tick=False) as clock:
        case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600})
        session.execute(update(HumanTask).where(HumanTask.instance_id == case.id).values(assignee="eng2"))
        session.commit()
        clock.move_to(T0 + timedelta(minutes=50))
        assert notice_due_soon(session, datetime.now(UTC)) == 1
    assert [m.username for m in session.scalars(select(OutboxMessage))] == ["eng2"]
