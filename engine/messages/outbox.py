"""The outbox: mail written in the step's transaction, delivered afterwards, attempts counted.

``add`` writes a message and notes it for the queue (``followups``); a job, or
the embedded timer loop, calls ``deliver`` with a mailer. A failed attempt is
recorded (``attempts``, ``last_error``, ``next_attempt_at``); after
``MAX_ATTEMPTS`` the message is ``failed`` and the ``Delivery`` says it gave up
(``engine.cases.incidents.deliver_message`` then opens an incident on its case,
which an admin retries: ``retry_failed``). Delivery is at
least once: a mail the server accepted just before the database went away is
sent again on the next attempt.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from engine.messages.mail import MailError
from engine.messages.sms.transports import LogSms
from engine.storage import followups
from engine.storage.models import OutboxMessage, OutboxStatus
from engine.storage.models._types import utcnow

log = logging.getLogger(__name__)

RETRY_INTERVALS = (60, 300, 1800)  # seconds before the 2nd, 3rd and 4th attempt
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


@dataclass(frozen=True)
class Delivery:
    """The outcome of one ``deliver`` call; ``status`` None: nothing to do (sent already, or busy elsewhere)."""

    message_id: int
    status: OutboxStatus | None
    error: str | None = None
    gave_up: bool = False  # this attempt was the last: the message is ``failed``
    instance_id: int | None = None
    address: str = ""
    attempts: int = 0


def add(session: Session, *, kind: str, address: str, subject: str, body: str, instance_id: int | None = None,
        task_id: str | None = None, username: str | None = None, now: datetime | None = None,
        channel: str = "mail", params: list | None = None) -> int:
    """Write one message (``channel`` mail, or sms: see ``engine.messages.sms``) in the caller's transaction; its id is
    noted for the queue."""
    now = now or utcnow()
    message_id = session.connection().execute(insert(cast(Table, OutboxMessage.__table__)).values(
        channel=channel, params=params,
        instance_id=instance_id, task_id=task_id, kind=kind, username=username, address=address,
        subject=subject[:300], body=body, status=OutboxStatus.PENDING.value, attempts=0, created_at=now,
        next_attempt_at=now).returning(cast(Table, OutboxMessage.__table__).c.id)).scalar_one()
    followups.note_mail(session, message_id)
    return message_id


def _lock(session: Session, message_id: int) -> OutboxMessage | None:
    query = select(OutboxMessage).where(OutboxMessage.id == message_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).one_or_none()


def deliver(session: Session, message_id: int, mailer, now: datetime | None = None, sms=None) -> Delivery:
    """Make one delivery attempt of a pending message in the caller's transaction (the caller commits).

    Mail goes through ``mailer``, SMS through ``sms`` (default: the log, ``LogSms``).

    Safe from several workers at once: the row is locked (``SKIP LOCKED``) and
    only a ``pending`` message is sent.
    """
    now = now or utcnow()
    message = _lock(session, message_id)
    if message is None or message.status != OutboxStatus.PENDING:
        return Delivery(message_id, None)
    message.attempts += 1
    if message.channel == "sms":
        mailer = sms or LogSms()
    try:
        if message.channel == "sms":
            mailer.send(message.address, message.subject, message.body, list(message.params or []))
        else:
            mailer.send(message.address, message.subject, message.body)
    except MailError as exc:
        message.last_error = str(exc)
        gave_up = message.attempts >= MAX_ATTEMPTS
        if gave_up:
            message.status, message.next_attempt_at = OutboxStatus.FAILED, None
        else:
            message.next_attempt_at = now + timedelta(seconds=RETRY_INTERVALS[message.attempts - 1])
        log.warning("mail %s to %s: attempt %s failed: %s", message.id, message.address, message.attempts, exc,
                    extra={"message_id": message.id, "instance_id": message.instance_id})
        return Delivery(message_id, message.status, str(exc), gave_up, message.instance_id, message.address,
                        message.attempts)
    message.status, message.sent_at = mailer.delivered_status, now
    message.next_attempt_at = message.last_error = None
    log.info("mail %s to %s: %s", message.id, message.address, message.status.value,
             extra={"message_id": message.id, "instance_id": message.instance_id})
    return Delivery(message_id, message.status)


def due_ids(session: Session, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Pending messages whose next attempt is due, oldest first."""
    now = now or utcnow()
    return list(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at).limit(limit)))


def retry_failed(session: Session, instance_id: int, now: datetime | None = None) -> list[int]:
    """Put the failed messages of a case back to pending for a fresh round of attempts; their ids."""
    now = now or utcnow()
    messages = session.scalars(select(OutboxMessage).where(
        OutboxMessage.instance_id == instance_id, OutboxMessage.status == OutboxStatus.FAILED)).all()
    for message in messages:
        message.status, message.attempts, message.next_attempt_at = OutboxStatus.PENDING, 0, now
        followups.note_mail(session, message.id)
    session.flush()
    return [m.id for m in messages]
