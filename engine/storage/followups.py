"""What a committed transaction leaves for the job queue: new due times and mail to deliver.

A step notes, in its session, each instance whose next timer due time changed
(``store.save``) and each outbox message it wrote (``outbox.add``). Notes made in
a transaction that rolls back are dropped; notes of committed transactions wait
until the caller takes them with ``take`` after its commit and hands them to the
queue (``worker.enqueue.after_commit``). The database stays the source of
truth: a note that never reaches the queue is caught by the periodic sweep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "pflow.followups.pending"
_READY = "pflow.followups.ready"


@dataclass
class Followups:
    """Instances whose next due time is now ``due[id]`` (None: no timer waits), and outbox ids to send."""

    due: dict[int, datetime | None] = field(default_factory=dict)
    mail: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.due or self.mail)

    def merge(self, other: Followups) -> None:
        self.due.update(other.due)
        self.mail.extend(m for m in other.mail if m not in self.mail)


def _pending(session: Session) -> Followups:
    pending = session.info.get(_PENDING)
    if pending is None:
        if not _listening:
            _listen()
        pending = session.info[_PENDING] = Followups()
    return pending


_listening: list[bool] = []


def _listen() -> None:
    """Listen to every session's commits and rollbacks, once per process (a listener per session cost more than
    the notes it guards: SQLAlchemy's event registry on each new session)."""
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_rollback", _rolled_back)
    _listening.append(True)


def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_READY, Followups()).merge(pending)


def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def note_due(session: Session, instance_id: int, due: datetime | None) -> None:
    """Note that an instance's next timer due time is now ``due`` (the last note of an instance wins)."""
    _pending(session).due[instance_id] = due


def note_mail(session: Session, message_id: int) -> None:
    """Note an outbox message written in this transaction."""
    _pending(session).mail.append(message_id)


def take(session: Session) -> Followups:
    """The notes of the transactions committed since the last ``take`` (and forget them)."""
    return session.info.pop(_READY, None) or Followups()
