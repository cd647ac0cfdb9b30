"""Running a loaded workflow to its next wait, and accounting for the timers that fired on the way.

SpiffWorkflow refreshes timers at the end of every ``do_engine_steps``, so any
step on an instance (a task completion, a retry, a sweep) may fire a timer that
has come due. ``run_engine`` therefore takes the timers that were waiting before
the step and records each one that fired — with its lateness and, for a
deadline on a user task, an escalation — whoever's step it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session
from SpiffWorkflow import TaskState
from SpiffWorkflow.exceptions import WorkflowException

from . import audit, linked_cases, notices, overdue_on_arrival, projection
from .models import AuditKind, Instance, InstanceStatus, TimerFiring
from .packages import ESCALATES

_RAN = TaskState.READY | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
_MAX_ROUNDS = 50


@dataclass(frozen=True)
class StepResult:
    """What a run did: how many timers fired, and the workflow's projection afterwards (for ``store.save``)."""

    fired: int
    snapshot: projection.Snapshot


def waiting_timers(workflow) -> list[projection.TimerView]:
    """The timers waiting in a workflow now (call before a step; pass the result to ``run_engine``)."""
    return projection.waiting_timers(workflow)


def run_engine(session: Session, instance: Instance, workflow, now: datetime,
               waiting: list[projection.TimerView], worker: str | None = None) -> StepResult:
    """Run engine tasks until only people or timers are awaited; return how many timers fired and the snapshot.

    A failing script does not raise: the instance goes to ``error`` with an open
    incident naming the task, and the state up to the failure is kept.
    """
    started = overdue_on_arrival.clock()
    try:
        for _ in range(_MAX_ROUNDS):
            workflow.do_engine_steps()
            if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
                break
        _route_events(session, instance, workflow, now)
    except WorkflowException as exc:
        failed = next(iter(workflow.get_tasks(state=TaskState.ERROR)), None)
        instance.status = InstanceStatus.ERROR
        audit.open_incident(session, instance.id, "task", exc, task_id=str(failed.id) if failed else None,
                            task_name=failed.task_spec.name if failed else None)
    for notice in notices.drain():
        audit.record(session, instance.id, AuditKind.NOTIFIED, at=now, data=notice)
    after = projection.snapshot(workflow)
    waiting = waiting + overdue_on_arrival.fired_on_arrival(session, instance.id, workflow, started,
                                                            {t.id for t in waiting})
    fired = record_firings(session, instance, workflow, now, waiting, after, worker)
    linked_cases.open_requested(session, instance, workflow, now, linked_cases.take())
    return StepResult(fired, after)


def _route_events(session: Session, instance: Instance, workflow, now: datetime) -> None:
    """Record events the workflow threw that nothing inside it caught (escalations and the like)."""
    for event in workflow.get_events():
        definition = event.event_definition
        kind = AuditKind.ESCALATED if "Escalation" in type(definition).__name__ else AuditKind.ERROR
        audit.record(session, instance.id, kind, at=now, data={
            "event": type(definition).__name__, "name": getattr(definition, "name", None),
            "code": getattr(definition, "code", None)})


def escalates(timer_spec) -> bool:
    """A boundary timer on a task is a missed deadline (an escalation) unless the diagram marks it
    ``escalates=false`` (a reminder, a retry, a scheduled close)."""
    properties = getattr(timer_spec, "extensions", {}).get("properties", {})
    return properties.get(ESCALATES, "true").strip().lower() != "false"


def record_firings(session: Session, instance: Instance, workflow, now: datetime,
                   waiting: list[projection.TimerView], after: projection.Snapshot, worker: str | None = None) -> int:
    """Record each timer of ``waiting`` that has fired since (``after``: the workflow's snapshot now)."""
    still = {t.id: t for t in after.timers}
    fired = 0
    for view in waiting:
        if view.due_at > now:
            continue
        task = workflow.get_task_from_id(UUID(view.id))
        repeated = view.id in still and still[view.id].due_at != view.due_at  # a cycle moved on
        if task is None or not (task.has_state(_RAN) or repeated):
            continue  # cancelled with its task, or not reached
        fired += 1
        lateness = (now - view.due_at).total_seconds()
        session.add(TimerFiring(instance_id=instance.id, task_id=view.id, task_name=view.name, title=view.title,
                                due_at=view.due_at, fired_at=now, lateness_seconds=lateness, worker=worker))
        audit.record(session, instance.id, AuditKind.TIMER_FIRED, at=now, task_id=view.id, task_name=view.name,
                     title=view.title, data={"due_at": view.due_at.isoformat(), "lateness_seconds": lateness})
        if view.attached_to and escalates(task.task_spec):
            missed = workflow.get_task_from_id(UUID(view.attached_to))
            audit.record(session, instance.id, AuditKind.ESCALATED, at=now, task_id=view.attached_to,
                         task_name=missed.task_spec.name if missed else None,
                         title=missed.task_spec.bpmn_name if missed else None,
                         data={"deadline": view.title or view.name, "due_at": view.due_at.isoformat(),
                               "task_still_open": bool(missed and missed.state == TaskState.READY)})
    return fired
