"""Outbox delivery through a real SMTP server: sent, failed with attempts, retried from the incident."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import free_port
from sqlalchemy import select

from engine import (
    Incident,
    IncidentStatus,
    OutboxMessage,
    OutboxStatus,
    deliver_due_messages,
    deliver_message,
    retry_incident,
    start_instance,
)
from engine.messages import outbox
from engine.messages.mail import MailError, SmtpMailer

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _message(session, **kw):
    case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600, "room": "1-101"})
    values = dict(kind="notified", address="eng1@example.com", subject="[翠湖花园] 即将超时: 上门处理",
                  body="任务「上门处理」将于 10:00 到期。\n", instance_id=case.id, username="eng1", now=T0) | kw
    message_id = outbox.add(session, **values)
    session.commit()
    return case, session.get(OutboxMessage, message_id)


def test_a_notice_is_delivered_by_smtp_with_its_chinese_subject(session, deadline_deployed, smtp_server):
    inbox, url = smtp_server
    case, message = _message(session)
    result = deliver_message(session, message.id, SmtpMailer(url, "物业通知 <notice@wuye.example>"), now=T0)
    session.commit()
    assert result.status == OutboxStatus.SENT and result.error is None
    assert (message.status, message.attempts, message.sent_at) == (OutboxStatus.SENT, 1, T0)
    [received] = inbox.messages
    assert received["To"] == "eng1@example.com" and received["Subject"] == "[翠湖花园] 即将超时: 上门处理"
    assert received.get_content().replace("\r\n", "\n") == "任务「上门处理」将于 10:00 到期。\n"
    assert received["Message-ID"].endswith("@wuye.example>")
    assert deliver_message(session, message.id, SmtpMailer(url, "n@wuye.example")).status is None
    assert len(inbox.messages) == 1


def test_a_refused_mail_is_retried_then_fails_into_an_incident_that_an_admin_retries(
        session, deadline_deployed, smtp_server):
    inbox, url = smtp_server
    mailer = SmtpMailer(url, "notice@wuye.example")
    inbox.refuse = "550 mailbox unavailable"
    case, message = _message(session)
    with time_machine.travel(T0, tick=False) as clock:
        for attempt, wait in enumerate(outbox.RETRY_INTERVALS, start=1):
            result = deliver_message(session, message.id, mailer)
            session.commit()
            assert result.status == OutboxStatus.PENDING and "550 mailbox unavailable" in result.error
            assert message.attempts == attempt
            assert message.next_attempt_at == datetime.now(UTC) + timedelta(seconds=wait)
            assert outbox.due_ids(session) == []  # not before its next attempt
            clock.shift(timedelta(seconds=wait))
            assert outbox.due_ids(session) == [message.id]
        result = deliver_message(session, message.id, mailer)
        session.commit()
    assert result.status == OutboxStatus.FAILED and message.attempts == outbox.MAX_ATTEMPTS
    incident = session.scalars(select(Incident).where(Incident.instance_id == case.id)).one()
    assert incident.source == "mail" and "eng1@example.com" in incident.message and "550" in incident.message
    assert inbox.messages == []

    inbox.refuse = None
    retry_incident(session, incident.id, user="admin")
    session.commit()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert incident.status == IncidentStatus.RESOLVED
    assert deliver_message(session, message.id, mailer).status == OutboxStatus.SENT
    session.commit()
    assert len(inbox.messages) == 1


def test_an_unreachable_server_is_a_mail_error_naming_it(session, deadline_deployed):
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "notice@wuye.example", timeout=2)
    with pytest.raises(MailError, match="ConnectionRefused"):
        mailer.send("a@example.com", "s", "b")
    assert "password" not in repr(SmtpMailer("smtp://u:password@mail.example:587", "n@x.example"))


def test_the_embedded_loop_delivers_due_mail_to_the_log(session, deadline_deployed, caplog):
    from engine.messages.mail import LogMailer

    _, message = _message(session)
    with caplog.at_level("INFO", logger="engine.messages.mail"):
        [result] = deliver_due_messages(session, LogMailer(), now=T0)
    assert result.status == OutboxStatus.LOGGED and message.subject in caplog.text
    assert deliver_due_messages(session, LogMailer(), now=T0) == []
