"""Notices become outbox mail in the step's transaction: escalations, diagram notices, assignments."""
from datetime import UTC, datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from engine import (
    AuditKind,
    HumanTask,
    OutboxMessage,
    OutboxStatus,
    complete_task,
    create_user,
    fire_due_timers,
    get_property,
    set_parameter,
    start_instance,
)
from engine.cases import history
from engine.messages.mail import LogMailer
from engine.messages.outbox import deliver
from engine.storage import followups

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def _staff(session):
    create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]}, email="sup1@example.com")
    create_user(session, "sup2", "赵主管", "password1", roles={"P002": ["cs_supervisor"]}, email="sup2@example.com")
    create_user(session, "mgr1", "Manager Li", "password1", roles={"P001": ["manager"]}, email="mgr1@example.com")
    create_user(session, "eng1", "张工", "password1", roles={"P001": ["engineering"]}, email="eng1@example.com")
    create_user(session, "eng2", "李工", "password1", roles={"P001": ["engineering"]})  # no email: inbox only
    session.commit()


def _mail(session):
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_missed_deadline_mails_the_supervisor_of_that_property(session, deadline_deployed, caplog):
    _staff(session)
    with time_machine.travel(T0, tick=False) as clock:
        case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600, "room": "3-201"}, user="fd1")
        session.commit()
        assert followups.take(session).due == {case.id: T0 + timedelta(hours=1)}
        clock.move_to(T0 + timedelta(hours=1, seconds=5))
        fire_due_timers(session, datetime.now(UTC))
        [mail] = _mail(session)
        assert (mail.address, mail.username, mail.kind, mail.status) == (
            "sup1@example.com", "sup1", "escalated", OutboxStatus.PENDING)
        assert mail.subject == f"[翠湖花园] 超时升级: 上门处理 ({case.case_no})"
        assert "处理时限" in mail.body and "2026-11-23 10:00" in mail.body and "3-201" in mail.body
        assert f"工单: {case.case_no}" in mail.body and "案件" not in mail.body  # the trade's word, as on the pages
        ready = followups.take(session)
        assert ready.mail == [mail.id] and ready.due == {case.id: None}

        with caplog.at_level("INFO", logger="engine.messages.mail"):
            assert deliver(session, mail.id, LogMailer()).status == OutboxStatus.LOGGED
        session.commit()
        assert mail.subject in caplog.text and "sup1@example.com" in caplog.text
        assert deliver(session, mail.id, LogMailer()).status is None  # once only
        assert mail.attempts == 1


def test_escalation_recipients_follow_the_property_parameter_in_each_ones_language(session, deadline_deployed):
    _staff(session)
    from engine import User

    session.scalars(select(User).where(User.username == "mgr1")).one().locale = "en"
    set_parameter(session, get_property(session, "P001"), "escalation_notify", ["manager", "cs_supervisor"])
    session.commit()
    with time_machine.travel(T0, tick=False) as clock:
        case = start_instance(session, "P001", "deadline", {"delay_seconds": 60})
        session.commit()
        clock.move_to(T0 + timedelta(minutes=2))
        fire_due_timers(session, datetime.now(UTC))
    mails = {m.username: m for m in _mail(session)}
    assert sorted(mails) == ["mgr1", "sup1"]
    assert mails["mgr1"].subject == f"[翠湖花园] Deadline missed: 上门处理 ({case.case_no})"
    assert mails["mgr1"].body.startswith("The task “上门处理” missed its deadline “处理时限” (due 2026-11-23 09:01)")
    assert mails["sup1"].subject.startswith("[翠湖花园] 超时升级")


def test_a_diagram_notice_reaches_the_role_holders_with_an_email(session, deployed):
    _staff(session)
    tz = timezone(timedelta(hours=8))
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=tz), tick=False) as clock:
        case = start_instance(session, "P001", "service_request", {"resident": "李四", "room": "5-302"})
        register = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
        complete_task(session, register, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
        session.commit()
        clock.move_to(datetime(2026, 11, 24, 9, 0, 1, tzinfo=tz))  # the working-day reminder: notify("engineering")
        fire_due_timers(session, datetime.now(UTC))
    [mail] = [m for m in _mail(session) if m.kind == "notified"]  # (the 24-hour deadline escalated too)
    assert mail.username == "eng1"  # eng2 has no email; P002 staff are not told
    assert mail.body.startswith(f"请尽快处理 {case.case_no}")


def test_a_rolled_back_step_leaves_no_mail_and_nothing_to_enqueue(session, deadline_deployed):
    _staff(session)
    with time_machine.travel(T0, tick=False) as clock:
        start_instance(session, "P001", "deadline", {"delay_seconds": 60})
        session.commit()
        followups.take(session)
        clock.move_to(T0 + timedelta(minutes=2))
        from engine import fire_instance_timers

        case_id = session.scalars(select(HumanTask.instance_id)).one()
        assert fire_instance_timers(session, case_id) == 1
        session.rollback()
    assert _mail(session) == [] and not followups.take(session)


def test_assignment_mails_the_assignee_in_their_language_but_not_a_self_claim(session, deadline_deployed):
    _staff(session)
    from engine import User

    session.scalars(select(User).where(User.username == "eng1")).one().locale = "en"
    case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600})
    task = session.scalars(select(HumanTask)).one()
    history.record(session, case.id, AuditKind.ASSIGNED, actor="sup1", task_id=task.id, title=task.title,
                 data={"assignee": "eng1"})
    history.record(session, case.id, AuditKind.ASSIGNED, actor="eng1", task_id=task.id, title=task.title,
                 data={"assignee": "eng1"})
    session.commit()
    [mail] = _mail(session)
    assert mail.username == "eng1" and mail.task_id == task.id
    assert mail.subject == f"[翠湖花园] Assigned to you: 上门处理 ({case.case_no})"
    assert mail.body.startswith("sup1 assigned the task “上门处理” to you.")
