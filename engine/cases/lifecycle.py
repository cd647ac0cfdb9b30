"""A case's life after its start: complete a user task, cancel, retry what an incident stands for.

Each function is one step (``engine.cases.step``): it works inside the caller's
transaction, takes the case's row lock, flushes, and never commits. The caller
commits (or rolls back, after which nothing of the step is stored). Starting a
case is ``engine.cases.step.start_instance``.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import history, impartiality, incidents, workflows
from engine.cases.projection import every_task
from engine.cases.step import Step
from engine.exceptions import Conflict, NotAllowed, NotFound
from engine.library.extensions import form_of
from engine.library.forms import validate_form
from engine.messages import outbox
from engine.storage.models import AuditEvent, AuditKind, HumanTask, Incident, IncidentStatus, Instance, InstanceStatus
from engine.storage.models._types import utcnow


def get_task_row(session: Session, task_id: str) -> HumanTask:
    """The open human task ``task_id``; ``Conflict`` saying what became of it if it closed, ``NotFound`` if unknown."""
    row = session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                          .execution_options(populate_existing=True)).one_or_none()
    if row is not None:
        return row
    events = session.scalars(select(AuditEvent).where(AuditEvent.task_id == task_id)
                             .order_by(AuditEvent.id.desc())).all()
    done = next((e for e in events if e.kind == AuditKind.TASK_COMPLETED), None)
    if done is not None:
        raise Conflict(f"task '{done.title}' was already completed by {done.actor or 'someone'} "
                       f"at {done.at:%Y-%m-%d %H:%M}", code="task_done", title=done.title, actor=done.actor or "")
    missed = next((e for e in events if e.kind == AuditKind.ESCALATED), None)
    if missed is not None:
        raise Conflict(f"task '{missed.title}' is closed: its deadline ({missed.data.get('deadline')}) passed "
                       f"and the case was escalated", code="task_escalated", title=missed.title,
                       deadline=missed.data.get("deadline") or "")
    if events:
        raise Conflict(f"task '{events[0].title}' is no longer open: the case has moved on", code="task_moved_on",
                       title=events[0].title)
    raise NotFound(f"no open task {task_id}")


def lock_task(session: Session, task_id: str) -> tuple[Instance, HumanTask] | None:
    """The open task's case, locked for this transaction (as a step locks it), and the task's row; None if the
    task is not open. A caller that reads the case before completing the task (its form, its property) takes
    the lock with this and hands the pair to ``complete_task``: one query instead of three."""
    return workflows.lock_instance_of_task(session, task_id)


def complete_task(session: Session, task_id: str, data: dict[str, Any], *, user: str,
                  lanes: Iterable[str] | None = None, now: datetime | None = None,
                  locked: tuple[Instance, HumanTask] | None = None) -> Instance:
    """Complete an open user task with form data and run the case to its next wait.

    Refused, with nothing saved: data the task's JSON Schema rejects (``FormInvalid``); a
    task held by someone else (``Conflict``, whatever the caller: web, API or CLI); with
    ``lanes`` given, a task outside them (``NotAllowed``); a user the task's
    ``excludedUsersField`` names (``NotAllowed``, see ``impartiality``). A deadline that
    passed before this completion fires first, as the sweep would have. Of two users
    completing the same task, the second gets ``Conflict``. ``locked``: what ``lock_task``
    returned for this task in this transaction (else the lock is taken here).
    """
    now = now or utcnow()
    locked = locked or workflows.lock_instance_of_task(session, task_id)
    if locked is None:
        get_task_row(session, task_id)  # raises Conflict (what became of it) or NotFound
        raise NotFound(f"no open task {task_id}")
    instance, holder = locked[0], locked[1].assignee
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"case {instance.case_no} is {instance.status.value}", code="case_ended",
                       case_no=instance.case_no, status=instance.status.value)
    with Step(session, instance, now) as step:
        step.fire_due()
        was_open = {str(t.id) for t in every_task(step.workflow) if t._state == TaskState.READY and t.task_spec.manual}
        task = step.workflow.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:  # the caller rolls back; the sweep fires it for real
            raise Conflict(f"task {task_id} of case {instance.case_no} is no longer open", code="case_moved_on",
                           case_no=instance.case_no)
        spec = task.task_spec
        title = spec.bpmn_name or spec.name
        if lanes is not None and spec.lane not in set(lanes):
            raise NotAllowed(f"task '{title}' belongs to role '{spec.lane}'", code="wrong_role", title=title,
                             role=spec.lane or "")
        if holder and holder != user:
            raise Conflict(f"task '{title}' is held by {holder}", code="task_held", title=title, user=holder)
        impartiality.check_may_complete(task, user)
        form = form_of(spec)
        validate_form(workflows.version_of(session, instance).files.get(form) if form else None, data)
        task.data.update(data)
        task.run()
        history.record(session, instance.id, AuditKind.TASK_COMPLETED, actor=user, at=now, task_id=task_id,
                       task_name=spec.name, title=spec.bpmn_name, data=data)
        step.run()
    step.note_opened(was_open)
    return instance


def cancel_instance(session: Session, instance_id: int, *, user: str, reason: str = "",
                    now: datetime | None = None) -> Instance:
    """Cancel a running case: its open tasks and timers go away; the audit trail keeps who and why."""
    now = now or utcnow()
    instance = workflows.lock_instance(session, instance_id)
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        raise NotAllowed(f"case {instance.case_no} is already {instance.status.value}")
    with Step(session, instance, now) as step:
        step.workflow.cancel()
        instance.status = InstanceStatus.CANCELLED
        instance.ended_at = now
        history.record(session, instance.id, AuditKind.CANCELLED, actor=user, at=now, data={"reason": reason})
    return instance


def retry_incident(session: Session, incident_id: int, *, user: str | None = None,
                   now: datetime | None = None) -> Incident:
    """Retry what an open incident stands for; resolve it when the case runs on without error.

    A ``mail`` incident sends the case's failed messages again (a new round of
    attempts); any other re-runs the failed step. The caller commits, then hands
    the follow-ups to the queue.
    """
    now = now or utcnow()
    incident = incidents.get_open_incident(session, incident_id)
    if incident.source == "mail":
        messages = outbox.retry_failed(session, incident.instance_id, now)
        history.record(session, incident.instance_id, AuditKind.RETRIED, actor=user, at=now,
                       data={"incident": incident.id, "messages": messages})
        incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
        return incident
    instance = workflows.lock_instance(session, incident.instance_id)
    with Step(session, instance, now) as step:
        for task in step.workflow.get_tasks(state=TaskState.ERROR):
            step.workflow.reset_from_task_id(task.id)
        instance.status = InstanceStatus.RUNNING
        history.record(session, instance.id, AuditKind.RETRIED, actor=user, at=now, data={"incident": incident.id})
        step.workflow.refresh_timers()
        step.run()
    if instance.status != InstanceStatus.ERROR:
        incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
    return incident
