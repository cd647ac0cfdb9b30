"""Outbox delivery through a real SMTP server: sent, failed with attempts, retried from the incident."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import incidents, outbox
from engine.instances import start_instance
from engine.mailer import MailError, SmtpMailer
from engine.models import Incident, IncidentStatus, OutboxMessage, OutboxStatus

from conftest import free_port

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


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
    result = outbox.deliver(session, message.id, SmtpMailer(url, "物业通知 <notice@wuye.example>"), now=T0)
    session.commit()
    assert result.status == OutboxStatus.SENT and result.error is None
    assert (message.status, message.attempts, message.sent_at) == (OutboxStatus.SENT, 1, T0)
    [received] = inbox.messages
    assert received["To"] == "eng1@example.com" and received["Subject"] == "[翠湖花园] 即将超时: 上门处理"
    assert received.get_content().replace("\r\n", "\n") == "任务「上门处理」将于 10:00 到期。\n"
    assert received["Message-ID"].endswith("@wuye.example>")
    assert outbox.deliver(session, message.id, SmtpMailer(url, "n@wuye.example")).status is None
    assert len(inbox.messages) == 1


def test_a_refused_mail_is_retried_then_fails_into_an_incident_that_an_admin_retries(
        session, deadline_deployed, smtp_server):
    inbox, url = smtp_server
    mailer = SmtpMailer(url, "notice@wuye.example")
    inbox.refuse = "550 mailbox unavailable"
    case, message = _message(session)
    with time_machine.travel(T0, tick=False) as clock:
        for attempt, wait in enumerate(outbox.RETRY_INTERVALS, start=1):
            result = outbox.deliver(session, message.id, mailer)
            session.commit()
            assert result.status == OutboxStatus.PENDING and "550 mailbox unavailable" in result.error
            assert message.attempts == attempt
            assert message.next_attempt_at == datetime.now(timezone.utc) + timedelta(seconds=wait)
            assert outbox.due_ids(session) == []  # not before its next attempt
            clock.shift(timedelta(seconds=wait))
            assert outbox.due_ids(session) == [message.id]
        result = outbox.deliver(session, message.id, mailer)
        session.commit()
    assert result.status == OutboxStatus.FAILED and message.attempts == outbox.MAX_ATTEMPTS
    incident = session.scalars(select(Incident).where(Incident.instance_id == case.id)).one()
    assert incident.source == "mail" and "eng1@example.com" in incident.message and "550" in incident.message
    assert inbox.messages == []

    inbox.refuse = None
    incidents.retry(session, incident.id, user="admin")
    session.commit()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert incident.status == IncidentStatus.RESOLVED
    assert outbox.deliver(session, message.id, mailer).status == OutboxStatus.SENT
    session.commit()
    assert len(inbox.messages) == 1


def test_an_unreachable_server_is_a_mail_error_naming_it(session, deadline_deployed):
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "notice@wuye.example", timeout=2)
    with pytest.raises(MailError, match="ConnectionRefused"):
        mailer.send("a@example.com", "s", "b")
    assert "password" not in repr(SmtpMailer("smtp://u:password@mail.example:587", "n@x.example"))


def test_the_embedded_loop_delivers_due_mail_to_the_log(session, deadline_deployed, caplog):
    from engine.mailer import LogMailer

    _, message = _message(session)
    with caplog.at_level("INFO", logger="engine.mailer"):
        [result] = outbox.deliver_due(session, LogMailer(), now=T0)
    assert result.status == OutboxStatus.LOGGED and message.subject in caplog.text
    assert outbox.deliver_due(session, LogMailer(), now=T0) == []
