"""Deadline-near notices: once per open task, when its due time comes close.

A task is near its deadline when the time left is at most a quarter of the time
it was given, and at most ``inbox.DUE_SOON`` (a 1-hour deadline is noticed 15
minutes before, a 48-hour one 4 hours before). The notice is a ``notified``
audit event on the case with the task's id — the case shows it, and
``notifications`` mails it to the assignee, or else to the task's role — so a
task is noticed once, however many sweeps run at the same time.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from engine.cases import history, workflows
from engine.storage.models import AuditEvent, AuditKind, HumanTask, InstanceStatus
from engine.storage.models._types import utcnow
from engine.tasks.inbox import DUE_SOON


def _near(task, now: datetime) -> bool:
    """``task`` (a row with ``due_at`` and ``created_at``) is due within a quarter of the time it was given."""
    if task.due_at is None:
        return False
    left = task.due_at - now
    return left <= min(DUE_SOON, (task.due_at - task.created_at) / 4)


def _noticed(session: Session, task_ids) -> set[str]:
    """The tasks among ``task_ids`` that have a notice already. Read by the task-id index (with the kind in the
    query SQLite chose the kind's index and walked every notice); the kind is checked here."""
    return {task_id for task_id, kind in session.execute(select(AuditEvent.task_id, AuditEvent.kind).where(
        AuditEvent.task_id.in_(list(task_ids)))) if kind == AuditKind.NOTIFIED and task_id is not None}


def notice_due_soon(session: Session, now: datetime | None = None) -> int:
    """Record a deadline-near notice for each open task that needs one; commits per case; returns how many.

    Safe from several processes at once: each case is locked (``SKIP LOCKED``)
    and re-checked before its notices are written.
    """
    now = now or utcnow()
    # the tasks due soon, as plain rows, along the inbox's order index (due_at IS NULL, due_at): a range of it,
    # not the whole task table (at 100,000 open tasks some 1,500 rows, every sweep)
    window = session.execute(select(HumanTask.id, HumanTask.instance_id, HumanTask.due_at, HumanTask.created_at)
                             .where(HumanTask.due_at.is_(None) == false(), HumanTask.due_at > now,
                                    HumanTask.due_at <= now + DUE_SOON)).all()
    near = [t for t in window if _near(t, now)]
    done = _noticed(session, (t.id for t in near))
    by_instance = sorted({t.instance_id for t in near if t.id not in done})
    session.rollback()
    count = 0
    for instance_id in by_instance:
        instance = workflows.try_lock_instance(session, instance_id)
        if instance is None or instance.status != InstanceStatus.RUNNING:
            session.rollback()
            continue
        open_now = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                   .execution_options(populate_existing=True)).all()
        wanted = [t for t in open_now if t.due_at and now < t.due_at and _near(t, now)]
        noticed = _noticed(session, (t.id for t in wanted))
        tz = ZoneInfo(instance.property.timezone or "Asia/Shanghai")
        for task in wanted:
            if task.id in noticed or task.due_at is None:
                continue
            to = f"user:{task.assignee}" if task.assignee else (task.lane or "")
            history.record(session, instance_id, AuditKind.NOTIFIED, task_id=task.id, task_name=task.task_name,
                         title=task.title, at=now, data={
                             "to": to, "reason": "deadline_near", "due_at": task.due_at.isoformat(),
                             "message": f"「{task.title}」将于 {task.due_at.astimezone(tz):%Y-%m-%d %H:%M} 到期"})
            count += 1
        session.commit()
    return count
